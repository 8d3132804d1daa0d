import Foundation
package import RouterPolicies

/// How one routing (a policy, a single tier, or the oracle) does on held-out prompts.
package struct RoutingSummary: Sendable, Hashable, Codable {
    /// `base policy`, `calibrated`, `all <tier>`, `oracle`.
    package var name: String
    /// Share of prompts passed, 0…1.
    package var passRate: Double
    /// Mean cost per call, USD.
    package var costPerCall: Double
    /// Share of calls per tier, in tier order (sums to 1).
    package var tierShares: [Double]
    /// APGR of the routing's score (cheapest vs. top tier); `nil` for routings without a score.
    package var apgr: Double?
    /// Share of top-tier calls the score needs for 95% of top-tier-only quality; `nil` without a score.
    package var strongShareFor95: Double?
    /// Performance gap recovered at this routing's operating point (RouteLLM's PGR,
    /// https://arxiv.org/abs/2406.18665): `(pass rate − cheapest-tier pass rate) / (top-tier
    /// pass rate − cheapest-tier pass rate)`; `nil` when the two tiers pass equally often.
    package var pgr: Double?
}

/// The held-out comparison `claude-router calibrate` prints.
package struct CalibrationReport: Sendable, Codable {
    /// Tier names, in order.
    package var tiers: [String]
    /// Held-out prompts with an outcome for every tier (the only ones evaluated).
    package var rows: Int
    /// Base policy, calibrated policy (and, when it has per-task thresholds, the same policy with
    /// only its global thresholds), each single tier, oracle.
    package var summaries: [RoutingSummary]
    /// Calibrated minus base pass rate, paired bootstrap 95% CI.
    package var passRateDifference: Estimate?
    /// Calibrated cost saving relative to base (`1 − Σcalibrated/Σbase`), paired bootstrap 95% CI.
    package var relativeSaving: Estimate?
    /// Exact McNemar test on the paired pass/fail outcomes.
    package var mcnemar: McNemarTest
    /// One plain-language sentence.
    package var verdict: String

    /// Runs both policies' engines on every complete held-out record and compares them.
    /// Each record's pass/cost is that of the tier the engine chose (`cost_usd` when given, else
    /// estimated as in `Calibrator.costs`). `globalOnly`, when given, is reported as the row
    /// `calibrated, task thresholds removed` (the comparison stays base vs. calibrated).
    package static func evaluate(base: Policy, calibrated: Policy, records: [OutcomeRecord],
                                options: CalibrationOptions, globalOnly: Policy? = nil) throws(CalibrationError) -> CalibrationReport {
        let tiers = base.tiers.map(\.name)
        let complete = records.filter { record in tiers.allSatisfy { record.passed[$0] != nil } }
        let passed = complete.map { record in tiers.map { record.passed[$0]! } }
        var costs: [[Double]] = []
        for record in complete { costs.append(try Calibrator.costs(of: record, policy: base, options: options)) }
        let top = tiers.count - 1

        func summarize(_ name: String, choose: (Int) -> Int, scores: [Double]?) -> (RoutingSummary, [Bool], [Double]) {
            var shares = [Double](repeating: 0, count: tiers.count)
            var pass: [Bool] = [], cost: [Double] = []
            for i in complete.indices {
                let tier = choose(i)
                shares[tier] += 1
                pass.append(passed[i][tier])
                cost.append(costs[i][tier])
            }
            let n = Double(max(complete.count, 1))
            let weak = passed.map { $0[0] ? 1.0 : 0 }, strong = passed.map { $0[top] ? 1.0 : 0 }
            let passRate = Double(pass.filter { $0 }.count) / n
            let weakRate = weak.reduce(0, +) / n, strongRate = strong.reduce(0, +) / n
            let summary = RoutingSummary(
                name: name, passRate: passRate, costPerCall: cost.reduce(0, +) / n,
                tierShares: shares.map { $0 / n },
                apgr: scores.flatMap { RoutingQuality.apgr(scores: $0, weak: weak, strong: strong) },
                strongShareFor95: scores.flatMap { RoutingQuality.strongShare(reaching: 0.95, scores: $0, weak: weak, strong: strong) },
                pgr: strongRate != weakRate && !complete.isEmpty ? (passRate - weakRate) / (strongRate - weakRate) : nil)
            return (summary, pass, cost)
        }
        let baseEngine = PolicyEngine(policy: base), calibratedEngine = PolicyEngine(policy: calibrated)
        let baseDecisions = complete.map { baseEngine.decide($0.routingInput) }
        let calibratedDecisions = complete.map { calibratedEngine.decide($0.routingInput) }
        let (baseSummary, basePass, baseCost) = summarize("base policy", choose: { baseDecisions[$0].tierIndex },
                                                          scores: baseDecisions.map(\.score))
        let (calSummary, calPass, calCost) = summarize("calibrated", choose: { calibratedDecisions[$0].tierIndex },
                                                       scores: calibratedDecisions.map(\.score))
        var summaries = [baseSummary, calSummary]
        if let globalOnly {
            let engine = PolicyEngine(policy: globalOnly)
            let decisions = complete.map { engine.decide($0.routingInput) }
            summaries.append(summarize("calibrated, task thresholds removed", choose: { decisions[$0].tierIndex },
                                       scores: decisions.map(\.score)).0)
        }
        for t in tiers.indices { summaries.append(summarize("all \(tiers[t])", choose: { _ in t }, scores: nil).0) }
        summaries.append(summarize("oracle", choose: { i in passed[i].firstIndex(of: true) ?? 0 }, scores: nil).0)

        let bootstrap = PairedBootstrap(resamples: 2_000)
        let difference = bootstrap.passRateDifference(baseline: basePass, candidate: calPass)
        let saving = bootstrap.relativeSaving(baseline: baseCost, candidate: calCost)
        let mcnemar = McNemarTest(baseline: basePass, candidate: calPass)
        let verdict = complete.isEmpty ? "no held-out prompts with an outcome for every tier: nothing to compare"
            : Verdict.sentence(candidate: "calibrated", baseline: "base policy", saving: saving,
                               passDifference: difference, mcnemar: mcnemar, projected: false)
        return CalibrationReport(tiers: tiers, rows: complete.count, summaries: summaries, passRateDifference: difference,
                                 relativeSaving: saving, mcnemar: mcnemar, verdict: verdict)
    }

    /// A fixed-width table of the summaries plus the verdict.
    package var table: String {
        var table = TextTable(headers: ["routing", "pass rate", "cost/call", "share " + tiers.joined(separator: "/"), "PGR", "APGR",
                                        "strong@95%"],
                              alignments: [.left, .right, .right, .right, .right, .right, .right])
        for summary in summaries {
            table.append([summary.name, String(format: "%.1f%%", summary.passRate * 100),
                          String(format: "$%.6f", summary.costPerCall),
                          summary.tierShares.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: "/"),
                          summary.pgr.map { String(format: "%.3f", $0) } ?? "–",
                          summary.apgr.map { String(format: "%.3f", $0) } ?? "–",
                          summary.strongShareFor95.map { String(format: "%.0f%%", $0 * 100) } ?? "–"])
        }
        let rendered = table.rendered
        return rendered + (rendered.hasSuffix("\n") ? "" : "\n") + verdict + "\n"
    }
}
