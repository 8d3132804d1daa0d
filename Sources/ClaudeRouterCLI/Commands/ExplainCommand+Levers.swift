import ClaudeClient
import Foundation
import Router
import RouterPolicies

/// `explain`'s view of the cost levers: history trimming, pre-flight and batch eligibility.
extension ExplainCommand {
    /// `explain --request F`: the decision for a whole Messages request, and what the levers would do.
    func explainRequest(_ path: String, policy: Policy, metadata: [String: String]) throws {
        let text = try path == "-" ? Inputs.standardInput() : Inputs.text(of: path)
        let parsed: BatchWorkload.MessageRequestParams
        do {
            parsed = try JSONDecoder().decode(BatchWorkload.MessageRequestParams.self, from: Data(text.utf8))
        } catch {
            throw CLIError.data("\(Inputs.label(path)): error: not a Messages request: \(BatchWorkload.describe(error))")
        }
        let plan = LeverPlan.make(request: parsed.request, policy: policy,
                                  options: CallOptions(task: routing.task, metadata: metadata))
        if json {
            Terminal.writeOut(try DecisionJSON(plan.decision, policy: policy).encoded(pretty: true) + "\n")
            return
        }
        Terminal.writeOut(Self.describe(plan.decision, policy: policy))
        Terminal.writeOut(Self.describeLevers(plan, policy: policy))
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
