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
    /// The 2xx body's JSON bytes exactly as the API sent them, for a proxy that hands the reply
    /// on unchanged (fields newer than ``body``'s type included). `nil` when the body was
    /// assembled (from a stream) or holds a configured secret.
    public var rawBody: Data?

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
            let limit = head.value(prefix + "limit").flatMap { Int(Self.trimmingWhitespace($0)) }
            let remaining = head.value(prefix + "remaining").flatMap { Int(Self.trimmingWhitespace($0)) }
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

    /// `text.trimmingCharacters(in: .whitespaces)` without its cost in the common case.
    ///
    /// Foundation's trimming bridges through NSString on Linux and showed up in profiles (a
    /// dozen calls per response). `.whitespaces` is space, tab and non-ASCII space separators,
    /// so when both ends are ASCII bytes other than space and tab, trimming is a no-op.
    static func trimmingWhitespace(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        func isPlainASCII(_ byte: UInt8) -> Bool { byte < 0x80 && byte != 0x20 && byte != 0x09 }
        if isPlainASCII(first), isPlainASCII(last) { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    static func parseRFC3339(_ text: String) -> Date? {
        let trimmed = trimmingWhitespace(text)
        // Every response carries four `-reset` timestamps; Foundation's ISO 8601 parser costs
        // tens of microseconds each on Linux, so the canonical form is parsed by hand.
        if let date = RFC3339.parse(trimmed.utf8) { return date }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// A strict parser for `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, the form the API sends.
/// Anything else (or an out-of-range field) returns `nil` and falls back to Foundation.
enum RFC3339 {
    static func parse(_ bytes: String.UTF8View) -> Date? {
        var index = bytes.startIndex
        func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard index < bytes.endIndex else { return nil }
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                bytes.formIndex(after: &index)
            }
            return value
        }
        func expect(_ ascii: Unicode.Scalar) -> Bool {
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ascii) else { return false }
            bytes.formIndex(after: &index)
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect("T"), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else { return nil }
        var fraction = 0.0
        if expect(".") {
            var scale = 0.1
            var count = 0
            while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                fraction += Double(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                count += 1
                bytes.formIndex(after: &index)
            }
            guard count > 0, count <= 9 else { return nil }
        }
        var offsetSeconds = 0
        if !expect("Z") {
            let sign: Int
            if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { return nil }
            guard let offsetHours = digits(2), expect(":"), let offsetMinutes = digits(2), offsetHours < 24,
                offsetMinutes < 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard index == bytes.endIndex else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
