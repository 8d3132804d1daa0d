import ClaudeClient
import Foundation
import RouterPolicies

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
    /// The routed call, its last attempt being this stream.
    private let call: RoutedCall
    private var accumulator = MessageAccumulator()
    private var outcome: Result<RoutedResponse, any Error>?
    /// Where a clean completed reply is stored in the response cache (`nil`: not cached).
    private let cacheFill: CacheFill?

    /// A response-cache miss to fill when the stream completes.
    struct CacheFill: Sendable {
        var key: String
        var task: String
        var policy: ResponseCachePolicy
    }

    init(router: ModelRouter, stream: MessageStream, call: RoutedCall, cacheFill: CacheFill? = nil) {
        self.router = router
        self.stream = stream
        self.iterator = stream.makeAsyncIterator()
        self.call = call
        self.cacheFill = cacheFill
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
                    // Only a complete stream gets here; `storeResponse` refuses unclean endings.
                    if let cacheFill {
                        router.storeResponse(response, key: cacheFill.key, task: cacheFill.task, policy: cacheFill.policy,
                                             logger: call.logger)
                    }
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
        let checks = call.options.checks
        let trigger = complete ? call.effectiveTrigger(message.flatMap { AttemptEnd.trigger(for: $0, checks: checks) }) : nil
        let recordOutcome: LedgerRecord.Outcome
        switch ending {
        case .completed: recordOutcome = .success
        case .failed(let error as ClaudeError): recordOutcome = .error(code: error.shortDescription)
        case .failed: recordOutcome = .error(code: "stream_failed")
        case .cancelled: recordOutcome = .error(code: "cancelled")
        }
        // Once events flow the reply is the caller's: the stream's ending is recorded, never escalated.
        let end = AttemptEnd(usage: usage, requestID: stream.requestID, model: message?.model, message: message,
                             trigger: trigger, outcome: recordOutcome)
        let router = self.router
        let call = self.call
        return { try await Self.record(end, complete: complete, of: call, router: router) }
    }

    /// Records the streamed attempt; the reply when the stream completed.
    private static func record(_ end: AttemptEnd, complete: Bool, of call: RoutedCall,
                               router: ModelRouter) async throws -> RoutedResponse? {
        var call = call
        try await router.record(end, in: &call)
        guard let message = end.message, complete else { return nil }
        return RoutedResponse(message: message, attempts: call.attempts, unresolvedTrigger: end.trigger)
    }

    private static func toolInputBytes(_ message: Message) -> Int {
        message.toolUses.reduce(0) { $0 + "\($1.input)".utf8.count }
    }
}
