import Foundation

/// One parsed `[[mock: key=value …]]` directive (also the `x-mock-fault` header and enqueued faults).
///
/// Every field is optional so that directives from several sources can be layered: a request's
/// prompt directive, then its `x-mock-fault` header, then an enqueued ``MockFault`` (the last wins).
struct MockDirective: Sendable, Equatable {
    var reply: String?
    var json: Bool?
    var stop: String?
    var status: Int?
    /// Kept as text after validation so a fractional value reaches the header unchanged.
    var retryAfter: String?
    var retryAfterMs: Int?
    var shouldRetry: Bool?
    var errorAfter: Int?
    var cacheRead: Int?
    var cacheWrite5m: Int?
    var cacheWrite1h: Int?
    var geo: String?
    /// `container=ID`: the reply carries the code-execution `container` (`message.container`, and
    /// in a stream `message_start.message.container` and `message_delta.delta.container`) and a
    /// `context_management` member, as the API's newer replies do.
    var container: String?
    var delayMs: Int?
    var stall: Bool?
    var reset: Bool?
    var malformed: Bool?
    var split: Int?
    var pings: Int?
    var tool: String?
    var slowMs: Int?
    /// Model-id substrings this directive is limited to; `nil` applies to every model.
    var models: [String]?
    /// Streams only: answer with the complete JSON `Message` instead of events.
    var jsonReply: Bool?
    /// The `request-id` header value to send instead of the mock's own.
    var requestID: String?
    /// Hostile usage: `missing` (no `usage`), `negative` (input -5, output -7) or `overflow`
    /// (counts near `Int.max`).
    var usageFault: String?
    /// Report this many output tokens, whatever was generated.
    var outputTokens: Int?
    /// Report this many web searches in `usage.server_tool_use.web_search_requests`.
    var webSearches: Int?
    /// Report this many web fetches in `usage.server_tool_use.web_fetch_requests`.
    var webFetches: Int?
    /// Batches only: this item's result is `expired` or `canceled` instead of a reply.
    var batchOutcome: String?

    /// The stop reasons a directive may ask for (docs/ANTHROPIC-API.md, "Response shape").
    static let stopReasons: Set<String> = [
        "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal",
        "model_context_window_exceeded",
    ]

    /// Layers `other` over `self`: every value `other` sets wins.
    func overriding(with other: MockDirective) -> MockDirective {
        var merged = self
        merged.reply = other.reply ?? reply
        merged.json = other.json ?? json
        merged.stop = other.stop ?? stop
        merged.status = other.status ?? status
        merged.retryAfter = other.retryAfter ?? retryAfter
        merged.retryAfterMs = other.retryAfterMs ?? retryAfterMs
        merged.shouldRetry = other.shouldRetry ?? shouldRetry
        merged.errorAfter = other.errorAfter ?? errorAfter
        merged.cacheRead = other.cacheRead ?? cacheRead
        merged.cacheWrite5m = other.cacheWrite5m ?? cacheWrite5m
        merged.cacheWrite1h = other.cacheWrite1h ?? cacheWrite1h
        merged.geo = other.geo ?? geo
        merged.container = other.container ?? container
        merged.delayMs = other.delayMs ?? delayMs
        merged.stall = other.stall ?? stall
        merged.reset = other.reset ?? reset
        merged.malformed = other.malformed ?? malformed
        merged.split = other.split ?? split
        merged.pings = other.pings ?? pings
        merged.tool = other.tool ?? tool
        merged.slowMs = other.slowMs ?? slowMs
        merged.models = other.models ?? models
        merged.jsonReply = other.jsonReply ?? jsonReply
        merged.requestID = other.requestID ?? requestID
        merged.usageFault = other.usageFault ?? usageFault
        merged.outputTokens = other.outputTokens ?? outputTokens
        merged.webSearches = other.webSearches ?? webSearches
        merged.webFetches = other.webFetches ?? webFetches
        merged.batchOutcome = other.batchOutcome ?? batchOutcome
        return merged
    }

    /// Whether this directive applies to `model` (case-insensitive substring match).
    func applies(to model: String) -> Bool {
        guard let models else { return true }
        let lowered = model.lowercased()
        return models.contains { lowered.contains($0) }
    }
}

// MARK: - Grammar

extension MockDirective {
    static let opener = "[[mock:"
    static let closer = "]]"

    /// All well-formed directives in `text`, in order. Malformed ones are skipped (their text is
    /// just prompt text), like an unknown key, a bad number or an unterminated quote.
    static func directives(in text: String) -> [MockDirective] {
        blocks(in: text).compactMap { parse(body: $0.body) }
    }

    /// The first directive in `text` whose `models=` matches `model` (or has none).
    static func select(in text: String, model: String) -> MockDirective? {
        directives(in: text).first { $0.applies(to: model) }
    }

    /// `text` without its well-formed directive blocks, for deriving the echoed reply.
    static func stripping(_ text: String) -> String {
        var result = text
        for block in blocks(in: text).reversed() where parse(body: block.body) != nil {
            result.removeSubrange(block.range)
        }
        return result
    }

    /// Parses a header value: either one or more `[[mock: …]]` blocks (the first applicable wins,
    /// as in a prompt) or a bare `key=value …` list. `nil` when it cannot be parsed.
    static func parse(header value: String, model: String?) -> MockDirective? {
        if value.contains(opener) {
            let found = directives(in: value)
            if found.isEmpty { return nil }
            return found.first { model.map($0.applies(to:)) ?? true } ?? MockDirective()
        }
        return parse(body: Substring(value))
    }

    private static func blocks(in text: String) -> [(range: Range<String.Index>, body: Substring)] {
        var found: [(Range<String.Index>, Substring)] = []
        var searchStart = text.startIndex
        while let open = text.range(of: opener, range: searchStart..<text.endIndex) {
            guard let close = text.range(of: closer, range: open.upperBound..<text.endIndex) else { break }
            found.append((open.lowerBound..<close.upperBound, text[open.upperBound..<close.lowerBound]))
            searchStart = close.upperBound
        }
        return found
    }

    /// Parses `key=value key "key=quoted value" …`; `nil` on any unknown key or bad value.
    static func parse(body: Substring) -> MockDirective? {
        guard let tokens = tokenize(body) else { return nil }
        var directive = MockDirective()
        for (key, value, quoted) in tokens {
            guard directive.set(key: key.lowercased(), value: value, quoted: quoted) else { return nil }
        }
        return directive
    }

    private static func tokenize(_ body: Substring) -> [(String, String?, Bool)]? {
        var tokens: [(String, String?, Bool)] = []
        var index = body.startIndex
        while index < body.endIndex {
            if body[index].isWhitespace {
                index = body.index(after: index)
                continue
            }
            var key = ""
            while index < body.endIndex, !body[index].isWhitespace, body[index] != "=" {
                key.append(body[index])
                index = body.index(after: index)
            }
            guard index < body.endIndex, body[index] == "=" else {
                tokens.append((key, nil, false))
                continue
            }
            index = body.index(after: index)
            if index < body.endIndex, body[index] == "\"" {
                let start = body.index(after: index)
                guard let end = body[start...].firstIndex(of: "\"") else { return nil }
                tokens.append((key, String(body[start..<end]), true))
                index = body.index(after: end)
            } else {
                var value = ""
                while index < body.endIndex, !body[index].isWhitespace {
                    value.append(body[index])
                    index = body.index(after: index)
                }
                tokens.append((key, value, false))
            }
        }
        return tokens
    }

    // swiftlint:disable:next cyclomatic_complexity
    private mutating func set(key: String, value: String?, quoted: Bool) -> Bool {
        func count(_ max: Int = 100_000_000) -> Int? {
            guard let value, let number = Int(value), number >= 0, number <= max else { return nil }
            return number
        }
        func flag() -> Bool? {
            guard let value else { return true }
            switch value.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: return nil
            }
        }
        switch key {
        case "reply":
            guard let value else { return false }
            reply = quoted ? value : value.replacingOccurrences(of: "_", with: " ")
        case "json": json = flag()
        case "stop":
            guard let value, Self.stopReasons.contains(value) else { return false }
            stop = value
        case "status":
            guard let code = count(599), code >= 400 else { return false }
            status = code
        case "retry-after":
            guard let value, let seconds = Double(value), seconds.isFinite, seconds >= 0 else { return false }
            retryAfter = value
        case "retry-after-ms": retryAfterMs = count()
        case "should-retry":
            guard value != nil else { return false }
            shouldRetry = flag()
        case "error-after": errorAfter = count()
        case "cache-read": cacheRead = count()
        case "cache-write-5m": cacheWrite5m = count()
        case "cache-write-1h": cacheWrite1h = count()
        case "geo":
            guard let value, !value.isEmpty else { return false }
            geo = value
        case "container":
            guard let value, !value.isEmpty else { return false }
            container = value
        case "delay-ms": delayMs = count(3_600_000)
        case "stall": stall = flag()
        case "reset": reset = flag()
        case "malformed": malformed = flag()
        case "split":
            guard let size = count(), size >= 1 else { return false }
            split = size
        case "ping": pings = count(10_000)
        case "tool":
            guard let value, !value.isEmpty else { return false }
            tool = value
        case "slow-ms": slowMs = count(600_000)
        case "models":
            guard let value else { return false }
            let names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }
            guard !names.isEmpty else { return false }
            models = names
        case "json-reply": jsonReply = flag()
        case "request-id":
            guard let value, !value.isEmpty else { return false }
            requestID = value
        case "usage":
            guard let value, ["missing", "negative", "overflow"].contains(value) else { return false }
            usageFault = value
        case "output-tokens": outputTokens = count(Int.max)
        // Signed, so a test can report the impossible negative count a hostile upstream might.
        case "web-searches": webSearches = value.flatMap(Int.init).flatMap { abs($0) <= 100_000_000 ? $0 : nil }
        case "web-fetches": webFetches = count()
        case "batch":
            guard let value, ["expired", "canceled"].contains(value) else { return false }
            batchOutcome = value
        default:
            return false
        }
        return isValueSet(for: key)
    }

    /// After `set`, a `nil` field means the value did not parse.
    private func isValueSet(for key: String) -> Bool {
        switch key {
        case "json": return json != nil
        case "retry-after-ms": return retryAfterMs != nil
        case "should-retry": return shouldRetry != nil
        case "error-after": return errorAfter != nil
        case "cache-read": return cacheRead != nil
        case "cache-write-5m": return cacheWrite5m != nil
        case "cache-write-1h": return cacheWrite1h != nil
        case "delay-ms": return delayMs != nil
        case "stall": return stall != nil
        case "reset": return reset != nil
        case "malformed": return malformed != nil
        case "ping": return pings != nil
        case "slow-ms": return slowMs != nil
        case "json-reply": return jsonReply != nil
        case "output-tokens": return outputTokens != nil
        case "web-searches": return webSearches != nil
        case "web-fetches": return webFetches != nil
        default: return true
        }
    }
}
