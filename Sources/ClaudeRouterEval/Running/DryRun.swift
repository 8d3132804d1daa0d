package import Foundation
package import RouterPolicies

/// Projects what each policy would do with a suite, without any network traffic.
///
/// For every case: the policy's decision (`PolicyEngine.decide`), then a projected cost priced
/// with the price book: input tokens ≈ characters / 4 (the decision's estimate; rule of thumb in
/// docs/ANTHROPIC-API.md), output tokens = the case's `expected_output_tokens`, else the task's
/// `expected_output_tokens` in the policy, else a quarter of the decision's `max_tokens`. The
/// baseline cost prices the same tokens on the policy's
/// baseline tier. Only `expected_tier` and `max_cost_usd` checks can be evaluated; the rest are
/// skipped, and a case with skipped checks and no failed one is `notEvaluated` — never a pass.
package struct DryRun: Sendable {
    /// Prices for the projections.
    package var prices: PriceBook
    /// The date prices are looked up at.
    package var date: Date

    /// Projects with `prices` as in force at `date` (default: now).
    package init(prices: PriceBook, date: Date = Date()) {
        self.prices = prices
        self.date = date
    }

    /// Output tokens assumed for `item`: the case's `expected_output_tokens`, else its task's
    /// in the policy (`taskExpected`), else a quarter of the decision's `maxTokens` (a crude
    /// stand-in: declare the lengths), never above `maxTokens`.
    package static func projectedOutputTokens(for item: EvalCase, maxTokens: Int, taskExpected: Int? = nil) -> Int {
        min(max(1, item.expectedOutputTokens ?? taskExpected ?? maxTokens / 4), max(1, maxTokens))
    }

    /// Runs `suite` under `policy` as variant `variant`.
    package func run(_ suite: EvalSuite, policy: Policy, variant: String, policyFile: String) -> VariantRun {
        let engine = PolicyEngine(policy: policy)
        let baselineModel = policy.tiers.first { $0.name == policy.baselineTier }?.model
        let outcomes = suite.cases.map { item -> CaseOutcome in
            let decision = engine.decide(item.routingInput)
            let usage = TokenUsage(input: decision.estimatedInputTokens,
                                   output: Self.projectedOutputTokens(
                                       for: item, maxTokens: decision.maxTokens,
                                       taskExpected: policy.tasks[decision.task]?.expectedOutputTokens))
            let cost = prices.cost(of: usage, model: decision.model, at: date)?.total
            let baseline = baselineModel.flatMap { prices.cost(of: usage, model: $0, at: date)?.total }
            let evaluation = item.evaluate(CheckSubject(cost: cost, tier: decision.tier))
            var outcome = CaseOutcome(
                caseID: item.id, variant: variant, task: item.task ?? decision.task, tier: decision.tier,
                model: decision.model, passed: evaluation.passed && evaluation.skipped == 0 && !item.checks.isEmpty,
                failures: evaluation.failures, skippedChecks: evaluation.skipped,
                // No call was made, so a case without checks (live: "passes when the call succeeds")
                // was not evaluated either.
                notEvaluated: evaluation.passed && (evaluation.skipped > 0 || item.checks.isEmpty),
                cost: cost, baselineCost: baseline,
                inputTokens: usage.input, outputTokens: usage.output, reason: decision.reason)
            outcome.prompt = item.displayPrompt
            return outcome
        }
        return VariantRun(name: variant, policyFile: policyFile, outcomes: outcomes, policyName: policy.name,
                          policyHash: policy.contentHash)
    }
}

/// Variant names for the policies of an A/B run: each policy's `name`, or its file stem when
/// two policies share a name (`-2`, `-3` … appended if the stems collide too).
package func variantNames(policyNames: [String], files: [String]) -> [String] {
    var names: [String] = []
    for (index, name) in policyNames.enumerated() {
        let duplicate = policyNames.filter { $0 == name }.count > 1
        var candidate = duplicate ? ((files[index] as NSString).lastPathComponent as NSString).deletingPathExtension : name
        if names.contains(candidate) { candidate += "-\(index + 1)" }
        names.append(candidate)
    }
    return names
}
