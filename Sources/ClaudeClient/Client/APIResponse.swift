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
    /// Every `anthropic-ratelimit-*` field as received: lower-cased name, NUL, value, NUL, … (one
    /// buffer, so a response costs one allocation more, not two strings per field).
    var rawFields: [UInt8] = []

    /// Every `anthropic-ratelimit-*` header of the response as received (lower-cased name, value),
    /// in order, the windows above and any newer ones alike, for a proxy that hands them on
    /// (https://docs.anthropic.com/en/api/rate-limits#response-headers). Empty for info built by
    /// hand, and when a field held the client's API key.
    public var headerFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var parts = rawFields.split(separator: 0, omittingEmptySubsequences: false).makeIterator()
        while let name = parts.next(), let value = parts.next(), !name.isEmpty {
            fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return fields
    }

    /// Drops ``headerFields`` when any of them holds one of `secrets`.
    mutating func dropFields(containingAnyOf secrets: [String]) {
        if Redaction.bytes(rawFields, containsAnyOf: secrets) { rawFields = [] }
    }

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

    /// Parses the headers of a response; absent headers stay `nil`. As `HTTPResponseHead.value`,
    /// the first of repeated fields wins.
    init(head: HTTPResponseHead, now: Date) {
        // One pass over the fields' bytes: a lookup per header (a dozen, each scanning every
        // field and building its name) and a string per value showed in the client's profiles.
        var windows = (Window(), Window(), Window(), Window())
        var seen: UInt16 = 0
        var retryAfterMs: String?
        var retryAfter: String?
        var raw: [UInt8] = []
        head.forEachField { name, value in
            if Self.isRateLimitField(name), !value.contains(0) {
                raw.append(contentsOf: name)
                raw.append(0)
                raw.append(contentsOf: value)
                raw.append(0)
            }
            guard let field = Self.field(named: name) else { return true }
            switch field {
            case .retryAfterMs: if retryAfterMs == nil { retryAfterMs = String(decoding: value, as: UTF8.self) }
            case .retryAfter: if retryAfter == nil { retryAfter = String(decoding: value, as: UTF8.self) }
            case .window(let index, let part):
                let bit: UInt16 = 1 << (index * 3 + part.rawValue)
                guard seen & bit == 0 else { return true }
                seen |= bit
                func update(_ window: inout Window) {
                    switch part {
                    case .limit: window.limit = Self.integer(value)
                    case .remaining: window.remaining = Self.integer(value)
                    case .reset: window.reset = RFC3339.parse(value) ?? Self.parseRFC3339(String(decoding: value, as: UTF8.self))
                    }
                }
                switch index {
                case 0: update(&windows.0)
                case 1: update(&windows.1)
                case 2: update(&windows.2)
                default: update(&windows.3)
                }
            }
            return true
        }
        func present(_ window: Window) -> Window? {
            window.limit == nil && window.remaining == nil && window.reset == nil ? nil : window
        }
        self.init(
            requests: present(windows.0), tokens: present(windows.1), inputTokens: present(windows.2),
            outputTokens: present(windows.3),
            retryAfter: retryAfterMs == nil && retryAfter == nil
                ? nil : RetryPolicy.serverWait(retryAfterMs: retryAfterMs, retryAfter: retryAfter, now: now))
        rawFields = raw
    }

    /// Whether a lower-cased header name starts with `anthropic-ratelimit-`.
    static func isRateLimitField(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count > prefix.count, name[0] == UInt8(ascii: "a") else { return false }
        for index in prefix.indices where name[index] != prefix[index] { return false }
        return true
    }

    /// `Int(text.trimmingCharacters(in: .whitespaces))` read from the bytes: optional sign,
    /// decimal digits, no overflow; surrounding spaces and tabs ignored. Anything else
    /// (including non-ASCII whitespace) takes the string path, so the result is the same.
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < end else { return bytes.contains(where: { $0 >= 0x80 }) ? slowInteger(bytes) : nil }
        var value = 0
        while index < end {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                return bytes.contains(where: { $0 >= 0x80 }) ? slowInteger(bytes) : nil
            }
            let digit = Int(byte - UInt8(ascii: "0"))
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    private static func slowInteger(_ bytes: UnsafeRawBufferPointer) -> Int? {
        Int(trimmingWhitespace(String(decoding: bytes, as: UTF8.self)))
    }

    /// A header field this type reads.
    enum Field: Equatable {
        enum Part: Int { case limit = 0, remaining = 1, reset = 2 }
        /// `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`;
        /// `index` counts the windows in that order.
        case window(index: Int, part: Part)
        case retryAfterMs
        case retryAfter
    }

    private static let prefix = Array("anthropic-ratelimit-".utf8)
    private static let windowNames = ["requests-", "tokens-", "input-tokens-", "output-tokens-"].map { Array($0.utf8) }
    private static let partNames: [(name: [UInt8], part: Field.Part)] = [
        (Array("limit".utf8), .limit), (Array("remaining".utf8), .remaining), (Array("reset".utf8), .reset),
    ]
    private static let retryAfterMsName = Array("retry-after-ms".utf8)
    private static let retryAfterName = Array("retry-after".utf8)

    /// Which field a lower-cased header name is, if one of ours.
    static func field(named name: UnsafeRawBufferPointer) -> Field? {
        func matches(_ expected: [UInt8], at offset: Int, whole: Bool) -> Bool {
            guard whole ? name.count - offset == expected.count : name.count - offset >= expected.count else {
                return false
            }
            for index in expected.indices where name[offset + index] != expected[index] { return false }
            return true
        }
        if matches(prefix, at: 0, whole: false) {
            for (index, windowName) in windowNames.enumerated() where matches(windowName, at: prefix.count, whole: false) {
                let offset = prefix.count + windowName.count
                for (partName, part) in partNames where matches(partName, at: offset, whole: true) {
                    return .window(index: index, part: part)
                }
                return nil
            }
            return nil
        }
        if matches(retryAfterMsName, at: 0, whole: true) { return .retryAfterMs }
        if matches(retryAfterName, at: 0, whole: true) { return .retryAfter }
        return nil
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
        if let date = RFC3339.parse(trimmed) { return date }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// A strict parser for `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, the form the API sends.
/// Anything else (or an out-of-range field) returns `nil` and falls back to Foundation.
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes of a header value (a concrete buffer: the generic version was not specialized).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Date? {
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
