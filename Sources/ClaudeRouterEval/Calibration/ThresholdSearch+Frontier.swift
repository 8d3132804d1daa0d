extension ThresholdSearch {
    /// One point of a frontier: thresholds per tier and what they give on the rows searched.
    package struct FrontierPoint: Sendable, Hashable {
        /// Per tier (`nil`: never by score); index 0 is 0.
        package var thresholds: [Double?]
        /// Rows passed.
        package var passes: Int
        /// Total cost of the rows, USD.
        package var cost: Double

        /// A point.
        package init(thresholds: [Double?], passes: Int, cost: Double) {
            self.thresholds = thresholds
            self.passes = passes
            self.cost = cost
        }
    }

    /// For every reachable pass count, the cheapest thresholds reaching exactly that many passes
    /// on `rows` (the same candidate grid as `search`, plus the `extra` threshold vectors), in
    /// ascending pass count. Ties keep the first found, so the result is deterministic.
    package func frontier(rows: [Row], tierCount: Int, extra: [[Double?]] = []) -> [FrontierPoint] {
        let options = thresholdOptions(rows: rows, tierCount: tierCount)
        var best: [Int: FrontierPoint] = [:]
        func evaluate(_ thresholds: [Double?]) {
            let (passes, cost) = Self.totals(rows, thresholds: thresholds)
            if let incumbent = best[passes], incumbent.cost <= cost { return }
            best[passes] = FrontierPoint(thresholds: thresholds, passes: passes, cost: cost)
        }
        Self.forEachAscending(tierCount: tierCount, options: options, evaluate)
        for thresholds in extra where thresholds.count == tierCount { evaluate(thresholds) }
        return best.keys.sorted().map { best[$0]! }
    }

    /// Picks one frontier point per group so that the total meets `target` over `rowCount` rows
    /// (`topPasses`: rows the top tier passes, for `.qualityRatio`) at the least total cost — or,
    /// for `.maxCostPerCall`, the most passes within the cap. A multiple-choice knapsack solved
    /// exactly by dynamic programming over the total pass count. `nil` when nothing meets it.
    package static func combine(_ groups: [[FrontierPoint]], rowCount: Int, topPasses: Int, target: Target) -> [Int]? {
        let n = max(rowCount, 1)
        // cost[p]: least total cost of the groups so far reaching p passes; choice[g][p]: the point used.
        var cost = [Double](repeating: .infinity, count: rowCount + 1)
        cost[0] = 0
        var choices: [[Int]] = []
        for group in groups {
            var next = [Double](repeating: .infinity, count: rowCount + 1)
            var picked = [Int](repeating: -1, count: rowCount + 1)
            for p in 0...rowCount where cost[p].isFinite {
                for (index, point) in group.enumerated() where p + point.passes <= rowCount {
                    let total = cost[p] + point.cost
                    if total < next[p + point.passes] {
                        next[p + point.passes] = total
                        picked[p + point.passes] = index
                    }
                }
            }
            // Remember which point and which previous total produced each new total.
            var from = [Int](repeating: -1, count: rowCount + 1)
            for p in 0...rowCount where picked[p] >= 0 { from[p] = p - group[picked[p]].passes }
            choices.append(picked)
            choices.append(from)
            cost = next
        }
        var best: Int?
        for p in 0...rowCount where cost[p].isFinite {
            let rate = Double(p) / Double(n), perCall = cost[p] / Double(n)
            let meets: Bool
            switch target {
            case .passRate(let r): meets = rate >= r - 1e-12
            case .qualityRatio(let q): meets = rate >= q * Double(topPasses) / Double(n) - 1e-12
            case .maxCostPerCall(let x): meets = perCall <= x + 1e-15
            }
            guard meets else { continue }
            guard let incumbent = best else { best = p; continue }
            switch target {
            case .maxCostPerCall:
                if p > incumbent || (p == incumbent && cost[p] < cost[incumbent]) { best = p }
            default:
                if cost[p] < cost[incumbent] || (cost[p] == cost[incumbent] && p > incumbent) { best = p }
            }
        }
        guard var p = best else { return nil }
        var result = [Int](repeating: 0, count: groups.count)
        for g in stride(from: groups.count - 1, through: 0, by: -1) {
            let picked = choices[2 * g], from = choices[2 * g + 1]
            result[g] = picked[p]
            p = from[p]
        }
        return result
    }
}
