public import ClaudeClient
import Foundation
public import Logging
public import RouterPolicies

extension ModelRouter {
    /// Routes, sends and records one request.
    ///
    /// `request.model == "auto"` (or empty) is decided by the policy, which also sets
    /// `max_tokens`; any other model passes through unchanged (still recorded and budgeted).
    /// When a configured trigger fires — `max_tokens` stop, refusal, a failed check, invalid
    /// JSON, overload or a 5xx after the client's retries, context overflow — the call is
    /// retried on the next tier of the escalation path, up to the policy's `max_steps`.
    /// Each attempt is recorded in the ledger (awaited) before the next one starts.
    ///
    /// - Throws: `ClaudeError` (the API failed and no escalation applied), `RouterError`
    ///   (`budgetExceeded`, `unpricedUnderBudget`, `ledgerWriteFailed` — which carries the reply).
    public func send(_ request: MessageRequest, options call: CallOptions = .init(),
                     logger: Logger? = nil) async throws -> RoutedResponse {
        let logger = logger ?? self.logger
        let (snapshot, input, first) = try await begin(request, call: call)
        var decision = first
        var attempts: [AttemptSummary] = []
        var parentID: String?

        while true {
            let reservation = decision.reservation
            var routed = request
            routed.model = decision.decision.model
            routed.maxTokens = decision.decision.maxTokens
            let started = ContinuousClock.now
            let outcome: AttemptResult
            do {
                let response = try await client.createMessage(routed, logger: logger)
                outcome = .reply(response)
            } catch let error as ClaudeError {
                outcome = .failure(error)
            } catch {
                await snapshot.budgets.release(reservation)
                throw error
            }
            let latency = ContinuousClock.now - started
            let trigger = outcome.trigger(checks: call.checks)
            let next = trigger.flatMap {
                snapshot.engine.escalate(from: decision.decision, trigger: $0, attempt: attempts.count + 1)
            }
            let summary = try await recordAttempt(
                outcome, decision: decision.decision, attempt: attempts.count + 1, parentID: parentID,
                trigger: trigger, escalating: next != nil, latency: latency, request: request, call: call,
                input: input, snapshot: snapshot, reservation: reservation, previous: attempts)
            attempts.append(summary)
            parentID = parentID ?? summary.recordID

            if let next, let trigger {
                metrics.escalated(from: decision.decision, trigger: trigger)
                logger.debug("escalating", metadata: [
                    "from": "\(decision.decision.tier)", "to": "\(next.tier)", "trigger": "\(trigger.rawValue)",
                ])
                decision = try await affordableDecision(initial: next, request: request, input: input, snapshot: snapshot)
                continue
            }
            switch outcome {
            case .reply(let response):
                let routed = RoutedResponse(message: response.body, attempts: attempts, unresolvedTrigger: trigger)
                metrics.completed(routed)
                return routed
            case .failure(let error):
                throw error
            }
        }
    }

    /// What every routed call starts with: the policy in force (after any reload), what the
    /// policy sees of the request, and the first decision with its budget reservation.
    func begin(_ request: MessageRequest, call: CallOptions) async throws
        -> (snapshot: PolicyStore.Snapshot, input: RoutingInput, first: ReservedDecision) {
        let snapshot = await store.current(ledger: ledger)
        let input = RoutingInput(request: request, options: call)
        let first = try await affordableDecision(
            initial: initialDecision(request, input: input, engine: snapshot.engine),
            request: request, input: input, snapshot: snapshot)
        return (snapshot, input, first)
    }

    /// The policy's decision, or a pass-through decision for a concrete model.
    func initialDecision(_ request: MessageRequest, input: RoutingInput, engine: PolicyEngine) -> RoutingDecision {
        let model = request.model.trimmingCharacters(in: .whitespaces)
        guard !model.isEmpty, model != "auto" else { return engine.decide(input) }
        let policy = engine.policy
        let tierIndex = policy.tiers.firstIndex { $0.model == model }
        return RoutingDecision(
            tier: tierIndex.map { policy.tiers[$0].name } ?? "passthrough", tierIndex: tierIndex ?? -1, model: model,
            maxTokens: request.maxTokens, escalationPath: [], score: 0, contributions: [], matchedRule: nil,
            variant: engine.assignedVariant(metadata: input.metadata), task: input.task ?? "unspecified",
            taskConfidence: input.task == nil ? 0 : 1, estimatedInputTokens: input.estimatedInputTokens,
            reason: "caller named model \(model): sent as is (no routing)")
    }
}

/// How one attempt ended at the client.
enum AttemptResult {
    case reply(APIResponse<Message>)
    case failure(ClaudeError)

    /// The escalation trigger this outcome fires, if any.
    func trigger(checks: [ResponseCheck]) -> EscalationTrigger? {
        switch self {
        case .reply(let response):
            return Self.trigger(for: response.body, checks: checks)
        case .failure(let error):
            return Self.trigger(for: error)
        }
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
