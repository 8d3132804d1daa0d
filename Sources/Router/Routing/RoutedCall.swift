import ClaudeClient
import Foundation
import Logging
import RouterPolicies

/// One routed call as it moves from attempt to attempt: what the caller asked for, the policy
/// snapshot it is decided under, the attempt in flight with its budget reservation, and every
/// attempt recorded so far. `send` and `stream` both carry one through the same escalation step.
struct RoutedCall: Sendable {
    /// The caller's request (`model` may be `"auto"`).
    let request: MessageRequest
    /// The caller's per-call options (task, checks, metadata).
    let options: CallOptions
    /// What the policy sees of ``request``.
    let input: RoutingInput
    /// The policy, engine and budgets in force when the call started; a reload mid-call does
    /// not change tiers under an escalation.
    let snapshot: PolicyStore.Snapshot
    /// The caller's logger for this call, or the router's.
    let logger: Logger
    /// Whether the attempts are streamed (recorded in ``LedgerRecord/stream``).
    let isStream: Bool
    /// The attempt in flight: its decision and the worst case reserved for it.
    var current: ReservedDecision
    /// When the attempt in flight was started (client retries included in its latency).
    var attemptStarted: ContinuousClock.Instant = .now
    /// Every attempt recorded so far, in order.
    var attempts: [AttemptSummary] = []
    /// What history trimming and pre-flight did before the first attempt (on every record).
    var levers = LeverNotes()
    /// The caller named a concrete model (no routing): each record's baseline is the call's own
    /// cost, so the ledger claims no saving the router did not make.
    var callerNamedModel = false
    /// The prompt-caching breakpoints placed on the attempt in flight (`nil`: caching off).
    var cachePlan: CachePlan?

    /// The decision of the attempt in flight.
    var decision: RoutingDecision { current.decision }
    /// 1 for the first attempt, 2 after one escalation, …
    var attemptNumber: Int { attempts.count + 1 }
    /// The first attempt's record id: every later attempt's record links to it.
    var parentID: String? { attempts.first?.recordID }

    /// `trigger`, except a `max_tokens` stop on an attempt whose `max_tokens` was at least the
    /// caller's own (``RoutingInput/requestedMaxTokens``, set whenever the request names a
    /// positive `max_tokens`, as every Messages API caller must): the reply is as long as the
    /// caller allowed, so it neither escalates — which would pay for a dearer tier and return
    /// more output than the caller's `max_tokens` — nor counts as unresolved.
    func effectiveTrigger(_ trigger: EscalationTrigger?) -> EscalationTrigger? {
        guard trigger == .maxTokens, let asked = input.requestedMaxTokens, decision.maxTokens >= asked else { return trigger }
        return nil
    }

    /// The caller's request with the attempt's model and `max_tokens`.
    var routedRequest: MessageRequest {
        var routed = request
        routed.model = decision.model
        routed.maxTokens = decision.maxTokens
        return routed
    }
}

/// How one attempt ended, as far as the ledger and the escalation step need to know.
struct AttemptEnd: Sendable {
    /// Tokens the API reported (or, for a stream cut short, what was consumed).
    var usage: Usage
    /// The API's request id, when the request reached the API.
    var requestID: String?
    /// The model that answered; `nil` means the decision's model.
    var model: String?
    /// The reply, complete or (for a stream cut short) partial; `nil` when there was none.
    var message: Message?
    /// The trigger this ending fires (escalation, or unresolved on the last attempt).
    var trigger: EscalationTrigger?
    /// The ledger outcome unless the escalation step turns it into `.escalated`.
    var outcome: LedgerRecord.Outcome
    /// When the attempt ended: its latency runs from ``RoutedCall/attemptStarted`` to here.
    var ended: ContinuousClock.Instant = .now
    /// Flags beyond ``UsageCheck``'s (e.g. `usage_estimated`), stored with the record.
    var flags: [String] = []

    /// A reply from `createMessage`: its stop reason and the caller's checks decide the trigger.
    static func reply(_ response: APIResponse<Message>, checks: [ResponseCheck]) -> AttemptEnd {
        let message = response.body
        return AttemptEnd(usage: message.usage, requestID: response.requestID,
                          model: message.model.isEmpty ? nil : message.model, message: message,
                          trigger: trigger(for: message, checks: checks), outcome: .success)
    }

    /// A client error before any reply: nothing consumed, except (1) a stream the router opened
    /// underneath `createMessage` that broke after `message_start`: its reported usage
    /// (`error.partialUsage`) is recorded, flagged `usage_partial`; (2) a call cancelled (SIGINT,
    /// a caller's cancel) after the request went out (`error.attempts > 0`): the API may bill the
    /// input it already read, so `estimatedInput` tokens are recorded and flagged
    /// `usage_estimated` rather than a $0 row.
    static func failure(_ error: ClaudeError, estimatedInput: Int = 0) -> AttemptEnd {
        var end = AttemptEnd(usage: Usage(), requestID: error.requestID, model: nil, message: nil,
                             trigger: trigger(for: error), outcome: .error(code: error.shortDescription))
        if let partial = error.partialUsage {
            // A stream (one the router opened to carry a large max_tokens) broke after
            // message_start: what it reported was billed.
            end.usage = partial
            end.flags.append("usage_partial: the stream ended before message_stop; usage as last reported by the stream")
        } else if error.code == .cancelled, error.attempts > 0, estimatedInput > 0 {
            end.usage.inputTokens = estimatedInput
            end.flags.append("usage_estimated: cancelled after the request was sent; input is the router's estimate")
        }
        return end
    }

    /// A reply's stop reason first, then the caller's checks in order.
    static func trigger(for message: Message, checks: [ResponseCheck]) -> EscalationTrigger? {
        switch message.stopReason {
        case .maxTokens?: return .maxTokens
        case .refusal?: return .refusal
        case .modelContextWindowExceeded?: return .contextOverflow
        default: return checks.first { !$0.passes(message) }?.trigger
        }
    }

    /// Errors that a stronger tier may fix. Rate limits are not among them: the caller (or a
    /// backoff) decides, not an upgrade.
    static func trigger(for error: ClaudeError) -> EscalationTrigger? {
        switch error.code {
        case .overloaded:
            return .overloaded
        case .apiError:
            return .serverError
        case .otherStatus where (error.status ?? 0) >= 500:
            return .serverError
        case .invalidRequest:
            let text = error.message.lowercased()
            let overflow = ["prompt is too long", "context window", "context length", "too many tokens"]
            return overflow.contains(where: text.contains) ? .contextOverflow : nil
        default:
            return nil
        }
    }
}

extension MessageRequest {
    /// The model the caller named (trimmed), or `nil` when the policy routes the request
    /// (`model` is `"auto"` or empty): the one test of "routed or pass-through" the router uses.
    var namedModel: String? {
        let model = model.trimmingCharacters(in: .whitespaces)
        return model.isEmpty || model == "auto" ? nil : model
    }
}
