import Foundation
public import ClaudeClient
public import RouterPolicies

/// What the cost levers would do to a request under a policy, worked out offline (no call, no
/// count): what `claude-router explain` shows. The router itself applies the same rules
/// (history trimming, then pre-flight) when it sends.
public struct LeverPlan: Sendable {
    /// The decision for the request as it would be sent (after trimming; on the estimate).
    public var decision: RoutingDecision
    /// The history caps in force for the decision's task, if any.
    public var history: HistorySettings?
    /// What trimming would do (`nil` without caps). A summary, when configured, is not written offline.
    public var trim: HistoryTrimmer.Result?
    /// The pre-flight settings in force for the task, if any.
    public var preflight: PreflightSettings?
    /// Whether pre-flight would call `count_tokens` for this request: as the policy asks, or
    /// forced when a budget applies and the request carries content its bytes do not bound.
    public var preflightWouldRun: Bool
    /// One line saying why pre-flight would or would not run.
    public var preflightReason: String
    /// Whether the task is `deferrable: true` (may go through the Message Batches API).
    public var deferrable: Bool
    /// The input bound a budget reserves without pre-flight: the encoded request's bytes.
    public var byteBound: Int

    /// The plan for `request` (model `auto` or empty is routed) under `policy`.
    public static func make(request: MessageRequest, policy: Policy, options: CallOptions = .init()) -> LeverPlan {
        make(request: request, engine: PolicyEngine(policy: policy), options: options)
    }

    /// The plan for `request` under `engine`'s policy, reusing `decision` (the engine's decision
    /// for the untrimmed request, when the caller already made it) so a bulk caller decides each
    /// request once unless trimming changes it.
    public static func make(request: MessageRequest, engine: PolicyEngine, options: CallOptions = .init(),
                            decision initial: RoutingDecision? = nil) -> LeverPlan {
        let policy = engine.policy
        func decide(_ request: MessageRequest) -> RoutingDecision {
            let input = RoutingInput(request: request, options: options)
            guard let model = request.namedModel else { return engine.decide(input) }
            var decision = engine.decide(input)
            decision.model = model
            decision.tierIndex = policy.tiers.firstIndex { $0.model == model } ?? -1
            return decision
        }
        var sent = request
        var decision = initial ?? decide(request)
        let history = policy.historySettings(forTask: decision.task)
        var trim: HistoryTrimmer.Result?
        if let history {
            let result = HistoryTrimmer.trim(request, settings: history)
            trim = result
            if result.trimmed {
                sent = result.request
                decision = decide(sent)
            }
        }
        let preflight = policy.preflightSettings(forTask: decision.task)
        var due = preflightDue(preflight, decision: decision, policy: policy)
        if !due.run, let unbounded = ModelRouter.unboundedUnderBudget(sent, task: decision.task,
                                                                     metadata: RoutingInput(request: sent, options: options).metadata,
                                                                     policy: policy) {
            due = (true, "forced: the request carries \(unbounded.content), whose billed tokens its size does not "
                   + "bound, and budget '\(unbounded.rule)' applies")
        }
        return LeverPlan(decision: decision, history: history, trim: trim, preflight: preflight,
                         preflightWouldRun: due.run, preflightReason: due.reason,
                         deferrable: policy.isDeferrable(task: decision.task),
                         byteBound: CostAccounting.inputTokenBound(sent))
    }

    /// Whether pre-flight runs for `decision`, and why, in one line.
    static func preflightDue(_ settings: PreflightSettings?, decision: RoutingDecision, policy: Policy)
        -> (run: Bool, reason: String) {
        guard let settings else { return (false, "not configured for task '\(decision.task)'") }
        switch settings.when {
        case .always: return (true, "when: always")
        case .nearLimit:
            guard policy.tiers.indices.contains(decision.tierIndex) else {
                return (false, "when: near_limit, but model \(decision.model) is not a policy tier (no known window)")
            }
            let window = policy.tiers[decision.tierIndex].contextWindow
            let needed = decision.estimatedInputTokens + decision.maxTokens
            let near = settings.shouldCount(estimatedInputTokens: decision.estimatedInputTokens,
                                            maxTokens: decision.maxTokens, contextWindow: window)
            let threshold = Int((Double(window) * (1 - settings.margin)).rounded(.up))
            return (near, "when: near_limit: ~\(decision.estimatedInputTokens) input + \(decision.maxTokens) max_tokens = "
                    + "\(needed) \(near ? "≥" : "<") \(threshold) (\(Int((1 - settings.margin) * 100))% of \(window))")
        }
    }
}
