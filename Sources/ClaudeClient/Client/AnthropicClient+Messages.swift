public import Logging
import Foundation

extension AnthropicClient {
    /// `POST /v1/messages`: one complete reply.
    ///
    /// Refused client-side (`refusedClientSide`, no traffic) when the request breaks the API
    /// version's rules, the body is over 32 MB, or `maxTokens` implies more than 10 minutes of
    /// generation (more than `requestTimeout` if that is longer): stream those instead.
    /// `options` sets this call's `anthropic-version` (whose rules are checked) and extra betas.
    /// - Throws: `ClaudeError`.
    public func createMessage(_ request: MessageRequest, logger: Logger? = nil,
                              options: RequestOptions = .init()) async throws -> APIResponse<Message> {
        var request = request
        request.stream = nil
        try RequestValidation.checkVersionRules(request, version: version(options))
        try RequestValidation.checkNonStreaming(request, requestTimeout: configuration.requestTimeout)
        let body = try messageBody(request)
        try RequestValidation.checkBodySize(body.count, limit: RequestValidation.messagesBodyLimit, what: "Messages")
        return try await send(Endpoint(method: .post, path: "/v1/messages", body: body, options: options),
                              as: Message.self, logger: logger)
    }

    /// `POST /v1/messages` for one complete reply, streamed underneath when a non-streaming call
    /// would be refused for its `max_tokens` (see ``requiresStreaming(_:)``); otherwise exactly
    /// ``createMessage(_:logger:options:)``. The streamed events are assembled into the same `Message`
    /// (usage from the last `message_delta`), so a caller that chose a large `max_tokens` gets
    /// its reply instead of a client-side refusal.
    /// `options` as for ``createMessage(_:logger:options:)``.
    /// - Throws: `ClaudeError` (`streamInterrupted` when the stream ends before `message_stop`).
    public func createMessage(_ request: MessageRequest, logger: Logger? = nil, options: RequestOptions = .init(),
                              streamingWhenNeeded: Bool) async throws -> APIResponse<Message> {
        guard streamingWhenNeeded, requiresStreaming(request) else {
            return try await createMessage(request, logger: logger, options: options)
        }
        (logger ?? self.logger).debug("claude-client streaming internally", metadata: ["max-tokens": "\(request.maxTokens)"])
        let stream = try await streamMessage(request, logger: logger, options: options)
        let message = try await stream.finalMessage()
        return APIResponse(body: message, status: stream.status, requestID: stream.requestID,
                           rateLimit: stream.rateLimit, attempts: stream.attempts, latency: stream.latency)
    }

    /// Whether ``createMessage(_:logger:options:)`` would refuse `request` without streaming because its
    /// `max_tokens` implies more than 10 minutes of generation (more than `requestTimeout` if that
    /// is longer), per https://docs.anthropic.com/en/api/errors#long-requests. At the default
    /// timeout that is `max_tokens` above ``nonStreamingMaxTokens``.
    public func requiresStreaming(_ request: MessageRequest) -> Bool {
        do {
            try RequestValidation.checkNonStreaming(request, requestTimeout: configuration.requestTimeout)
            return false
        } catch {
            return true
        }
    }

    /// The largest `max_tokens` a non-streaming call is sent with at a `requestTimeout` of at
    /// most 10 minutes (21,333 tokens): above it, ``createMessage(_:logger:options:)`` refuses the call.
    public static var nonStreamingMaxTokens: Int {
        RequestValidation.tokensPerHour * RequestValidation.nonStreamingLimitSeconds / 3600
    }

    /// `POST /v1/messages` with `stream: true`: returns once the first event has arrived.
    ///
    /// Retries (per the policy) cover the request up to the first event only; later failures are
    /// thrown by the stream after the events already delivered. `options` as for
    /// ``createMessage(_:logger:options:)``.
    /// - Throws: `ClaudeError`.
    public func streamMessage(_ request: MessageRequest, logger: Logger? = nil,
                              options: RequestOptions = .init()) async throws -> MessageStream {
        var request = request
        request.stream = true
        try RequestValidation.checkVersionRules(request, version: version(options))
        let body = try messageBody(request)
        try RequestValidation.checkBodySize(body.count, limit: RequestValidation.messagesBodyLimit, what: "Messages")
        return try await openMessageStream(
            Endpoint(method: .post, path: "/v1/messages", body: body, streaming: true, options: options),
            logger: logger ?? self.logger)
    }

    /// `POST /v1/messages/count_tokens`: exact input tokens, free, no generation. `options` as for
    /// ``createMessage(_:logger:options:)``.
    /// - Throws: `ClaudeError`.
    public func countTokens(_ request: CountTokensRequest, logger: Logger? = nil,
                            options: RequestOptions = .init()) async throws -> APIResponse<TokenCount> {
        try RequestValidation.checkBlocks(request.messages, version: version(options))
        let body = try encodeBody(request, what: "CountTokensRequest")
        try RequestValidation.checkBodySize(body.count, limit: RequestValidation.messagesBodyLimit, what: "count_tokens")
        return try await send(
            Endpoint(method: .post, path: "/v1/messages/count_tokens", body: body, options: options),
            as: TokenCount.self, logger: logger)
    }

    /// The JSON of a Messages request: the caller's own bytes with `model`, `max_tokens` and
    /// `stream` spliced in when the request carries ``MessageRequest/originalJSON``, else encoded.
    func messageBody(_ request: MessageRequest) throws(ClaudeError) -> Data {
        if let original = request.originalJSON,
           let spliced = original.spliced(model: request.model, maxTokens: request.maxTokens, stream: request.stream) {
            return Data(spliced)
        }
        // Written by hand (JSONEncoder was most of a call's CPU); `nil` only for a non-finite
        // number, which JSONEncoder then reports as before.
        if let bytes = MessageRequestJSON.encode(request) { return Data(bytes) }
        return try encodeBody(request, what: "MessageRequest")
    }

    /// Opens a streaming request, retrying until the first SSE event arrives.
    private func openMessageStream(_ endpoint: Endpoint, logger: Logger) async throws(ClaudeError) -> MessageStream {
        let request = try makeHTTPRequest(endpoint)
        let clock = ContinuousClock()
        let start = clock.now
        let (opened, attempts) = try await withRetries(endpoint, logger: logger) { number in
            await self.streamingAttempt(request, endpoint: endpoint, number: number, logger: logger)
        }
        let (response, state) = opened
        var rateLimit = RateLimitInfo(head: response.head, now: configuration.now())
        rateLimit.dropFields(containingAnyOf: secrets)
        return MessageStream(
            body: response.body, state: state, requestID: sanitizedHeader(response.head, "request-id"), attempts: attempts,
            status: response.head.status, rateLimit: rateLimit, latency: clock.now - start)
    }

    private func streamingAttempt(
        _ request: HTTPRequest, endpoint: Endpoint, number: Int, logger: Logger
    ) async -> AttemptOutcome<(HTTPStreamingResponse, StreamState)> {
        logAttempt(request, endpoint: endpoint, number: number, logger: logger)
        let response: HTTPStreamingResponse
        do {
            response = try await transport.stream(request)
        } catch {
            return transportFailure(error, number: number)
        }
        logResponse(response.head, endpoint: endpoint, number: number, logger: logger)
        guard (200..<300).contains(response.head.status) else {
            let body = await Self.collectErrorBody(response.body)
            return statusFailure(head: response.head, body: body, number: number)
        }
        let requestID = sanitizedHeader(response.head, "request-id")
        if Self.isJSON(response.head) {
            // A 2xx JSON body to a streamed request is a complete (billed) reply, not a broken
            // stream: replay it as events so its usage is delivered and recorded, never retried.
            return await jsonReplyAsStream(response, requestID: requestID, number: number, logger: logger)
        }
        var state = StreamState(requestID: requestID, attempts: number, secrets: secrets)
        do {
            try await state.prefetchFirstEvent(from: response.body)
        } catch {
            response.body.cancel()
            if error.code == .streamInterrupted {
                // Nothing was delivered yet, so this is a connection failure the policy may retry.
                var connection = error
                connection.code = .connection
                return .failure(connection, retryable: true, serverWait: nil)
            }
            return .failure(error, retryable: false, serverWait: nil)
        }
        return .success((response, state))
    }

    /// Whether a response declares a JSON body (`content-type: application/json`).
    static func isJSON(_ head: HTTPResponseHead) -> Bool {
        (head.value("content-type") ?? "").lowercased().hasPrefix("application/json")
    }

    /// Decodes a JSON `Message` sent in answer to a streamed request and turns it into the
    /// events a stream of it would have carried. A body that is not a `Message` fails as
    /// `decoding` (not retried: the server answered, and a retry could be billed twice).
    private func jsonReplyAsStream(
        _ response: HTTPStreamingResponse, requestID: String?, number: Int, logger: Logger
    ) async -> AttemptOutcome<(HTTPStreamingResponse, StreamState)> {
        let data = await Self.collectErrorBody(response.body, limit: RequestValidation.messagesBodyLimit)
        let message: Message
        do {
            message = try FastJSON.message(data) ?? JSONDecoder().decode(Message.self, from: data)
        } catch {
            return .failure(
                ClaudeError(code: .decoding, status: response.head.status,
                            message: "a streamed request got a JSON reply that is not a Message: "
                                + MessageStreamEventDecoder.describe(error),
                            requestID: requestID, attempts: number),
                retryable: false, serverWait: nil)
        }
        logger.warning("claude-client: streamed request answered with JSON; replaying it as stream events",
                       metadata: ["request-id": "\(requestID ?? "-")"])
        let state = StreamState(replaying: message, requestID: requestID, attempts: number, secrets: secrets)
        return .success((response, state))
    }

    /// Reads an error response body (bounded; error bodies are small JSON).
    static func collectErrorBody(_ body: HTTPBodyStream, limit: Int = 64 * 1024) async -> Data {
        var data = Data()
        do {
            while data.count < limit, let chunk = try await body.nextChunk() { data.append(contentsOf: chunk) }
        } catch {
            // A broken error body still leaves the status to report.
        }
        body.cancel()
        return data
    }
}
