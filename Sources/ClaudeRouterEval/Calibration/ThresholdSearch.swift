import Foundation

/// Chooses per-tier score thresholds that meet a quality or cost target at the least expected
/// cost, by exhaustive search over a grid of score quantiles.
///
/// A prompt with score `s` reaches the highest tier whose threshold is ≤ `s` (tier 0 always has
/// threshold 0; a tier may also get no threshold, i.e. it is never chosen by score), and its
/// task route may fix the tier or clamp it to a range — as `PolicyEngine.decide` does. Override
/// rules are not simulated (the held-out report runs the real engine).
package struct ThresholdSearch: Sendable {
    /// What the thresholds must achieve.
    package enum Target: Sendable, Hashable {
        /// Pass rate ≥ R (0…1) at the least cost.
        case passRate(Double)
        /// Pass rate ≥ Q × the top tier's pass rate on the same prompts (RouteLLM's "95% of
        /// strong-model quality" is Q = 0.95), at the least cost.
        case qualityRatio(Double)
        /// The highest pass rate whose mean cost per call is ≤ X USD.
        case maxCostPerCall(Double)
    }

    /// One prompt: its score, its task's route, and per-tier outcome and cost (USD).
    package struct Row: Sendable, Hashable {
        /// The difficulty score, 0…1.
        package var score: Double
        /// The task's fixed tier index, if any.
        package var fixedTier: Int?
        /// The lowest tier index the task allows.
        package var minTier: Int
        /// The highest tier index the task allows.
        package var maxTier: Int
        /// Per tier: passed.
        package var passed: [Bool]
        /// Per tier: cost of the call in USD.
        package var cost: [Double]

        /// A row.
        package init(score: Double, fixedTier: Int? = nil, minTier: Int, maxTier: Int, passed: [Bool], cost: [Double]) {
            self.score = score
            self.fixedTier = fixedTier
            self.minTier = minTier
            self.maxTier = maxTier
            self.passed = passed
            self.cost = cost
        }

        /// The tier these thresholds route this row to (`nil` threshold: never by score).
        package func tier(thresholds: [Double?]) -> Int {
            if let fixedTier { return fixedTier }
            var reached = 0
            for (index, threshold) in thresholds.enumerated() {
                if let threshold, score >= threshold { reached = index }
            }
            return min(max(reached, minTier), maxTier)
        }
    }

    /// The chosen thresholds and what they achieve on the rows searched.
    package struct Choice: Sendable, Hashable {
        /// Per tier; `nil` = no threshold (never chosen by score). Index 0 is always 0.
        package var thresholds: [Double?]
        /// Pass rate, 0…1.
        package var passRate: Double
        /// Mean cost per call, USD.
        package var costPerCall: Double
        /// The pass rate the target asked for (for `.maxCostPerCall`, the cost cap).
        package var required: Double
    }

    /// The target cannot be met; says what can.
    package struct Unreachable: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was asked.
        package var message: String
        /// The best pass rate any thresholds reach, 0…1.
        package var bestPassRate: Double
        /// The mean cost per call of the cheapest routing, USD.
        package var cheapestCostPerCall: Double
        /// The explanation.
        package var description: String { message }
    }

    /// Candidate thresholds per tier: this many score quantiles (plus 0).
    package var gridSize: Int

    /// A search over `gridSize` quantiles (default 60).
    package init(gridSize: Int = 60) { self.gridSize = gridSize }

    /// Candidate thresholds: 0 and the scores' `i/gridSize` quantiles, rounded to 4 decimals,
    /// distinct and ascending.
    package func candidates(scores: [Double]) -> [Double] {
        let sorted = scores.sorted()
        var values: Set<Double> = [0]
        if !sorted.isEmpty {
            for i in 1..<max(gridSize, 2) {
                let value = sorted[min(sorted.count - 1, sorted.count * i / gridSize)]
                values.insert((value * 10_000).rounded(.up) / 10_000)
            }
        }
        return values.filter { $0 <= 1 }.sorted()
    }

    /// The threshold values tried for each tier above the cheapest: the candidate grid of
    /// `rows`' scores (coarser for more than 3 tiers, to keep the enumeration small), then `nil`
    /// (the tier is never chosen by score).
    func thresholdOptions(rows: [Row], tierCount: Int) -> [Double?] {
        var grid = candidates(scores: rows.map(\.score))
        if tierCount > 3 {
            let step = max(1, grid.count / 12)
            grid = stride(from: 0, to: grid.count, by: step).map { grid[$0] }
        }
        return grid.map { Optional($0) } + [nil]
    }

    /// Routes every row by `thresholds`: how many pass on their chosen tier, and the summed cost
    /// (USD) of those tiers, added in row order.
    static func totals(_ rows: [Row], thresholds: [Double?]) -> (passes: Int, cost: Double) {
        var passes = 0, cost = 0.0
        for row in rows {
            let tier = row.tier(thresholds: thresholds)
            if row.passed[tier] { passes += 1 }
            cost += row.cost[tier]
        }
        return (passes, cost)
    }

    /// Calls `body` with every threshold vector for `tierCount` tiers, in a fixed order: 0 for
    /// the cheapest tier, then one of `options` per tier above it, never below the last
    /// threshold beneath it (`nil` leaves that floor where it was for the tiers above).
    static func forEachAscending(tierCount: Int, options: [Double?], _ body: ([Double?]) -> Void) {
        var current: [Double?] = [0]
        func recurse(tier: Int, floor: Double) {
            if tier == tierCount { body(current); return }
            for option in options {
                if let value = option, value < floor { continue }
                current.append(option)
                recurse(tier: tier + 1, floor: option ?? floor)
                current.removeLast()
            }
        }
        recurse(tier: 1, floor: 0)
    }

    /// The thresholds meeting `target` at the least cost (ties: higher pass rate, then the
    /// first in enumeration order). Throws `Unreachable` when no thresholds meet it.
    package func search(rows: [Row], tierCount: Int, target: Target) throws(Unreachable) -> Choice {
        precondition(tierCount >= 1 && rows.allSatisfy { $0.passed.count == tierCount && $0.cost.count == tierCount })
        let options = thresholdOptions(rows: rows, tierCount: tierCount)
        let n = Double(max(rows.count, 1))
        let topPass = rows.reduce(0) { $0 + ($1.passed[tierCount - 1] ? 1 : 0) } / n
        var best: Choice?
        var bestPass = 0.0
        var cheapest = Double.infinity
        func evaluate(_ current: [Double?]) {
            let (passes, cost) = Self.totals(rows, thresholds: current)
            let pass = Double(passes) / n, perCall = cost / n
            bestPass = max(bestPass, pass)
            cheapest = min(cheapest, perCall)
            let meets: Bool, required: Double
            switch target {
            case .passRate(let r): meets = pass >= r - 1e-12; required = r
            case .qualityRatio(let q): meets = pass >= q * topPass - 1e-12; required = q * topPass
            case .maxCostPerCall(let x): meets = perCall <= x + 1e-15; required = x
            }
            guard meets else { return }
            let candidate = Choice(thresholds: current, passRate: pass, costPerCall: perCall, required: required)
            guard let incumbent = best else { best = candidate; return }
            switch target {
            case .maxCostPerCall:
                if pass > incumbent.passRate || (pass == incumbent.passRate && perCall < incumbent.costPerCall) {
                    best = candidate
                }
            default:
                if perCall < incumbent.costPerCall || (perCall == incumbent.costPerCall && pass > incumbent.passRate) {
                    best = candidate
                }
            }
        }
        Self.forEachAscending(tierCount: tierCount, options: options, evaluate)
        if let best { return best }
        let asked: String
        switch target {
        case .passRate(let r): asked = "a pass rate of \(percent(r))"
        case .qualityRatio(let q): asked = "\(percent(q)) of the top tier's pass rate (\(percent(q * topPass)))"
        case .maxCostPerCall(let x): asked = "a cost per call of at most $\(x)"
        }
        throw Unreachable(message: "no thresholds reach \(asked) on these prompts; reachable: pass rate up to "
                          + "\(percent(bestPass)), cost per call down to $\(String(format: "%.6f", cheapest))",
                          bestPassRate: bestPass, cheapestCostPerCall: cheapest)
    }

    private func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}
