/// Every failure of a `AnthropicClient` call.
///
/// Codes are stable static members, so `catch ClaudeError.rateLimited` works; equality compares
/// codes only. `message` and `description` never contain the API key (see `Redaction`).
public struct ClaudeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, label-safe error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidRequest, authentication, permission, notFound, requestTooLarge, rateLimited
            case apiError, overloaded, otherStatus, connection, timeout, decoding, streamInterrupted
            case refusedClientSide, cancelled
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// 400 `invalid_request_error`.
        public static let invalidRequest = Code(.invalidRequest)
        /// 401 `authentication_error`.
        public static let authentication = Code(.authentication)
        /// 403 `permission_error`.
        public static let permission = Code(.permission)
        /// 404 `not_found_error`.
        public static let notFound = Code(.notFound)
        /// 413 `request_too_large`.
        public static let requestTooLarge = Code(.requestTooLarge)
        /// 429 `rate_limit_error`, or a server wait longer than `maxRetryWait`.
        public static let rateLimited = Code(.rateLimited)
        /// 500 `api_error` and other 5xx.
        public static let apiError = Code(.apiError)
        /// 529 `overloaded_error` (also as an SSE `error` event).
        public static let overloaded = Code(.overloaded)
        /// Any other non-2xx status.
        public static let otherStatus = Code(.otherStatus)
        /// The connection could not be made or broke before a response.
        public static let connection = Code(.connection)
        /// Connect or request timeout.
        public static let timeout = Code(.timeout)
        /// A 2xx body (or SSE event) that is not the expected JSON.
        public static let decoding = Code(.decoding)
        /// A stream broke after its first event (not retried; what arrived was delivered).
        public static let streamInterrupted = Code(.streamInterrupted)
        /// Refused before any network traffic; the message says what to change.
        public static let refusedClientSide = Code(.refusedClientSide)
        /// The caller's task was cancelled or the client was shut down.
        public static let cancelled = Code(.cancelled)

        /// The code's name, e.g. `rateLimited`; stable and safe as a metrics label.
        public var description: String { base.rawValue }
    }

    /// The stable code.
    public var code: Code
    /// HTTP status, when a response arrived.
    public var status: Int?
    /// The API's error message, or the client's explanation. Redacted of secrets.
    public var message: String
    /// The `error.type` of the API error body or SSE `error` event, e.g. `overloaded_error`.
    public var apiErrorType: String?
    /// The `request-id` header (or the body's `request_id`).
    public var requestID: String?
    /// The server's requested wait (`retry-after-ms` / `retry-after`), if any.
    public var retryAfter: Duration?
    /// HTTP attempts made, retries included (0 when refused before sending).
    public var attempts: Int
    /// For a stream that broke after `message_start` (from ``MessageStream/finalMessage()``): the
    /// cumulative usage the events reported before it ended, in tokens. The API bills the input
    /// of such a call, so a caller that records costs should record this. `nil` otherwise.
    public var partialUsage: Usage?
    /// The `x-should-retry` header of the API's error response (`true`/`false`), when it sent
    /// one: the API's own word on whether a retry can succeed, which overrides the status rule
    /// (docs/ANTHROPIC-API.md "Retry policy"). `nil` otherwise.
    public var shouldRetry: Bool?
    /// The rate-limit headers of the API's error response (``RateLimitInfo/headerFields`` has
    /// them as sent); `nil` when no response was received.
    public var rateLimit: RateLimitInfo?

    /// Creates an error.
    public init(
        code: Code, status: Int? = nil, message: String = "", apiErrorType: String? = nil, requestID: String? = nil,
        retryAfter: Duration? = nil, attempts: Int = 0
    ) {
        self.code = code
        self.status = status
        self.message = Redaction.redact(message)
        self.apiErrorType = apiErrorType
        self.requestID = requestID
        self.retryAfter = retryAfter
        self.attempts = attempts
    }

    /// Equal when the codes are equal (details such as the message or request id differ per call).
    public static func == (lhs: ClaudeError, rhs: ClaudeError) -> Bool { lhs.code == rhs.code }

    /// Lets `catch ClaudeError.rateLimited` match any `ClaudeError` with that code.
    public static func ~= (pattern: ClaudeError, value: any Error) -> Bool {
        (value as? ClaudeError)?.code == pattern.code
    }

    /// The code's name, e.g. `rateLimited`: stable and label-safe.
    public var shortDescription: String { code.description }

    /// One line: code, status, request id, attempts, server wait and the (redacted) message.
    public var description: String {
        var parts = ["ClaudeError.\(code)"]
        if let status { parts.append("status \(status)") }
        if let apiErrorType { parts.append(apiErrorType) }
        if let requestID { parts.append("request-id \(requestID)") }
        if attempts > 0 { parts.append("attempts \(attempts)") }
        if let retryAfter { parts.append("retry-after \(retryAfter.seconds) s") }
        var line = parts.joined(separator: ", ")
        if !message.isEmpty { line += ": " + message }
        return Redaction.redact(line)
    }

    /// A `ClaudeError` carrying only `code`, for `catch` patterns and comparisons.
    private init(_ code: Code) { self.init(code: code) }

    /// Pattern for `catch ClaudeError.invalidRequest`.
    public static let invalidRequest = ClaudeError(.invalidRequest)
    /// Pattern for `catch ClaudeError.authentication`.
    public static let authentication = ClaudeError(.authentication)
    /// Pattern for `catch ClaudeError.permission`.
    public static let permission = ClaudeError(.permission)
    /// Pattern for `catch ClaudeError.notFound`.
    public static let notFound = ClaudeError(.notFound)
    /// Pattern for `catch ClaudeError.requestTooLarge`.
    public static let requestTooLarge = ClaudeError(.requestTooLarge)
    /// Pattern for `catch ClaudeError.rateLimited`.
    public static let rateLimited = ClaudeError(.rateLimited)
    /// Pattern for `catch ClaudeError.apiError`.
    public static let apiError = ClaudeError(.apiError)
    /// Pattern for `catch ClaudeError.overloaded`.
    public static let overloaded = ClaudeError(.overloaded)
    /// Pattern for `catch ClaudeError.otherStatus`.
    public static let otherStatus = ClaudeError(.otherStatus)
    /// Pattern for `catch ClaudeError.connection`.
    public static let connection = ClaudeError(.connection)
    /// Pattern for `catch ClaudeError.timeout`.
    public static let timeout = ClaudeError(.timeout)
    /// Pattern for `catch ClaudeError.decoding`.
    public static let decoding = ClaudeError(.decoding)
    /// Pattern for `catch ClaudeError.streamInterrupted`.
    public static let streamInterrupted = ClaudeError(.streamInterrupted)
    /// Pattern for `catch ClaudeError.refusedClientSide`.
    public static let refusedClientSide = ClaudeError(.refusedClientSide)
    /// Pattern for `catch ClaudeError.cancelled`.
    public static let cancelled = ClaudeError(.cancelled)
}

extension Duration {
    /// The duration in seconds as a `Double` (for messages and comparisons, never for money).
    var seconds: Double { self / .seconds(1) }
}
