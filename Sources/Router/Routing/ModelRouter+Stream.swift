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
    public func stream(_ request: MessageRequest, options: CallOptions = .init(),
                       logger: Logger? = nil) async throws -> RoutedStream {
        var call = try await begin(request, options: options, logger: logger, isStream: true)
        let client = self.client
        // An opened stream is handed to the caller unrecorded (`ended` is nil): its session
        // records it when it ends. Only a failure to open goes through the escalation step.
        let (stream, _, _) = try await runAttempts(
            &call,
            perform: { routed, logger in try await client.streamMessage(routed, logger: logger) },
            ended: { _ in nil })
        return RoutedStream(decision: call.decision, session: StreamSession(router: self, stream: stream, call: call))
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
