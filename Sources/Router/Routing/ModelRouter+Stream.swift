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
    ///
    /// The response cache applies as for ``send(_:options:logger:)``: a hit is replayed as the
    /// event sequence the API streams (`message_start`, each block's start, deltas and stop,
    /// `message_delta` with the stored usage, `message_stop`) with no request, recorded at $0
    /// with the avoided cost; a stream that completes cleanly (no error, refusal, truncation or
    /// unresolved trigger) fills the cache.
    /// - Throws: `ClaudeError` or `RouterError`, as ``send(_:options:logger:)``.
    public func stream(_ request: MessageRequest, options: CallOptions = .init(),
                       logger: Logger? = nil) async throws -> RoutedStream {
        let cached = try await lookUpResponse(request, options: options, logger: logger, isStream: true)
        if case .hit(let response) = cached {
            return RoutedStream(decision: response.decision, source: .replay(ReplaySession(response)))
        }
        var call = try await begin(request, options: options, logger: logger, isStream: true)
        let client = self.client
        let requestOptions = options.request
        // An opened stream is handed to the caller unrecorded (`ended` is nil): its session
        // records it when it ends. Only a failure to open goes through the escalation step.
        let (stream, _, _) = try await runAttempts(
            &call,
            perform: { routed, logger in try await client.streamMessage(routed, logger: logger, options: requestOptions) },
            ended: { _ in nil })
        var fill: StreamSession.CacheFill?
        if case .miss(let key, let task, let policy) = cached { fill = .init(key: key, task: task, policy: policy) }
        return RoutedStream(decision: call.decision,
                            source: .live(StreamSession(router: self, stream: stream, call: call, cacheFill: fill)),
                            requestID: stream.requestID, rateLimit: stream.rateLimit)
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
    let source: Source
    /// The API's `request-id` of the streamed attempt; `nil` for a response-cache replay (no
    /// request was sent) or when the API sent none.
    public let requestID: String?
    /// The `anthropic-ratelimit-*` headers of the streamed attempt's response; `nil` for a
    /// response-cache replay.
    public let rateLimit: RateLimitInfo?

    init(decision: RoutingDecision, source: Source, requestID: String? = nil, rateLimit: RateLimitInfo? = nil) {
        self.decision = decision
        self.source = source
        self.requestID = requestID
        self.rateLimit = rateLimit
    }

    /// Where the events come from: an upstream stream, or a response-cache hit replayed.
    enum Source: Sendable {
        case live(StreamSession)
        case replay(ReplaySession)
    }

    /// Pulls the next event; the transfer's back-pressure reaches the server.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: Source
        /// The next event, or `nil` at the end. Throws a mid-stream `ClaudeError`.
        public mutating func next() async throws -> MessageStreamEvent? {
            switch source {
            case .live(let session): try await session.next()
            case .replay(let replay): await replay.next()
            }
        }
    }

    /// Whether the events replay a response-cache hit (no request was sent).
    public var isResponseCacheHit: Bool {
        if case .replay = source { return true }
        return false
    }

    /// An iterator over the events.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }

    /// Reads any remaining events and returns the reply with every attempt's cost.
    /// - Throws: the stream's error (its usage is recorded first) or `RouterError`.
    public func result() async throws -> RoutedResponse {
        switch source {
        case .live(let session): try await session.result()
        case .replay(let replay): await replay.result()
        }
    }

    /// Aborts the transfer and records the usage consumed so far (a replay just stops).
    public func cancel() async {
        switch source {
        case .live(let session): await session.cancel()
        case .replay(let replay): await replay.cancel()
        }
    }
}
