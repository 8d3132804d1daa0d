import Foundation

/// A streamed reply: an `AsyncSequence` of `MessageStreamEvent`s read from the HTTP body.
///
/// Single consumer: iterate once, or call `finalMessage()` instead of iterating. An SSE
/// `error` event (e.g. `overloaded_error` after HTTP 200) is thrown as a `ClaudeError` after
/// every event before it was delivered. A body that ends or breaks before `message_stop`
/// throws `streamInterrupted`. Errors thrown are always `ClaudeError`.
public struct MessageStream: AsyncSequence, Sendable {
    /// Each element is one event.
    public typealias Element = MessageStreamEvent

    /// The `request-id` header.
    public let requestID: String?
    /// HTTP attempts made before the stream started (retries happen only before the first event).
    public let attempts: Int
    /// HTTP status (always 2xx here).
    public let status: Int
    /// Parsed rate-limit headers.
    public let rateLimit: RateLimitInfo
    /// Wall time from the first attempt to the first event, retry waits included.
    public let latency: Duration

    private let body: HTTPBodyStream
    private let state: StreamState

    init(
        body: HTTPBodyStream, state: StreamState, requestID: String?, attempts: Int, status: Int,
        rateLimit: RateLimitInfo, latency: Duration
    ) {
        self.body = body
        self.state = state
        self.requestID = requestID
        self.attempts = attempts
        self.status = status
        self.rateLimit = rateLimit
        self.latency = latency
    }

    /// Iterates the events.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate var state: StreamState
        fileprivate let body: HTTPBodyStream

        /// The next event, `nil` after `message_stop` and the end of the body.
        public mutating func next() async throws -> MessageStreamEvent? {
            try await state.next(from: body)
        }
    }

    /// Starts iterating (single consumer: the body is read once).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(state: state, body: body) }

    /// Reads the whole stream and returns the assembled message (tool inputs parsed, usage from
    /// the last `message_delta`). Consumes the stream.
    /// - Throws: `ClaudeError` (`streamInterrupted` when the body ends before `message_stop`, or
    ///   the stream's own error). When the break came after `message_start`, the error's
    ///   ``ClaudeError/partialUsage`` holds the usage reported so far (tokens).
    public func finalMessage() async throws -> Message {
        var accumulator = MessageAccumulator()
        do {
            for try await event in self { try accumulator.apply(event) }
        } catch var error as ClaudeError {
            // The events before the break were billed: hand their usage to the caller.
            if accumulator.message != nil { error.partialUsage = accumulator.usage }
            throw error
        }
        guard accumulator.isComplete, let message = accumulator.message else {
            var error = ClaudeError(
                code: .streamInterrupted, message: "stream ended before message_stop", requestID: requestID,
                attempts: attempts)
            if accumulator.message != nil { error.partialUsage = accumulator.usage }
            throw error
        }
        return message
    }

    /// Aborts the transfer (also done when the body is dropped).
    public func cancel() { body.cancel() }
}

/// Decodes each event as the parser completes it, straight from the parser's buffer (no array
/// per event), and keeps the decoded events until they are delivered. After an event fails to
/// decode, later events of the chunk are dropped: the failure ends the stream once the events
/// before it were delivered.
struct DecodingEventSink: ServerSentEventSink, Sendable {
    var decoder = MessageStreamEventDecoder()
    var events: [MessageStreamEvent] = []
    var failure: ClaudeError?
    let requestID: String?
    let attempts: Int

    mutating func receive(type: StreamEventType?, name: String?, data: UnsafeBufferPointer<UInt8>) {
        guard failure == nil else { return }
        do {
            events.append(try decoder.decode(type: type, name: name, data: data, requestID: requestID, attempts: attempts))
        } catch {
            failure = error
        }
    }
}

/// Parser, decoder and undelivered events of one stream; a value so iterators stay `Sendable`.
struct StreamState: Sendable {
    private var parser = SSEParser()
    private var sink: DecodingEventSink
    private var pendingIndex = 0
    private var held: MessageStreamEvent?
    private var finished = false
    private var sawMessageStop = false
    /// Events replayed from a JSON reply instead of parsed from the body.
    private var replay: [MessageStreamEvent] = []
    private var replayIndex = 0
    private var replaying = false
    /// Whether any event was returned (retries are allowed only before the first).
    private(set) var deliveredAny = false
    let requestID: String?
    let attempts: Int
    /// The API key, redacted from error messages the server may echo in an `error` event.
    private let secrets: [String]

    init(requestID: String?, attempts: Int, secrets: [String]) {
        sink = DecodingEventSink(requestID: requestID, attempts: attempts)
        self.requestID = requestID
        self.attempts = attempts
        self.secrets = secrets
    }

    /// A stream that replays a complete `message` (a JSON reply to a streamed request) as the
    /// events the API would have streamed: `message_start` with its usage, each block with its
    /// text as one delta, `message_delta` with the stop reason and usage, `message_stop`.
    init(replaying message: Message, requestID: String?, attempts: Int, secrets: [String]) {
        self.init(requestID: requestID, attempts: attempts, secrets: secrets)
        var shell = message
        shell.content = []
        shell.stopReason = nil
        shell.stopSequence = nil
        var events: [MessageStreamEvent] = [.messageStart(shell)]
        for (index, block) in message.content.enumerated() {
            if case .text(var text) = block {
                let body = text.text
                text.text = ""
                events.append(.contentBlockStart(index: index, block: .text(text)))
                events.append(.contentBlockDelta(index: index, delta: .text(body)))
            } else {
                events.append(.contentBlockStart(index: index, block: block))
            }
            events.append(.contentBlockStop(index: index))
        }
        events.append(.messageDelta(MessageDelta(stopReason: message.stopReason, stopSequence: message.stopSequence),
                                    usage: message.usage))
        events.append(.messageStop)
        replay = events
        replaying = true
    }

    /// Reads ahead to the first event and holds it, so the client can retry a body that fails
    /// before any event. Returns normally only when an event is held.
    mutating func prefetchFirstEvent(from body: HTTPBodyStream) async throws(ClaudeError) {
        guard let event = try await next(from: body) else {
            throw ClaudeError(
                code: .streamInterrupted, message: "stream ended before its first event", requestID: requestID,
                attempts: attempts)
        }
        held = event
        deliveredAny = false
    }

    mutating func next(from body: HTTPBodyStream) async throws(ClaudeError) -> MessageStreamEvent? {
        if replaying {
            guard replayIndex < replay.count else { return nil }
            replayIndex += 1
            deliveredAny = true
            return replay[replayIndex - 1]
        }
        if let event = held {
            held = nil
            deliveredAny = true
            return event
        }
        while !finished {
            if pendingIndex < sink.events.count {
                let event = sink.events[pendingIndex]
                pendingIndex += 1
                if case .messageStop = event { sawMessageStop = true }
                deliveredAny = true
                return event
            }
            if let error = sink.failure {
                finished = true
                body.cancel()
                var redacted = error
                redacted.message = Redaction.redact(error.message, secrets: secrets)
                redacted.requestID = Redaction.headerValue(error.requestID, secrets: secrets)
                throw redacted
            }
            sink.events.removeAll(keepingCapacity: true)
            pendingIndex = 0
            let chunk: [UInt8]?
            do {
                chunk = try await body.nextChunk()
            } catch {
                finished = true
                body.cancel()
                throw mapBodyError(error)
            }
            guard let chunk else {
                finished = true
                if sawMessageStop { return nil }
                throw ClaudeError(
                    code: .streamInterrupted, message: "stream ended before message_stop", requestID: requestID,
                    attempts: attempts)
            }
            parser.feed(chunk, into: &sink)
        }
        return nil
    }

    private func mapBodyError(_ error: any Error) -> ClaudeError {
        if let error = error as? ClaudeError { return error }
        if let transport = error as? TransportError {
            let code: ClaudeError.Code = transport.kind == .cancelled ? .cancelled : .streamInterrupted
            return ClaudeError(
                code: code, message: "stream broke: \(Redaction.redact(transport.detail, secrets: secrets))", requestID: requestID,
                attempts: attempts)
        }
        if error is CancellationError {
            return ClaudeError(code: .cancelled, message: "stream cancelled", requestID: requestID, attempts: attempts)
        }
        return ClaudeError(
            code: .streamInterrupted, message: "stream broke: \(type(of: error))", requestID: requestID,
            attempts: attempts)
    }
}
