/// A scripted behaviour for one request to the mock (``MockAnthropicServer/enqueue(_:)``).
///
/// Faults are plain values: build them with the static constructors and combine several with
/// ``and(_:)``, e.g. `.status(529, retryAfter: 0.1).and(.shouldRetry(true))`. They use the same
/// vocabulary as the prompt directive `[[mock: …]]` and the `x-mock-fault` header, and win over
/// both when they set the same key.
public struct MockFault: Sendable, Equatable, CustomStringConvertible {
    var directive: MockDirective

    init(_ directive: MockDirective) {
        self.directive = directive
    }

    /// Parses the directive grammar (`"status=529 retry-after=1"` or `"[[mock: reset]]"`);
    /// `nil` when the text does not parse.
    public init?(directive text: String) {
        guard let parsed = MockDirective.parse(header: text, model: nil) else { return nil }
        self.directive = parsed
    }

    /// Layers `other` over this fault: every key `other` sets wins.
    public func and(_ other: MockFault) -> MockFault {
        MockFault(directive.overriding(with: other.directive))
    }

    /// An error reply with status `code` (400…599) and the real error body for that status.
    /// - Parameters:
    ///   - retryAfter: seconds for the `retry-after` header (fractional allowed).
    ///   - retryAfterMs: milliseconds for the `retry-after-ms` header.
    ///   - shouldRetry: value of the `x-should-retry` header.
    public static func status(
        _ code: Int, retryAfter: Double? = nil, retryAfterMs: Int? = nil, shouldRetry: Bool? = nil
    ) -> MockFault {
        var directive = MockDirective()
        directive.status = min(max(code, 400), 599)
        directive.retryAfter = retryAfter.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }
        directive.retryAfterMs = retryAfterMs
        directive.shouldRetry = shouldRetry
        return MockFault(directive)
    }

    /// 529 `overloaded_error`, the API's "try again later".
    public static let overloaded = status(529)
    /// 429 `rate_limit_error` with a `retry-after` header.
    public static func rateLimited(retryAfter: Double) -> MockFault { status(429, retryAfter: retryAfter) }
    /// Close the connection without writing a response.
    public static let reset = MockFault(with: { $0.reset = true })
    /// Never reply, until the client gives up or the server stops.
    public static let stall = MockFault(with: { $0.stall = true })
    /// A 200 whose JSON body is cut in the middle.
    public static let malformed = MockFault(with: { $0.malformed = true })
    /// Wait `ms` milliseconds before replying.
    public static func delay(ms: Int) -> MockFault { MockFault(with: { $0.delayMs = max(0, ms) }) }
    /// Streams only: an `error` event (`overloaded_error`) after `deltas` text deltas, after HTTP 200.
    public static func errorAfter(_ deltas: Int) -> MockFault { MockFault(with: { $0.errorAfter = max(0, deltas) }) }
    /// Reply with exactly `text`.
    public static func reply(_ text: String) -> MockFault { MockFault(with: { $0.reply = text }) }
    /// Reply with a small valid JSON object.
    public static let json = MockFault(with: { $0.json = true })
    /// Force the stop reason (`end_turn`, `max_tokens`, `refusal`, …); unknown reasons are ignored.
    public static func stop(_ reason: String) -> MockFault {
        MockFault(with: { $0.stop = MockDirective.stopReasons.contains(reason) ? reason : nil })
    }
    /// Reply with a `tool_use` block calling `name`.
    public static func tool(_ name: String) -> MockFault { MockFault(with: { $0.tool = name }) }
    /// Sets `x-should-retry` on the reply.
    public static func shouldRetry(_ value: Bool) -> MockFault { MockFault(with: { $0.shouldRetry = value }) }
    /// Usage with prompt-cache reads and writes (reported in addition to `input_tokens`).
    public static func cache(read: Int = 0, write5m: Int = 0, write1h: Int = 0) -> MockFault {
        MockFault(with: {
            $0.cacheRead = max(0, read)
            $0.cacheWrite5m = max(0, write5m)
            $0.cacheWrite1h = max(0, write1h)
        })
    }
    /// Streams only: write the SSE bytes in chunks of `bytes` so frames split anywhere.
    public static func split(bytes: Int) -> MockFault { MockFault(with: { $0.split = max(1, bytes) }) }
    /// Streams only: wait `ms` milliseconds between events.
    public static func slow(ms: Int) -> MockFault { MockFault(with: { $0.slowMs = max(0, ms) }) }
    /// Streams only: `count` extra `ping` events between deltas.
    public static func pings(_ count: Int) -> MockFault { MockFault(with: { $0.pings = max(0, count) }) }
    /// Report `usage.inference_geo` as `geo` (e.g. `"us"`).
    public static func geo(_ geo: String) -> MockFault { MockFault(with: { $0.geo = geo }) }
    /// Reply with the code-execution container `id` (`container` in the message and the stream's
    /// `message_start` and `message_delta`) and a `context_management` member.
    public static func container(_ id: String) -> MockFault { MockFault(with: { $0.container = id }) }

    /// Streams only: answer a streamed request with the complete JSON `Message` (a billed reply
    /// a client must not discard or retry).
    public static let jsonReply = MockFault(with: { $0.jsonReply = true })
    /// Send `value` as the `request-id` header (e.g. one echoing the API key, or with control
    /// characters).
    public static func requestID(_ value: String) -> MockFault { MockFault(with: { $0.requestID = value }) }
    /// Hostile usage: `missing` (no `usage` object), `negative` (input -5, output -7) or
    /// `overflow` (counts near `Int.max`); other values are ignored.
    public static func usage(_ fault: String) -> MockFault {
        MockFault(with: { $0.usageFault = ["missing", "negative", "overflow"].contains(fault) ? fault : nil })
    }
    /// Report `count` output tokens, whatever was generated (e.g. more than `max_tokens`).
    public static func outputTokens(_ count: Int) -> MockFault { MockFault(with: { $0.outputTokens = max(0, count) }) }

    private init(with edit: (inout MockDirective) -> Void) {
        var directive = MockDirective()
        edit(&directive)
        self.directive = directive
    }

    /// The fault in directive grammar, e.g. `status=529 retry-after=1`.
    public var description: String { directive.grammarText }
}

extension MockDirective {
    /// The directive written back in its grammar (for descriptions and logs; never prompt text
    /// except a scripted `reply`).
    var grammarText: String {
        var parts: [String] = []
        func add(_ key: String, _ value: (some CustomStringConvertible)?) {
            if let value { parts.append("\(key)=\(value)") }
        }
        func flag(_ key: String, _ value: Bool?) {
            if let value { parts.append(value ? key : "\(key)=false") }
        }
        if let reply { parts.append("reply=\"\(reply)\"") }
        flag("json", json)
        add("stop", stop)
        add("status", status)
        add("retry-after", retryAfter)
        add("retry-after-ms", retryAfterMs)
        add("should-retry", shouldRetry)
        add("error-after", errorAfter)
        add("cache-read", cacheRead)
        add("cache-write-5m", cacheWrite5m)
        add("cache-write-1h", cacheWrite1h)
        add("geo", geo)
        add("container", container)
        add("delay-ms", delayMs)
        flag("stall", stall)
        flag("reset", reset)
        flag("malformed", malformed)
        add("split", split)
        add("ping", pings)
        add("tool", tool)
        add("slow-ms", slowMs)
        add("models", models?.joined(separator: ","))
        flag("json-reply", jsonReply)
        if let requestID { parts.append("request-id=\"\(requestID)\"") }
        add("usage", usageFault)
        add("output-tokens", outputTokens)
        add("batch", batchOutcome)
        return parts.joined(separator: " ")
    }
}
