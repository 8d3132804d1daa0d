import Foundation

/// The official SDKs' retry rules (docs/ANTHROPIC-API.md "Retry policy"), as pure functions so tests
/// can check exact attempt counts and delays.
struct RetryPolicy: Sendable {
    /// Retries after the first attempt.
    var maxRetries: Int
    /// Longest server wait obeyed; longer ones fail at once.
    var maxRetryWait: Duration

    static let initialDelay = 0.5
    static let maxDelay = 8.0
    static let maxJitter = 0.25
    /// Absurd server waits are clamped (a `Duration` built from 1e300 s would overflow).
    static let waitCeilingSeconds = 1e9

    /// What to do after a failed attempt.
    enum Decision: Equatable {
        case retry(after: Duration)
        /// Stop; `serverWait` is the server's requested wait, if any.
        case fail(serverWait: Duration?, exceededMaxWait: Bool)
    }

    /// An `x-should-retry` value: `true`/`false` (any case), else `nil` (absent or neither).
    static func shouldRetryHeader(_ value: String?) -> Bool? {
        switch value?.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// Whether a status is retryable: 408, 409, 429, >= 500; `x-should-retry` overrides.
    static func isRetryable(status: Int, shouldRetryHeader: String?) -> Bool {
        switch shouldRetryHeader?.lowercased() {
        case "true": return true
        case "false": return false
        default: return status == 408 || status == 409 || status == 429 || status >= 500
        }
    }

    /// The server's requested wait: `retry-after-ms`, else `retry-after` as seconds (fractional
    /// allowed) or an HTTP date. `nil` unless positive.
    static func serverWait(retryAfterMs: String?, retryAfter: String?, now: Date) -> Duration? {
        if let text = retryAfterMs?.trimmingCharacters(in: .whitespaces), let ms = Double(text), ms.isFinite, ms > 0 {
            return .milliseconds(min(ms, Self.waitCeilingSeconds * 1000))
        }
        guard let text = retryAfter?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text) {
            return seconds.isFinite && seconds > 0 ? .seconds(min(seconds, Self.waitCeilingSeconds)) : nil
        }
        guard let date = parseHTTPDate(text) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .seconds(min(seconds, Self.waitCeilingSeconds)) : nil
    }

    /// `min(0.5 s * 2^retryIndex, 8 s)` reduced by up to 25%: `random` in 0..<1 is the jitter.
    static func backoff(retryIndex: Int, random: Double) -> Duration {
        let base = min(initialDelay * pow(2.0, Double(max(0, retryIndex))), maxDelay)
        let jitter = 1 - maxJitter * min(max(random, 0), 1)
        return .seconds(base * jitter)
    }

    /// Decides after attempt number `attempt` (1-based) failed. `retryable` comes from
    /// `isRetryable` or the transport error kind.
    func decide(attempt: Int, retryable: Bool, serverWait: Duration?, random: Double) -> Decision {
        guard retryable, attempt <= maxRetries else {
            return .fail(serverWait: serverWait, exceededMaxWait: false)
        }
        if let serverWait {
            if serverWait > maxRetryWait { return .fail(serverWait: serverWait, exceededMaxWait: true) }
            return .retry(after: serverWait)
        }
        return .retry(after: Self.backoff(retryIndex: attempt - 1, random: random))
    }

    /// Parses an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) and the two obsolete forms.
    static func parseHTTPDate(_ text: String) -> Date? {
        // DateFormatter is not Sendable; a local one per (rare) retry-after date is fine.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
