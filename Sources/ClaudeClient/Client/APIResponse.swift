public import Foundation

/// A decoded reply plus what the HTTP exchange said about it.
public struct APIResponse<Body: Sendable>: Sendable {
    /// The decoded body.
    public var body: Body
    /// HTTP status of the final attempt.
    public var status: Int
    /// The `request-id` header (quote it to Anthropic support).
    public var requestID: String?
    /// Parsed `anthropic-ratelimit-*` and `retry-after` headers.
    public var rateLimit: RateLimitInfo
    /// HTTP attempts made, retries included.
    public var attempts: Int
    /// Wall time from the first attempt to the final response head, retry waits included.
    public var latency: Duration

    /// Creates a response (public so callers can build fakes of their own).
    public init(
        body: Body, status: Int, requestID: String?, rateLimit: RateLimitInfo, attempts: Int, latency: Duration
    ) {
        self.body = body
        self.status = status
        self.requestID = requestID
        self.rateLimit = rateLimit
        self.attempts = attempts
        self.latency = latency
    }
}

/// Rate-limit state reported by `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-*`.
public struct RateLimitInfo: Sendable, Hashable {
    /// One limit: `-limit`, `-remaining`, `-reset` (RFC 3339).
    public struct Window: Sendable, Hashable {
        /// Maximum in the window.
        public var limit: Int?
        /// Left in the window.
        public var remaining: Int?
        /// When the window is fully replenished.
        public var reset: Date?

        /// Creates a window.
        public init(limit: Int? = nil, remaining: Int? = nil, reset: Date? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.reset = reset
        }
    }

    /// Requests per minute.
    public var requests: Window?
    /// Tokens per minute (input + output).
    public var tokens: Window?
    /// Input tokens per minute.
    public var inputTokens: Window?
    /// Output tokens per minute.
    public var outputTokens: Window?
    /// `retry-after-ms` / `retry-after`, when sent.
    public var retryAfter: Duration?

    /// Creates rate-limit info.
    public init(
        requests: Window? = nil, tokens: Window? = nil, inputTokens: Window? = nil, outputTokens: Window? = nil,
        retryAfter: Duration? = nil
    ) {
        self.requests = requests
        self.tokens = tokens
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.retryAfter = retryAfter
    }

    /// Parses the headers of a response; absent headers stay `nil`.
    init(head: HTTPResponseHead, now: Date) {
        func window(_ name: String) -> Window? {
            let prefix = "anthropic-ratelimit-\(name)-"
            let limit = head.value(prefix + "limit").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let remaining = head.value(prefix + "remaining").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let reset = head.value(prefix + "reset").flatMap(Self.parseRFC3339)
            if limit == nil, remaining == nil, reset == nil { return nil }
            return Window(limit: limit, remaining: remaining, reset: reset)
        }
        self.init(
            requests: window("requests"), tokens: window("tokens"), inputTokens: window("input-tokens"),
            outputTokens: window("output-tokens"),
            retryAfter: RetryPolicy.serverWait(
                retryAfterMs: head.value("retry-after-ms"), retryAfter: head.value("retry-after"), now: now))
    }

    static func parseRFC3339(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
