extension PolicyEngine {
    /// The decision for a retry after `trigger`, or `nil` when the policy does not escalate it:
    /// escalation disabled, the trigger not listed, `attempt` (1 for the first escalation) beyond
    /// `max_steps`, or no tier left on `from.escalationPath`.
    ///
    /// The next tier is the first one on the path; for `context_overflow` tiers whose window is
    /// no larger than the current one are skipped. `max_tokens` doubles on a `max_tokens`
    /// trigger (capped by the new tier's maximum output and by `callerMaxTokens`, the caller's
    /// own `max_tokens` when it named one: a retry never asks for more output than the caller
    /// allowed); otherwise it is kept (capped by the new tier).
    public func escalate(from previous: RoutingDecision, trigger: EscalationTrigger, attempt: Int,
                         callerMaxTokens: Int? = nil) -> RoutingDecision? {
        guard escalation.enabled, escalation.triggers.contains(trigger),
              attempt >= 1, attempt <= escalation.maxSteps else { return nil }
        let arm = arms[armIndex(variant: previous.variant)]
        let currentWindow = arm.tiers.indices.contains(previous.tierIndex)
            ? arm.tiers[previous.tierIndex].contextWindow : 0
        var remaining = previous.escalationPath[...]
        while let name = remaining.popFirst() {
            guard let index = arm.tiers.firstIndex(where: { $0.name == name }) else { continue }
            let tier = arm.tiers[index]
            if trigger == .contextOverflow && tier.contextWindow <= currentWindow { continue }
            let wanted = trigger == .maxTokens
                ? min(previous.maxTokens.multipliedReportingOverflow(by: 2).partialValue, callerMaxTokens ?? .max)
                : previous.maxTokens
            let maxTokens = min(max(wanted, previous.maxTokens), tier.maxOutputTokens)
            let stepsLeft = max(escalation.maxSteps - attempt, 0)
            var reason = "escalated "
            reason += previous.task
            reason += " "
            reason += previous.tier
            reason += " → "
            reason += tier.name
            reason += " on "
            reason += trigger.rawValue
            reason += " (step \(attempt) of \(escalation.maxSteps))"
            if maxTokens != previous.maxTokens { reason += "; max_tokens \(previous.maxTokens) → \(maxTokens)" }
            return RoutingDecision(tier: tier.name, tierIndex: index, model: tier.model, maxTokens: maxTokens,
                                   escalationPath: Array(remaining.prefix(stepsLeft)), score: previous.score,
                                   contributions: previous.contributions, matchedRule: previous.matchedRule,
                                   variant: previous.variant, task: previous.task,
                                   taskConfidence: previous.taskConfidence,
                                   estimatedInputTokens: previous.estimatedInputTokens,
                                   contextOverflowRisk: previous.estimatedInputTokens + maxTokens > tier.contextWindow,
                                   escalationStep: attempt, reason: reason, scoreSource: previous.scoreSource,
                                   learnedScore: previous.learnedScore, heuristicScore: previous.heuristicScore,
                                   thresholdSource: previous.thresholdSource)
        }
        return nil
    }
}
