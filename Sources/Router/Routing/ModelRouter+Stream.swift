public import ClaudeClient
import Foundation
public import Logging
public import RouterPolicies

extension ModelRouter {
    /// Routes and streams one request; the usage actually consumed is recorded when the stream
    /// ends — completed, failed mid-stream, cancelled, or abandoned by the caller.
    ///
    /// Escalation applies while opening: an overload, 5xx or context overflow before the first
    /// event moves to the next tier (the caller has seen nothing yet). Once events flow, the
    /// reply belongs to the caller and is not replaced; a `max_tokens` stop or a failed check is
    /// reported in ``RoutedResponse/unresolvedTrigger``.
    /// - Throws: `ClaudeError` or `RouterError`, as ``send(_:options:logger:)``.
    public func stream(_ request: MessageRequest, options call: CallOptions = .init(),
                       logger: Logger? = nil) async throws -> RoutedStream {
        let logger = logger ?? self.logger
        let (snapshot, input, first) = try await begin(request, call: call)
        var reserved = first
        var attempts: [AttemptSummary] = []
        var parentID: String?
        while true {
            var routed = request
            routed.model = reserved.decision.model
            routed.maxTokens = reserved.decision.maxTokens
            let started = ContinuousClock.now
            do {
                let stream = try await client.streamMessage(routed, logger: logger)
                let session = StreamSession(
                    router: self, stream: stream, decision: reserved.decision, reservation: reserved.reservation,
                    attempt: attempts.count + 1, parentID: parentID, previous: attempts, input: input,
                    checks: call.checks, snapshot: snapshot, started: started)
                return RoutedStream(decision: reserved.decision, session: session)
            } catch let error as ClaudeError {
                let trigger = AttemptResult.trigger(for: error)
                let next = trigger.flatMap {
                    snapshot.engine.escalate(from: reserved.decision, trigger: $0, attempt: attempts.count + 1)
                }
                let summary = try await finishAttempt(
                    usage: Usage(), requestID: error.requestID, model: reserved.decision.model,
                    outcome: next != nil && trigger != nil ? .escalated(reason: trigger!.rawValue)
                                                           : .error(code: error.shortDescription),
                    trigger: trigger, decision: reserved.decision, attempt: attempts.count + 1, parentID: parentID,
                    latency: ContinuousClock.now - started, stream: true, input: input, responseText: nil,
                    snapshot: snapshot, reservation: reserved.reservation, previous: attempts, reply: { _ in nil })
                attempts.append(summary)
                parentID = parentID ?? summary.recordID
                guard let next, let trigger else { throw error }
                metrics.escalated(from: reserved.decision, trigger: trigger)
                reserved = try await affordableDecision(initial: next, request: request, input: input, snapshot: snapshot)
            } catch {
                await snapshot.budgets.release(reserved.reservation)
                throw error
            }
        }
    }
}

/// The events of a routed stream, then its cost story.
///
/// Iterate it once (not from several tasks at a time). ``result()`` drains whatever the caller
/// has not read and returns the ``RoutedResponse``; ``cancel()`` aborts the transfer and
/// records what was consumed. A stream dropped without either is aborted and recorded too.
public struct RoutedStream: AsyncSequence, Sendable {
    /// Stream events, exactly as the client delivers them.
    public typealias Element = MessageStreamEvent

    /// The decision of the attempt being streamed.
    public let decision: RoutingDecision
    let session: StreamSession

    /// Pulls the next event; the transfer's back-pressure reaches the server.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let session: StreamSession
        /// The next event, or `nil` at the end. Throws a mid-stream `ClaudeError`.
        public mutating func next() async throws -> MessageStreamEvent? { try await session.next() }
    }

    /// An iterator over the events.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(session: session) }

    /// Reads any remaining events and returns the reply with every attempt's cost.
    /// - Throws: the stream's error (its usage is recorded first) or `RouterError`.
    public func result() async throws -> RoutedResponse { try await session.result() }

    /// Aborts the transfer and records the usage consumed so far.
    public func cancel() async { await session.cancel() }
}

/// The state of one streamed attempt: the client stream, the accumulated reply, and whether it
/// has been recorded. An actor, so `next`, `result` and `cancel` never race.
actor StreamSession {
    private enum Ending {
        case completed
        case failed(any Error)
        case cancelled
    }

    private let router: ModelRouter
    private let stream: MessageStream
    private var iterator: MessageStream.AsyncIterator
    private let decision: RoutingDecision
    private let reservation: BudgetReservation
    private let attempt: Int
    private let parentID: String?
    private let previous: [AttemptSummary]
    private let input: RoutingInput
    private let checks: [ResponseCheck]
    private let snapshot: PolicyStore.Snapshot
    private let started: ContinuousClock.Instant
    private var accumulator = MessageAccumulator()
    private var outcome: Result<RoutedResponse, any Error>?

    init(router: ModelRouter, stream: MessageStream, decision: RoutingDecision, reservation: BudgetReservation,
         attempt: Int, parentID: String?, previous: [AttemptSummary], input: RoutingInput,
         checks: [ResponseCheck], snapshot: PolicyStore.Snapshot, started: ContinuousClock.Instant) {
        self.router = router
        self.stream = stream
        self.iterator = stream.makeAsyncIterator()
        self.decision = decision
        self.reservation = reservation
        self.attempt = attempt
        self.parentID = parentID
        self.previous = previous
        self.input = input
        self.checks = checks
        self.snapshot = snapshot
        self.started = started
    }

    isolated deinit {
        guard outcome == nil else { return }
        // Dropped unfinished: abort the transfer and record what was consumed.
        stream.cancel()
        let record = pendingRecord(ending: .cancelled)
        Task { _ = try? await record() }
    }

    func next() async throws -> MessageStreamEvent? {
        if let outcome {
            if case .failure(let error) = outcome { throw error }
            return nil
        }
        do {
            // Single consumer (documented): no other `next` runs while this one is suspended.
            var events = iterator
            let next = try await events.next(isolation: self)
            iterator = events
            guard let event = next else {
                try await finish(.completed)
                return nil
            }
            try accumulator.apply(event)
            return event
        } catch {
            if outcome == nil { try await finish(.failed(error)) }
            throw error
        }
    }

    func result() async throws -> RoutedResponse {
        while try await next() != nil {}
        guard let outcome else {
            throw RouterError(code: .incompleteStream, message: "the stream ended without a result")
        }
        return try outcome.get()
    }

    func cancel() async {
        guard outcome == nil else { return }
        stream.cancel()
        try? await finish(.cancelled)
    }

    private func finish(_ ending: Ending) async throws {
        let record = pendingRecord(ending: ending)
        do {
            let response = try await record()
            switch ending {
            case .completed:
                if let response {
                    outcome = .success(response)
                    router.metrics.completed(response)
                } else {
                    outcome = .failure(RouterError(code: .incompleteStream, message: "the stream ended before message_start"))
                }
            case .failed(let error):
                outcome = .failure(error)
            case .cancelled:
                outcome = .failure(ClaudeError(code: .cancelled, message: "the routed stream was cancelled"))
            }
        } catch {
            outcome = .failure(error)
            throw error
        }
    }

    /// Captures everything the ledger record needs, so it can also run after this actor is gone.
    private func pendingRecord(ending: Ending) -> @Sendable () async throws -> RoutedResponse? {
        var usage = accumulator.usage
        let message = accumulator.message
        let complete = accumulator.isComplete
        if !complete {
            // Cut off before the final message_delta: usage still holds message_start's output
            // count, so estimate what was generated from the text delivered (~4 chars/token).
            let delivered = message.map { $0.text.utf8.count + Self.toolInputBytes($0) } ?? 0
            usage.outputTokens = max(usage.outputTokens, (delivered + 3) / 4)
        }
        let trigger = complete ? message.flatMap { AttemptResult.trigger(for: $0, checks: checks) } : nil
        let recordOutcome: LedgerRecord.Outcome
        switch ending {
        case .completed: recordOutcome = .success
        case .failed(let error as ClaudeError): recordOutcome = .error(code: error.shortDescription)
        case .failed: recordOutcome = .error(code: "stream_failed")
        case .cancelled: recordOutcome = .error(code: "cancelled")
        }
        let consumed = usage
        let latency = ContinuousClock.now - started
        let (router, decision, reservation, attempt, parentID, previous, input, snapshot) =
            (self.router, self.decision, self.reservation, self.attempt, self.parentID, self.previous, self.input,
             self.snapshot)
        let requestID = stream.requestID
        return {
            let summary = try await router.finishAttempt(
                usage: consumed, requestID: requestID, model: message?.model ?? decision.model, outcome: recordOutcome,
                trigger: trigger, decision: decision, attempt: attempt, parentID: parentID, latency: latency,
                stream: true, input: input, responseText: message?.text, snapshot: snapshot,
                reservation: reservation, previous: previous,
                reply: { attempts in
                    message.map { RoutedResponse(message: $0, attempts: attempts, unresolvedTrigger: trigger) }
                })
            guard let message, complete else { return nil }
            return RoutedResponse(message: message, attempts: previous + [summary], unresolvedTrigger: trigger)
        }
    }

    private static func toolInputBytes(_ message: Message) -> Int {
        message.toolUses.reduce(0) { $0 + "\($1.input)".utf8.count }
    }
}
