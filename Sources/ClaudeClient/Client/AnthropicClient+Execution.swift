import Foundation
import Logging

/// Request building, the retry loop and response decoding shared by every call.
extension AnthropicClient {
    /// One API call before headers and retries.
    struct Endpoint: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var query: [(name: String, value: String)] = []
        var body: Data? = nil
        var streaming = false
        /// Per-call version and betas (``RequestOptions``); empty: the configuration's headers.
        var options = RequestOptions()
    }

    /// Result of one attempt inside `withRetries`.
    enum AttemptOutcome<Value> {
        case success(Value)
        case failure(ClaudeError, retryable: Bool, serverWait: Duration?)
    }

    var secrets: [String] { configuration.apiKey.map { [$0] } ?? [] }

    /// A response header's value as it may be stored or printed (``Redaction/headerValue(_:secrets:)``).
    func sanitizedHeader(_ head: HTTPResponseHead, _ name: String) -> String? {
        Redaction.headerValue(head.value(name), secrets: secrets)
    }

    // MARK: Building requests

    func encodeBody(_ value: some Encodable, what: String) throws(ClaudeError) -> Data {
        do {
            return try JSONEncoder().encode(value)
        } catch {
            throw ClaudeError(
                code: .refusedClientSide,
                message: "\(what) cannot be encoded as JSON (\(MessageStreamEventDecoder.describe(error))): "
                    + "check for NaN or infinite numbers")
        }
    }

    func makeHTTPRequest(_ endpoint: Endpoint) throws(ClaudeError) -> HTTPRequest {
        var headers = try requestHeaders.headers(streaming: endpoint.streaming, hasBody: endpoint.body != nil).get()
        if !endpoint.options.isEmpty { headers = try Self.applying(endpoint.options, to: headers) }
        var url = requestHeaders.baseURL + endpoint.path
        if !endpoint.query.isEmpty {
            url += "?" + endpoint.query.map { "\(Self.percentEncode($0.name))=\(Self.percentEncode($0.value))" }
                .joined(separator: "&")
        }
        // Streams get an idle timeout instead of a total one: a long generation keeps going
        // as long as bytes keep arriving.
        return HTTPRequest(
            method: endpoint.method, url: url, headers: headers, body: endpoint.body,
            connectTimeout: configuration.connectTimeout, timeout: configuration.requestTimeout,
            idleTimeout: endpoint.streaming ? configuration.requestTimeout : nil)
    }

    /// The header fields and base URL every request of a client shares, built once from its
    /// immutable configuration (they were rebuilt, extra headers sorted and checked, on every
    /// call). A configuration that cannot send (no API key, a line break in a header) keeps the
    /// error, thrown by each call as before. Its mirror shows only the base URL: the header
    /// fields hold the API key, and `dump(client)` must not print it.
    struct RequestHeaders: Sendable, CustomReflectable {
        /// `configuration.baseURL` without trailing slashes.
        let baseURL: String
        /// Indexed by `(streaming ? 2 : 0) + (hasBody ? 1 : 0)`.
        private let sets: [Result<[(name: String, value: String)], ClaudeError>]

        init(_ configuration: Configuration) {
            var base = configuration.baseURL
            while base.hasSuffix("/") { base.removeLast() }
            baseURL = base
            sets = [(false, false), (false, true), (true, false), (true, true)].map { streaming, hasBody in
                Result { () throws(ClaudeError) in
                    try Self.build(configuration, streaming: streaming, hasBody: hasBody)
                }
            }
        }

        func headers(streaming: Bool, hasBody: Bool) -> Result<[(name: String, value: String)], ClaudeError> {
            sets[(streaming ? 2 : 0) + (hasBody ? 1 : 0)]
        }

        var customMirror: Mirror {
            Mirror(self, children: ["baseURL": baseURL], displayStyle: .struct)
        }

        private static func build(
            _ configuration: Configuration, streaming: Bool, hasBody: Bool
        ) throws(ClaudeError) -> [(name: String, value: String)] {
            guard let apiKey = configuration.apiKey, !apiKey.isEmpty else {
                throw ClaudeError(
                    code: .refusedClientSide,
                    message: "no API key: set ANTHROPIC_API_KEY or AnthropicClient.Configuration.apiKey")
            }
            var headers: [(name: String, value: String)] = [
                ("anthropic-version", configuration.apiVersion.rawValue),
                ("accept", streaming ? "text/event-stream" : "application/json"),
                ("user-agent", "claude-router/0.1 (swift)"),
            ]
            if hasBody { headers.append(("content-type", "application/json")) }
            switch configuration.authScheme {
            case .apiKeyHeader: headers.append(("x-api-key", apiKey))
            case .bearer: headers.append(("authorization", "Bearer \(apiKey)"))
            }
            if !configuration.betas.isEmpty {
                headers.append(("anthropic-beta", configuration.betas.joined(separator: ",")))
            }
            for (name, value) in configuration.extraHeaders.sorted(by: { $0.key < $1.key }) {
                let lowered = name.lowercased()
                headers.removeAll { $0.name == lowered }
                headers.append((lowered, value))
            }
            for header in headers where hasLineBreak(header.name) || hasLineBreak(header.value) {
                throw ClaudeError(
                    code: .refusedClientSide,
                    message: "header '\(hasLineBreak(header.name) ? "(invalid name)" : header.name)' contains a line "
                        + "break: remove CR/LF from the API key, betas or extraHeaders")
            }
            return headers
        }

        private static func hasLineBreak(_ text: String) -> Bool {
            text.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 }
        }
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A validated path segment (batch ids), so an id cannot change the path.
    static func pathSegment(_ id: String, what: String) throws(ClaudeError) -> String {
        guard !id.isEmpty else {
            throw ClaudeError(code: .refusedClientSide, message: "\(what) is empty")
        }
        return percentEncode(id)
    }

    // MARK: Retrying

    /// Runs `attempt` until it succeeds or the retry policy says stop (docs/ANTHROPIC-API.md "Retry policy").
    func withRetries<Value>(
        _ endpoint: Endpoint, logger: Logger,
        attempt: (_ number: Int) async -> AttemptOutcome<Value>
    ) async throws(ClaudeError) -> (value: Value, attempts: Int) {
        let policy = RetryPolicy(maxRetries: configuration.maxRetries, maxRetryWait: configuration.maxRetryWait)
        var number = 0
        while true {
            number += 1
            if Task.isCancelled {
                throw ClaudeError(code: .cancelled, message: "task cancelled", attempts: number - 1)
            }
            switch await attempt(number) {
            case .success(let value):
                return (value, number)
            case .failure(var error, let retryable, let serverWait):
                error.attempts = number
                let decision = policy.decide(
                    attempt: number, retryable: retryable, serverWait: serverWait, random: configuration.random())
                switch decision {
                case .retry(let delay):
                    logger.debug(
                        "claude-client retrying",
                        metadata: [
                            "path": "\(endpoint.path)", "attempt": "\(number)", "error": "\(error.shortDescription)",
                            "status": "\(error.status.map(String.init) ?? "-")",
                            "delay-ms": "\(Int((delay.seconds * 1000).rounded()))",
                        ])
                    do {
                        try await configuration.sleep(delay)
                    } catch {
                        throw ClaudeError(code: .cancelled, message: "cancelled while waiting to retry", attempts: number)
                    }
                case .fail(let wait, let exceededMaxWait):
                    if let wait { error.retryAfter = wait }
                    if exceededMaxWait, let wait {
                        error.code = error.code == .overloaded ? .overloaded : .rateLimited
                        error.message = Redaction.redact(
                            "server asked to wait \(Self.formatSeconds(wait)) s, more than maxRetryWait "
                                + "\(Self.formatSeconds(configuration.maxRetryWait)) s; \(error.message)",
                            secrets: secrets)
                    }
                    logger.debug(
                        "claude-client request failed",
                        metadata: [
                            "path": "\(endpoint.path)", "attempts": "\(number)", "error": "\(error.shortDescription)",
                            "status": "\(error.status.map(String.init) ?? "-")",
                            "request-id": "\(error.requestID ?? "-")",
                        ])
                    throw error
                }
            }
        }
    }

    static func formatSeconds(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.3f", seconds)
    }

    // MARK: Buffered calls

    /// Sends `endpoint` with retries and decodes a 2xx body as `Body`.
    func send<Body: Decodable & Sendable>(
        _ endpoint: Endpoint, as _: Body.Type, logger: Logger?
    ) async throws(ClaudeError) -> APIResponse<Body> {
        let logger = logger ?? self.logger
        let request = try makeHTTPRequest(endpoint)
        let clock = ContinuousClock()
        let start = clock.now
        let (exchange, attempts) = try await withRetries(endpoint, logger: logger) { number in
            await self.bufferedAttempt(request, endpoint: endpoint, number: number, logger: logger)
        }
        let (head, data) = exchange
        let latency = clock.now - start
        let requestID = sanitizedHeader(head, "request-id")
        let body: Body
        do {
            // Replies to `createMessage` skip JSONDecoder when FastJSON reads them exactly. The
            // type test makes the cast an identity; `as? Body` went through the runtime's dynamic
            // cast on every reply even in the specialized function.
            if Body.self == Message.self, let message = FastJSON.message(data) {
                body = unsafeBitCast(message, to: Body.self)
            } else {
                body = try JSONDecoder().decode(Body.self, from: data)
            }
        } catch {
            throw ClaudeError(
                code: .decoding, status: head.status,
                message: "response of \(endpoint.path) is not the expected JSON: \(MessageStreamEventDecoder.describe(error))",
                requestID: requestID, attempts: attempts)
        }
        var rateLimit = RateLimitInfo(head: head, now: configuration.now())
        rateLimit.dropFields(containingAnyOf: secrets)
        var response = APIResponse(
            body: body, status: head.status, requestID: requestID, rateLimit: rateLimit, attempts: attempts,
            latency: latency)
        // Handed on byte for byte by a proxy; never when the API echoed the key into it.
        if !Redaction.data(data, containsAnyOf: secrets) {
            response.rawBody = data
        }
        return response
    }

    private func bufferedAttempt(
        _ request: HTTPRequest, endpoint: Endpoint, number: Int, logger: Logger
    ) async -> AttemptOutcome<(HTTPResponseHead, Data)> {
        logAttempt(request, endpoint: endpoint, number: number, logger: logger)
        let head: HTTPResponseHead
        let data: Data
        do {
            (head, data) = try await transport.execute(request)
        } catch {
            return transportFailure(error, number: number)
        }
        logResponse(head, endpoint: endpoint, number: number, logger: logger)
        if (200..<300).contains(head.status) { return .success((head, data)) }
        return statusFailure(head: head, body: data, number: number)
    }

    func transportFailure<Value>(_ error: any Error, number: Int) -> AttemptOutcome<Value> {
        if let transport = error as? TransportError {
            return .failure(
                ClaudeError.fromTransport(transport, attempts: number, secrets: secrets),
                retryable: ClaudeError.isRetryable(transport), serverWait: nil)
        }
        if error is CancellationError {
            return .failure(ClaudeError(code: .cancelled, message: "task cancelled"), retryable: false, serverWait: nil)
        }
        return .failure(
            ClaudeError(code: .connection, message: "transport failed: \(type(of: error))"), retryable: true,
            serverWait: nil)
    }

    func statusFailure<Value>(head: HTTPResponseHead, body: Data, number: Int) -> AttemptOutcome<Value> {
        let serverWait = RetryPolicy.serverWait(
            retryAfterMs: head.value("retry-after-ms"), retryAfter: head.value("retry-after"), now: configuration.now())
        var error = ClaudeError.fromResponse(
            head: head, body: body, attempts: number, retryAfter: serverWait, secrets: secrets)
        error.shouldRetry = RetryPolicy.shouldRetryHeader(head.value("x-should-retry"))
        var rateLimit = RateLimitInfo(head: head, now: configuration.now())
        rateLimit.dropFields(containingAnyOf: secrets)
        error.rateLimit = rateLimit
        let retryable = RetryPolicy.isRetryable(status: head.status, shouldRetryHeader: head.value("x-should-retry"))
        return .failure(error, retryable: retryable, serverWait: serverWait)
    }

    // MARK: Logging (never the key, never bodies)

    func logAttempt(_ request: HTTPRequest, endpoint: Endpoint, number: Int, logger: Logger) {
        logger.debug(
            "claude-client sending",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(endpoint.path)", "attempt": "\(number)",
                "body-bytes": "\(request.body?.count ?? 0)",
            ])
        logger.trace(
            "claude-client request headers",
            metadata: ["headers": "\(Self.redactedHeaders(request.headers, secrets: secrets))"])
    }

    func logResponse(_ head: HTTPResponseHead, endpoint: Endpoint, number: Int, logger: Logger) {
        logger.debug(
            "claude-client response",
            metadata: [
                "path": "\(endpoint.path)", "attempt": "\(number)", "status": "\(head.status)",
                "request-id": "\(sanitizedHeader(head, "request-id") ?? "-")",
            ])
    }

    static func redactedHeaders(_ headers: [(name: String, value: String)], secrets: [String]) -> String {
        headers.map { header in
            let secret = ["x-api-key", "authorization", "proxy-authorization", "cookie"].contains(header.name)
            return "\(header.name): \(secret ? Redaction.placeholder : Redaction.redact(header.value, secrets: secrets))"
        }.joined(separator: "; ")
    }
}
