public import ClaudeClient
import Foundation
public import Logging
import RouterPolicies

extension ModelRouter {
    /// Routes, sends and records one request.
    ///
    /// `request.model == "auto"` (or empty) is decided by the policy, which also sets
    /// `max_tokens`; any other model passes through unchanged (still recorded and budgeted).
    /// When a configured trigger fires — `max_tokens` stop, refusal, a failed check, invalid
    /// JSON, overload or a 5xx after the client's retries, context overflow — the call is
    /// retried on the next tier of the escalation path, up to the policy's `max_steps`.
    /// Each attempt is recorded in the ledger (awaited) before the next one starts.
    /// When the task has a `response_cache:` and ``Options/responseCache`` is set, a fresh stored
    /// reply to the same request is returned without any request (recorded as a $0 hit).
    ///
    /// - Throws: `ClaudeError` (the API failed and no escalation applied), `RouterError`
    ///   (`budgetExceeded`, `unpricedUnderBudget`, `unboundedUnderBudget`, `ledgerWriteFailed` —
    ///   which carries the reply).
    public func send(_ request: MessageRequest, options: CallOptions = .init(),
                     logger: Logger? = nil) async throws -> RoutedResponse {
        let cached = try await lookUpResponse(request, options: options, logger: logger)
        if case .hit(let response) = cached { return response }
        var call = try await begin(request, options: options, logger: logger, isStream: false)
        let client = self.client
        let requestOptions = options.request
        let (response, unresolved, attempt) = try await runAttempts(
            &call,
            perform: { routed, logger in
                try await client.createMessage(routed, logger: logger, options: requestOptions, streamingWhenNeeded: true)
            },
            ended: { AttemptEnd.reply($0, checks: options.checks) })
        // The reply handed back did not escalate, so its trigger (if any) is the one left unresolved.
        var routed = RoutedResponse(message: response.body, attempts: call.attempts,
                                    unresolvedTrigger: unresolved, replyAttempt: attempt)
        routed.messageJSON = response.rawBody
        routed.rateLimit = response.rateLimit
        metrics.completed(routed)
        if case .miss(let key, let task, let policy) = cached {
            storeResponse(routed, key: key, task: task, policy: policy, logger: logger)
        }
        return routed
    }
}
