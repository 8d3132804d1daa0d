import ClaudeClient
import Foundation
import Logging
import RouterPolicies

/// The attempt pipeline shared by `send` and `stream`: start a call, run attempts, and the one
/// escalation step (record the attempt; when its trigger fires, reserve the next tier).
extension ModelRouter {
    /// What every routed call starts with: the policy in force (after any reload), what the
    /// policy sees of the request, and the first decision with its budget reservation.
    func begin(_ request: MessageRequest, options: CallOptions, logger: Logger?, isStream: Bool) async throws
        -> RoutedCall {
        let snapshot = await store.current()
        let input = RoutingInput(request: request, options: options)
        let first = try await affordableDecision(
            initial: initialDecision(request, input: input, engine: snapshot.engine),
            request: request, input: input, snapshot: snapshot)
        return RoutedCall(request: request, options: options, input: input, snapshot: snapshot,
                          logger: logger ?? self.logger, isStream: isStream, current: first)
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

    /// Sends attempts with `perform` until one is handed to the caller.
    ///
    /// A `ClaudeError` from `perform`, or an output that `ended` reports as finished, goes
    /// through ``escalate(_:in:)``: recorded, then retried on the next tier when the policy
    /// allows. An output `ended` maps to `nil` (an opened stream) is returned unrecorded; its
    /// session records it when it ends. Any other error releases the reservation and is rethrown.
    /// - Throws: the last `ClaudeError` when no escalation applies, `RouterError`, or `perform`'s
    ///   other errors.
    func runAttempts<Output>(
        _ call: inout RoutedCall,
        perform: (MessageRequest, Logger) async throws -> Output,
        ended: (Output) -> AttemptEnd?
    ) async throws -> Output {
        while true {
            call.attemptStarted = .now
            let output: Output
            do {
                output = try await perform(call.routedRequest, call.logger)
            } catch let error as ClaudeError {
                if try await escalate(.failure(error), in: &call) { continue }
                throw error
            } catch {
                // A store error here leaves the hold to expire: the call's own error matters more.
                _ = try? await call.snapshot.budgets.release(call.current.reservation)
                throw error
            }
            guard let end = ended(output) else { return output }
            if try await escalate(end, in: &call) { continue }
            return output
        }
    }

    /// The escalation step: records the attempt in flight as `end` (as `.escalated` when its
    /// trigger moves the call on) and, when it does, reserves the next tier in `call`.
    /// - Returns: whether another attempt is due.
    /// - Throws: `RouterError` (`ledgerWriteFailed`, or a budget error reserving the next tier).
    func escalate(_ end: AttemptEnd, in call: inout RoutedCall) async throws -> Bool {
        let from = call.decision
        let next = end.trigger.flatMap {
            call.snapshot.engine.escalate(from: from, trigger: $0, attempt: call.attemptNumber)
        }
        var end = end
        if next != nil, let trigger = end.trigger { end.outcome = .escalated(reason: trigger.rawValue) }
        try await record(end, in: &call)
        guard let next, let trigger = end.trigger else { return false }
        metrics.escalated(from: from, trigger: trigger)
        call.logger.debug("escalating", metadata: [
            "from": "\(from.tier)", "to": "\(next.tier)", "trigger": "\(trigger.rawValue)",
        ])
        call.current = try await affordableDecision(initial: next, request: call.request, input: call.input,
                                                    snapshot: call.snapshot)
        return true
    }
}
