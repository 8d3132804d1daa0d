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
        // History trimming and pre-flight (when the policy asks) shape the request and the decision.
        let prepared = try await prepare(request, options: options, snapshot: snapshot, logger: logger ?? self.logger)
        var input = prepared.input
        var initial = prepared.decision
        // A conversation remembered with a warm prompt cache may keep its tier (cache-aware routing).
        if let session = rememberedSession(input, policy: snapshot.policy) {
            input.previousTier = session.tier
            input.cachedPrefixTokens = session.cachedPrefixTokens
            if request.namedModel == nil {
                initial = snapshot.engine.cacheAware(initial, input: input, prices: prices, at: self.options.now())
            }
        }
        let first = try await affordableDecision(initial: initial, request: prepared.request, input: input,
                                                 snapshot: snapshot)
        var call = RoutedCall(request: prepared.request, options: options, input: input, snapshot: snapshot,
                              logger: logger ?? self.logger, isStream: isStream, current: first)
        call.levers = prepared.notes
        call.callerNamedModel = request.namedModel != nil
        return call
    }

    /// The policy's decision, or a pass-through decision for a concrete model.
    func initialDecision(_ request: MessageRequest, input: RoutingInput, engine: PolicyEngine) -> RoutingDecision {
        guard let model = request.namedModel else { return engine.decide(input) }
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
    ///
    /// A reply that was paid for is never thrown away because a later attempt could not be made
    /// (the API failed, the request was refused, a budget forbids the next tier): the last paid
    /// reply is returned with its trigger left unresolved. A ledger failure is still thrown.
    /// - Returns: the output handed to the caller, the trigger it still fails (`nil` when none)
    ///   and its 1-based attempt number.
    /// - Throws: the last `ClaudeError` when no escalation applies and nothing was paid for,
    ///   `RouterError`, or `perform`'s other errors.
    func runAttempts<Output>(
        _ call: inout RoutedCall,
        perform: (MessageRequest, Logger) async throws -> Output,
        ended: (Output) -> AttemptEnd?
    ) async throws -> (output: Output, unresolved: EscalationTrigger?, attempt: Int) {
        var paid: (output: Output, trigger: EscalationTrigger?, attempt: Int)?
        func fallBack(_ error: any Error) throws -> (output: Output, unresolved: EscalationTrigger?, attempt: Int) {
            if let error = error as? RouterError, error.code == .ledgerWriteFailed { throw error }
            guard let paid else { throw error }
            call.logger.warning("a later attempt could not be made: returning the paid earlier reply",
                                metadata: ["error": "\(Self.describe(error))", "attempt": "\(paid.attempt)"])
            return (paid.output, paid.trigger, paid.attempt)
        }
        while true {
            call.attemptStarted = .now
            let output: Output
            do {
                output = try await perform(cachingRequest(&call), call.logger)
            } catch let error as ClaudeError {
                let estimate = call.decision.estimatedInputTokens
                do {
                    if try await escalate(.failure(error, estimatedInput: estimate), in: &call) { continue }
                } catch {
                    return try fallBack(error)
                }
                return try fallBack(error)
            } catch {
                // A store error here leaves the hold to expire: the call's own error matters more.
                _ = try? await call.snapshot.budgets.release(call.current.reservation)
                return try fallBack(error)
            }
            guard var end = ended(output) else { return (output, nil, call.attemptNumber) }
            end.trigger = call.effectiveTrigger(end.trigger)
            let attempt = call.attemptNumber
            do {
                if try await escalate(end, in: &call) {
                    paid = (output, end.trigger, attempt)
                    continue
                }
            } catch let error as RouterError where error.code != .ledgerWriteFailed && call.attempts.count == attempt {
                // Recorded, but the next tier could not be reserved: this reply is the answer.
                return (output, end.trigger, attempt)
            }
            return (output, end.trigger, attempt)
        }
    }

    /// A one-line, secret-free description of an error for logs.
    static func describe(_ error: any Error) -> String {
        if let error = error as? ClaudeError { return error.description }
        if let error = error as? RouterError { return error.description }
        return String(describing: type(of: error))
    }

    /// The escalation step: when `end`'s trigger moves the call on, reserves the next tier first
    /// and then records the attempt in flight as `.escalated`; otherwise (no trigger, no next
    /// tier, or the next tier cannot be reserved) records it with its own outcome. Reserving
    /// first keeps the record honest: `escalated` only when another attempt follows. Before
    /// that reservation the attempt's own hold is lowered to its known cost, so a budget is
    /// not blocked by a worst case that is already paid at a lower price.
    /// - Returns: whether another attempt is due.
    /// - Throws: `RouterError` (`ledgerWriteFailed`, or a budget error reserving the next tier,
    ///   thrown after the attempt was recorded).
    func escalate(_ end: AttemptEnd, in call: inout RoutedCall) async throws -> Bool {
        let from = call.decision
        guard let trigger = end.trigger,
              let next = call.snapshot.engine.escalate(from: from, trigger: trigger, attempt: call.attemptNumber,
                                                       callerMaxTokens: call.input.requestedMaxTokens)
        else {
            try await record(end, in: &call)
            return false
        }
        if let cost = price(end, in: call, accounting: CostAccounting(prices: prices), at: options.now()).cost?.total {
            // A store error only leaves the worst case held until the record settles it.
            _ = try? await call.snapshot.budgets.lower(call.current.reservation, to: cost)
        }
        let reserved: ReservedDecision
        do {
            reserved = try await affordableDecision(initial: next, request: call.request, input: call.input,
                                                    snapshot: call.snapshot)
        } catch {
            try await record(end, in: &call)
            throw error
        }
        var escalated = end
        escalated.outcome = .escalated(reason: trigger.rawValue)
        do {
            try await record(escalated, in: &call)
        } catch {
            _ = try? await call.snapshot.budgets.release(reserved.reservation)
            throw error
        }
        metrics.escalated(from: from, trigger: trigger)
        call.logger.debug("escalating", metadata: [
            "from": "\(from.tier)", "to": "\(next.tier)", "trigger": "\(trigger.rawValue)",
        ])
        call.current = reserved
        return true
    }
}
