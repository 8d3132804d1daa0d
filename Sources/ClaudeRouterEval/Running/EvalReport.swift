import Foundation
package import RouterPolicies

/// How many cases of a variant finished on one tier.
package struct TierShare: Sendable, Hashable, Codable {
    /// Tier name (`"unrouted"` for calls that failed before routing).
    package var tier: String
    /// Number of cases.
    package var count: Int
    /// Share of the variant's cases, 0…1.
    package var fraction: Double
}

/// Per-variant aggregates of an eval run.
package struct VariantSummary: Sendable, Hashable, Codable {
    /// Variant name.
    package var name: String
    /// The policy file it ran.
    package var policyFile: String
    /// Cases run.
    package var cases: Int
    /// Cases whose checks all passed.
    package var passed: Int
    /// Cases whose verdict is unknown (checks a dry run cannot evaluate); neither passed nor failed.
    package var notEvaluated: Int
    /// Cases never started (the run was interrupted or stopped first); left out of the rate,
    /// the tier mix, the escalation rate and the cost per case.
    package var notRun: Int = 0
    /// `passed / (cases − notRun − notEvaluated)` (0 when no case was evaluated).
    package var passRate: Double
    /// Exact sum of the priced cases' cost.
    @DecimalDollars package var totalCost: USDAmount
    /// `totalCost / cases`, rounded to the picodollar.
    @DecimalDollars package var costPerCase: USDAmount
    /// What the same calls would have cost on the policy's baseline tier.
    @DecimalDollars package var baselineCost: USDAmount
    /// `1 - totalCost / baselineCost`; nil when nothing was priced.
    package var savingVsBaseline: Double?
    /// Cases whose cost is unknown (unpriced model or failed call); they are left out of the sums.
    package var unpricedCases: Int
    /// Share of cases that escalated at least once.
    package var escalationRate: Double
    /// Cases per final tier, most used first.
    package var tierMix: [TierShare]
    /// Median latency in ms (nil in a dry run).
    package var latencyP50Ms: Double?
    /// 95th percentile latency in ms (nil in a dry run).
    package var latencyP95Ms: Double?

    /// JSON keys: snake_case, money as `…_usd` decimal-dollar strings.
    enum CodingKeys: String, CodingKey {
        case name, policyFile = "policy_file", cases, passed, notEvaluated = "not_evaluated", notRun = "not_run"
        case passRate = "pass_rate"
        case totalCost = "total_cost_usd", costPerCase = "cost_per_case_usd", baselineCost = "baseline_cost_usd"
        case savingVsBaseline = "saving_vs_baseline", unpricedCases = "unpriced_cases", escalationRate = "escalation_rate"
        case tierMix = "tier_mix", latencyP50Ms = "latency_p50_ms", latencyP95Ms = "latency_p95_ms"
    }
}

extension VariantSummary {
    /// `passed/evaluated`, plus `(N not evaluated)` when a dry run could not judge some cases and
    /// `(N not run)` when an interrupted run never started some.
    package var passCell: String {
        let evaluated = cases - notEvaluated - notRun
        return "\(passed)/\(evaluated)" + (notEvaluated > 0 ? " (\(notEvaluated) not evaluated)" : "")
            + (notRun > 0 ? " (\(notRun) not run)" : "")
    }

    /// The pass rate, or `not evaluated` when no case could be judged.
    package var rateCell: String { cases > notEvaluated + notRun ? Verdict.percent(passRate) : "not evaluated" }
}

extension CaseOutcome {
    /// Whether the case was never started (its only failure is `not run: REASON`).
    package var notRun: Bool { failures.first?.hasPrefix("not run:") ?? false }

    /// `pass`, `fail` or `not evaluated`.
    package var verdictWord: String { notEvaluated ? "not evaluated" : passed ? "pass" : "fail" }
}

/// A candidate variant compared with the first (baseline) variant on the same cases.
package struct PairComparison: Sendable, Hashable, Codable {
    /// The first `--policy`.
    package var baseline: String
    /// The variant compared with it.
    package var candidate: String
    /// Relative cost saving of the candidate, `1 - cost(candidate) / cost(baseline)`, with a
    /// 95% paired bootstrap interval; nil when the baseline cost nothing or was unpriced.
    package var costSaving: Estimate?
    /// Pass rate of the candidate minus the baseline's, with a 95% paired bootstrap interval.
    package var passRateDifference: Estimate?
    /// Exact McNemar test on the discordant pass/fail pairs.
    package var mcnemar: McNemarTest
    /// One plain sentence, e.g. `B saves 41% [35%, 47%] with no significant change in pass rate (p=0.62)`.
    package var verdict: String

    /// JSON keys: snake_case.
    enum CodingKeys: String, CodingKey {
        case baseline, candidate, costSaving = "cost_saving", passRateDifference = "pass_rate_difference", mcnemar, verdict
    }
}

/// Everything an eval run produced, ready to render as a table, JSON, Markdown, HTML or CSV.
package struct EvalReport: Sendable, Hashable, Codable {
    /// Version of the JSON layout (`schema_version`); raised when a field changes meaning or
    /// goes away, not when one is added.
    package static let currentSchemaVersion = 2
    /// The JSON layout's version (``currentSchemaVersion`` when made by this code).
    package var schemaVersion = EvalReport.currentSchemaVersion
    /// Name of the fixture suite(s).
    package var suite: String
    /// Whether costs are projections (no API calls were made).
    package var dryRun: Bool
    /// Case ids in run order (the same for every variant).
    package var caseIDs: [String]
    /// Per-variant aggregates, in `--policy` order.
    package var variants: [VariantSummary]
    /// Every variant after the first against the first.
    package var comparisons: [PairComparison]
    /// The raw per-case outcomes.
    package var runs: [VariantRun]
    /// Bootstrap parameters used, so a reader can reproduce the intervals.
    package var bootstrapResamples: Int
    /// Seed of the bootstrap's generator.
    package var bootstrapSeed: UInt64
    /// Answers (over all variants) that came from claude-router's local mock, not from Claude.
    package var mockReplies: Int
    /// Answers over all variants (cases × variants); 0 in a dry run, which makes no call.
    package var answers: Int
    /// The claude-router version that made it (set by the CLI; empty when unknown).
    package var toolVersion = ""
    /// Where the answers came from, e.g. the API base URL (set by the CLI; empty when unknown).
    package var answersSource = ""
    /// Answers (over all variants) reused from the result cache: no call was made for them.
    package var cachedAnswers: Int = 0
    /// What this run spent: routed calls actually made (not cache hits) plus judge calls,
    /// exact; unpriced calls are left out and counted in `unpricedCalls`.
    @DecimalDollars package var spentThisRun: USDAmount = .zero
    /// Cost of every `judge` check's grading calls, over all variants (not in any variant's cost).
    @DecimalDollars package var judgeCost: USDAmount = .zero
    /// The result cache file, when one was used (set by the CLI; empty otherwise).
    package var cachePath = ""

    /// JSON keys: snake_case, money as `…_usd` decimal-dollar strings (docs/CLI.md, "JSON").
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", suite, dryRun = "dry_run", caseIDs = "case_ids", variants, comparisons, runs
        case bootstrapResamples = "bootstrap_resamples", bootstrapSeed = "bootstrap_seed", mockReplies = "mock_replies"
        case answers, toolVersion = "tool_version", answersSource = "answers_source", cachedAnswers = "cached_answers"
        case spentThisRun = "spent_this_run_usd", judgeCost = "judge_cost_usd", cachePath = "cache_path"
    }

    /// Whether any case's checks failed under any variant (the CLI then exits 1); a case not
    /// evaluated is not a failure.
    package var anyCheckFailed: Bool { runs.contains { $0.outcomes.contains { !$0.passed && !$0.notEvaluated } } }

    /// Aggregates `runs` (all with the same case order) and compares each with the first.
    package init(suite: String, dryRun: Bool, runs: [VariantRun], bootstrap: PairedBootstrap = .init()) {
        self.suite = suite
        self.dryRun = dryRun
        self.runs = runs
        self.caseIDs = runs.first?.outcomes.map(\.caseID) ?? []
        self.variants = runs.map(Self.summarize)
        self.mockReplies = runs.reduce(0) { $0 + $1.outcomes.filter(\.mockReply).count }
        // A dry run makes no call, so it has no answers (its outcomes are decisions only).
        self.answers = dryRun ? 0 : runs.reduce(0) { $0 + $1.outcomes.count }
        let outcomes = runs.flatMap(\.outcomes)
        self.cachedAnswers = outcomes.filter(\.cached).count
        let judgeCost = outcomes.compactMap(\.judgeCost).sum()
        self.judgeCost = judgeCost
        self.spentThisRun = dryRun ? .zero : outcomes.filter { !$0.cached }.compactMap(\.cost).sum() + judgeCost
        self.bootstrapResamples = bootstrap.resamples
        self.bootstrapSeed = bootstrap.seed
        var comparisons: [PairComparison] = []
        if let baseline = runs.first {
            for candidate in runs.dropFirst() {
                comparisons.append(Self.compare(baseline, candidate, bootstrap: bootstrap, dryRun: dryRun))
            }
        }
        self.comparisons = comparisons
    }

    static func summarize(_ run: VariantRun) -> VariantSummary {
        let cases = run.outcomes.count
        let outcomes = run.outcomes.filter { !$0.notRun }
        let count = outcomes.count
        let passed = outcomes.filter(\.passed).count
        let notEvaluated = outcomes.filter(\.notEvaluated).count
        let evaluated = count - notEvaluated
        let priced = outcomes.filter { $0.cost != nil }
        let total = priced.compactMap(\.cost).sum()
        let baseline = priced.compactMap(\.baselineCost).sum()
        var tiers: [String: Int] = [:]
        for outcome in outcomes { tiers[outcome.tier ?? "unrouted", default: 0] += 1 }
        let mix = tiers.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { TierShare(tier: $0.key, count: $0.value, fraction: Double($0.value) / Double(max(count, 1))) }
        let latencies = outcomes.compactMap(\.latencyMs)
        return VariantSummary(
            name: run.name, policyFile: run.policyFile, cases: cases, passed: passed, notEvaluated: notEvaluated,
            notRun: cases - count,
            passRate: evaluated == 0 ? 0 : Double(passed) / Double(evaluated),
            totalCost: total,
            costPerCase: count == 0 ? .zero : total.scaled(by: 1, over: Int64(count)),
            baselineCost: baseline,
            savingVsBaseline: baseline.picodollars > 0 ? 1 - total.dollars / baseline.dollars : nil,
            unpricedCases: count - priced.count,
            escalationRate: count == 0 ? 0 : Double(outcomes.filter(\.escalated).count) / Double(count),
            tierMix: mix,
            latencyP50Ms: Statistics.percentile(latencies, 0.5),
            latencyP95Ms: Statistics.percentile(latencies, 0.95))
    }

    static func compare(_ a: VariantRun, _ b: VariantRun, bootstrap: PairedBootstrap, dryRun: Bool) -> PairComparison {
        // Pairs where either side is unpriced are left out of the cost comparison rather than
        // counted as $0, which would fake a saving (docs/ANTHROPIC-API.md: never price at $0).
        var costA: [Double] = [], costB: [Double] = []
        for (x, y) in zip(a.outcomes, b.outcomes) {
            if let cx = x.cost, let cy = y.cost { costA.append(cx.dollars); costB.append(cy.dollars) }
        }
        // Pass/fail statistics only over pairs where both verdicts are known.
        let judged = zip(a.outcomes, b.outcomes).filter { !$0.0.notEvaluated && !$0.1.notEvaluated }
        let passA = judged.map(\.0.passed), passB = judged.map(\.1.passed)
        let saving = bootstrap.relativeSaving(baseline: costA, candidate: costB)
        let passDiff = bootstrap.passRateDifference(baseline: passA, candidate: passB)
        let test = McNemarTest(baseline: passA, candidate: passB)
        return PairComparison(
            baseline: a.name, candidate: b.name, costSaving: saving, passRateDifference: passDiff,
            mcnemar: test,
            verdict: Verdict.sentence(candidate: b.name, baseline: a.name, saving: saving,
                                      passDifference: passDiff, mcnemar: test, projected: dryRun))
    }
}
