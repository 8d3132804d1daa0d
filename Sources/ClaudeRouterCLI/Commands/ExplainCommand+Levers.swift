import ClaudeClient
import Foundation
import Router
import RouterPolicies

/// `explain`'s view of the cost levers: history trimming, pre-flight and batch eligibility.
extension ExplainCommand {
    /// `explain --request F`: the decision for a whole Messages request, and what the levers would do.
    func explainRequest(_ path: String, engine: PolicyEngine, metadata: [String: String],
                        context: LeverJSON.Context?) throws {
        let policy = engine.policy
        let text = try path == "-" ? Inputs.standardInput() : Inputs.text(of: path)
        let parsed: BatchWorkload.MessageRequestParams
        do {
            parsed = try JSONDecoder().decode(BatchWorkload.MessageRequestParams.self, from: Data(text.utf8))
        } catch {
            throw CLIError.data("\(Inputs.label(path)): error: not a Messages request: \(BatchWorkload.describe(error))")
        }
        let levered = leverDecision(parsed.request, decided: nil, engine: engine, metadata: metadata,
                                    context: context ?? LeverJSON.Context(policy: policy, prices: .bundledDefault))
        if json {
            var output = DecisionJSON(levered.decision, policy: policy)
            output.levers = context == nil ? nil : levered.levers
            Terminal.writeOut(try output.encoded(pretty: true) + "\n")
            return
        }
        Terminal.writeOut(Self.describe(levered.decision, policy: policy))
        Terminal.writeOut(Self.describeLevers(levered.plan, policy: policy))
    }

    /// The context lever fields are built in: `nil` when the policy turns on no lever and no
    /// `--previous-tier` is given (then nothing is added and no price book is read).
    func leverContext(_ policy: Policy) throws -> LeverJSON.Context? {
        guard LeverJSON.anyLever(in: policy) || previousTier != nil else { return nil }
        return LeverJSON.Context(policy: policy, prices: try Inputs.prices(explicit: nil, policy: policy),
                                 previousTier: previousTier, cachedPrefixTokens: cachedPrefixTokens)
    }

    /// The decision for `request` as the router would make it offline — trimming first
    /// (``LeverPlan``), then cache-aware routing when `--previous-tier` names the conversation's
    /// last tier — with its plan and lever fields.
    /// - Parameter decided: the engine's decision for the untrimmed request, when already made.
    func leverDecision(_ request: MessageRequest, decided: RoutingDecision?, engine: PolicyEngine,
                       metadata: [String: String], task: String? = nil, context: LeverJSON.Context)
        -> (decision: RoutingDecision, plan: LeverPlan, levers: LeverJSON?) {
        let task = task ?? routing.task
        let plan = LeverPlan.make(request: request, engine: engine, options: CallOptions(task: task, metadata: metadata),
                                  decision: decided)
        var decision = plan.decision
        var stickiness: (policyTier: String, choice: CacheEconomics.StickinessChoice?)?
        if let previous = context.previousTier {
            var input = RoutingInput(text: "", task: task, metadata: metadata)
            input.previousTier = previous
            input.cachedPrefixTokens = context.cachedPrefixTokens ?? 0
            let result = engine.cacheAwareChoice(decision, input: input, prices: context.prices, at: context.now)
            stickiness = (decision.tier, result.choice)
            decision = result.decision
        }
        let sent = plan.trim?.request ?? request
        let levers = LeverJSON.make(decision: decision, plan: plan, sent: sent, metadata: metadata,
                                    stickiness: stickiness, context: context)
        return (decision, plan, levers)
    }

    /// The lever lines; empty when the policy configures no lever for the task.
    static func describeLevers(_ plan: LeverPlan, policy: Policy) -> String {
        var lines: [String] = []
        if let history = plan.history, let trim = plan.trim {
            var caps: [String] = []
            if let count = history.maxMessages { caps.append("max_messages \(count)") }
            if let tokens = history.maxInputTokens { caps.append("max_input_tokens \(tokens)") }
            if trim.trimmed {
                lines.append("history:    trimmed \(trim.dropped.count) of \(trim.dropped.count + trim.request.messages.count) "
                             + "messages, ~\(trim.removedTokens) tokens removed (~\(trim.originalTokens) → ~\(trim.keptTokens); "
                             + caps.joined(separator: ", ") + ")"
                             + (trim.droppedSystem ? "; system prompt dropped" : "")
                             + (trim.withinCaps ? "" : "; still over a cap (no smaller valid conversation)"))
                if history.summarize {
                    lines.append("            the dropped turns would be summarized by tier '\(policy.tiers.first?.name ?? "")' "
                                 + "(a call recorded as task '\(Policy.historySummaryTask)')")
                }
            } else {
                lines.append("history:    within the caps (\(caps.joined(separator: ", "))): 0 tokens removed")
            }
        }
        if plan.preflight != nil || plan.preflightWouldRun {
            lines.append("preflight:  \(plan.preflightWouldRun ? "would run" : "would not run") count_tokens — "
                         + plan.preflightReason
                         + (plan.preflightWouldRun ? "; budgets would reserve the exact input instead of the byte bound "
                            + "(\(plan.byteBound) tokens)" : ""))
        }
        if plan.deferrable {
            lines.append("deferrable: yes — `claude-router batch submit` sends this task through the Message Batches API "
                         + "at the batch price")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
