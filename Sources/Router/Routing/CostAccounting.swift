import ClaudeClient
import Foundation
import RouterPolicies

/// Turns API usage into exact costs and budget reservations.
struct CostAccounting: Sendable {
    let prices: PriceBook

    /// The API's usage in price categories. `input_tokens` excludes cache reads and writes
    /// (docs/ANTHROPIC-API.md "Response shape"), so the categories are disjoint. When the API reports a
    /// cache write total without the 5m/1h split, the write is taken as 5-minute (the API's
    /// default TTL). Server-tool counters (`usage.server_tool_use`, e.g. `web_search_requests`)
    /// are kept by name when they are whole numbers; a zero count is dropped.
    static func tokenUsage(_ usage: Usage) -> TokenUsage {
        let split = usage.cacheCreation
        let oneHour = split?.ephemeral1hInputTokens ?? 0
        let fiveMinutes = split.map { $0.ephemeral5mInputTokens } ?? usage.cacheCreationInputTokens
        return TokenUsage(input: usage.inputTokens, output: usage.outputTokens, cacheWrite5m: fiveMinutes,
                          cacheWrite1h: oneHour, cacheRead: usage.cacheReadInputTokens,
                          serverToolUse: serverToolUses(usage.serverToolUse))
    }

    /// The whole-number counters of a `server_tool_use` object by name, zero counts left out;
    /// `nil` when there are none.
    static func serverToolUses(_ raw: JSONValue?) -> [String: Int]? {
        guard case .object(let members)? = raw else { return nil }
        var uses: [String: Int] = [:]
        for (name, value) in members {
            switch value {
            case .int(let count) where count != 0: uses[name] = Int(clamping: count)
            case .double(let count) where count != 0 && count.rounded() == count && abs(count) < 1e15: uses[name] = Int(count)
            default: continue
            }
        }
        return uses.isEmpty ? nil : uses
    }

    /// Exact cost, or `nil` when the model is not in the price book.
    func cost(_ usage: TokenUsage, model: String, inferenceGeo: String?, at date: Date) -> CostBreakdown? {
        prices.cost(of: usage, model: model, at: date, inferenceGeo: inferenceGeo)
    }

    /// An upper bound on what one attempt can cost, reserved against budgets before sending.
    ///
    /// - Input: `inputBound` tokens priced at the dearest input category (a cache write can
    ///   cost up to 2x plain input), with the length tier that many tokens select.
    /// - Output: `maxTokens` at the output price.
    /// - Times 1.1 for a possible regional (`inference_geo`) multiplier.
    /// - Plus `serverToolUses` (the most uses per server-tool counter the request allows,
    ///   ``serverToolBound(_:)``) at the book's per-use prices, unscaled.
    /// `nil` when the model, or a server-tool counter with uses, has no price.
    /// Saturates at ``saturated`` instead of overflowing: a caller's huge `max_tokens` or
    /// `max_uses` gives a bound above any budget (the call is refused as over budget), never a trap.
    func worstCase(inputBound: Int, maxTokens: Int, model: String, at date: Date,
                   serverToolUses: [String: Int]? = nil) -> USDAmount? {
        worstCaseParts(inputBound: inputBound, maxTokens: maxTokens, model: model, at: date,
                       serverToolUses: serverToolUses).map { Self.adding($0.tokens, $0.fees) }
    }

    /// ``worstCase(inputBound:maxTokens:model:at:serverToolUses:)`` in its two parts: the tokens
    /// (×1.1 for geography), which a batch discount scales, and the per-use server-tool fees,
    /// which nothing scales. Each saturates at ``saturated``.
    func worstCaseParts(inputBound: Int, maxTokens: Int, model: String, at date: Date,
                        serverToolUses: [String: Int]? = nil) -> (tokens: USDAmount, fees: USDAmount)? {
        guard let price = prices.price(for: model, at: date) else { return nil }
        var fees = USDAmount.zero
        for (counter, count) in serverToolUses ?? [:] where count > 0 {
            guard let each = prices.serverToolPrice(counter, at: date) else { return nil }
            fees = Self.adding(fees, Self.multiplying(each, max(count, 0)))
        }
        let rates = price.rates(forPromptTokens: inputBound).rates
        let inputRate = max(rates.input, rates.cacheWrite5m, rates.cacheWrite1h)
        let tokens = Self.adding(Self.multiplying(inputRate, max(inputBound, 0)), Self.multiplying(rates.output, max(maxTokens, 0)))
        // ×1.1, saturating: `scaled` multiplies by 11 before dividing, so above Int64.max / 11 it would overflow.
        let geo = tokens.picodollars > Int64.max / 11 ? Self.saturated : min(tokens.scaled(by: 11, over: 10), Self.saturated)
        return (geo, fees)
    }

    /// Where a worst case saturates: a quarter of Int64.max picodollars (about $2.3 million),
    /// above any hard limit a budget is expected to hold, so such a call is refused as over
    /// budget; a quarter, so a budget store adding it to spend and reservations cannot overflow.
    static let saturated = USDAmount(picodollars: .max / 4)

    /// `a + b` for non-negative amounts, at most ``saturated``.
    static func adding(_ a: USDAmount, _ b: USDAmount) -> USDAmount {
        let (sum, overflow) = a.picodollars.addingReportingOverflow(b.picodollars)
        return overflow || sum > saturated.picodollars ? saturated : USDAmount(picodollars: sum)
    }

    /// `rate × count` for a non-negative rate, at most ``saturated``.
    static func multiplying(_ rate: USDAmount, _ count: Int) -> USDAmount {
        let (product, overflow) = rate.picodollars.multipliedReportingOverflow(by: Int64(count))
        return overflow || product > saturated.picodollars ? saturated : USDAmount(picodollars: product)
    }

    /// Why `usage`'s cost on `model` is unknown when a server-tool count is to blame, as a record
    /// flag: `server_tool_unpriced: …` for counters the book has no price for, else
    /// `server_tool_invalid: …` for a negative count; `nil` when the model itself is unpriced or
    /// no count is at fault. Call it only for a cost that came out `nil`.
    static func serverToolFlag(_ usage: TokenUsage, model: String, prices: PriceBook, at date: Date) -> String? {
        guard prices.price(for: model, at: date) != nil else { return nil }
        let uses = usage.serverToolUse ?? [:]
        let unpriced = uses.filter { $0.value != 0 && prices.serverToolPrice($0.key, at: date) == nil }
        if !unpriced.isEmpty {
            return "server_tool_unpriced: " + unpriced.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ") + " (no price in the price book's server_tools)"
        }
        guard let negative = uses.filter({ $0.value < 0 }).sorted(by: { $0.key < $1.key }).first else { return nil }
        return "server_tool_invalid: \(negative.key) \(negative.value) (a negative count; cost unknown)"
    }

    /// The server-tool counter each per-use-billed server tool's uses are reported under, by
    /// the prefix of the tool's versioned `type` (`web_search_20250305` → `web_search_requests`;
    /// https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool,
    /// https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-fetch-tool).
    static let serverToolCounters: [(typePrefix: String, counter: String)] = [
        ("web_search_", "web_search_requests"), ("web_fetch_", "web_fetch_requests"),
    ]

    /// The most uses of each per-use-billed server tool `request` allows: the sum of the
    /// declared tools' `max_uses` by counter. `nil` when it declares none.
    /// - Throws: the description of the first such tool without `max_uses` (the API then sets
    ///   no limit, so no bound exists: docs/POLICY.md "Budgets").
    static func serverToolBound(_ request: MessageRequest) throws(ServerToolUnbounded) -> [String: Int]? {
        var uses: [String: Int] = [:]
        for tool in request.tools ?? [] {
            guard let type = tool.type,
                  let counter = serverToolCounters.first(where: { type.hasPrefix($0.typePrefix) })?.counter else { continue }
            guard case .int(let limit)? = tool.extra["max_uses"], limit >= 0 else {
                throw ServerToolUnbounded(tool: "\(tool.name) (\(type))")
            }
            let (sum, overflow) = (uses[counter] ?? 0).addingReportingOverflow(Int(clamping: limit))
            uses[counter] = overflow ? Int.max : sum
        }
        return uses.isEmpty ? nil : uses
    }

    /// A per-use-billed server tool declared without `max_uses` (named `tool`).
    struct ServerToolUnbounded: Error {
        var tool: String
    }

    /// An upper bound on a request's input tokens without a network round trip: the encoded
    /// request's byte count. Every text token is at least one byte and JSON only adds bytes, so
    /// this never undercounts text. It does not bound content the API renders or fetches itself:
    /// check ``unboundedContent(_:)`` before relying on it.
    /// A request that carries its caller's JSON (a gateway's) counts those bytes instead of
    /// encoding it again: the same bound, without a second JSON encoding per call.
    static func inputTokenBound(_ request: MessageRequest) -> Int {
        if let original = request.originalJSON { return max(original.bytes.count, 1) }
        let encoder = JSONEncoder()
        let bytes = (try? encoder.encode(request).count) ?? 0
        return max(bytes, 1)
    }

    /// The first piece of `request` whose billed tokens its bytes do not bound, described for an
    /// error message (`"a document given by URL (messages.0.content.1)"`); `nil` when the byte
    /// count bounds the whole request.
    ///
    /// Not bounded (docs/POLICY.md "Budgets"): an image or document the API fetches itself (a
    /// `url` source) or reads from the Files API (a `file` source with a `file_id`); a base64
    /// image or PDF, because the API bills them by pixels and pages, which a small, highly
    /// compressed file can hold many of; and any block type this client does not model, since
    /// how it is billed is unknown. Text, plain-text documents, documents whose inline content is
    /// text blocks, tool calls, tool results made of those, and thinking blocks are bounded by
    /// their bytes.
    /// Vision and PDF token costs: https://docs.anthropic.com/en/docs/build-with-claude/vision,
    /// https://docs.anthropic.com/en/docs/build-with-claude/pdf-support.
    static func unboundedContent(_ request: MessageRequest) -> String? {
        for (turn, message) in request.messages.enumerated() {
            if let found = unboundedBlock(in: message.content, place: "messages.\(turn).content") { return found }
        }
        return nil
    }

    private static func unboundedBlock(in blocks: [ContentBlock], place: String) -> String? {
        for (index, block) in blocks.enumerated() {
            let here = "\(place).\(index)"
            switch block {
            case .image(let image):
                switch image.source {
                case .url: return "an image given by URL (\(here))"
                case .base64: return "a base64 image, billed by its pixels (\(here))"
                case .other(let raw): return "an image from a '\(raw["type"]?.stringValue ?? "unknown")' source (\(here))"
                }
            case .document(let document):
                switch document.source["type"]?.stringValue {
                case "text": continue
                case "content":
                    guard case .array(let parts)? = document.source["content"],
                          parts.contains(where: { $0["type"]?.stringValue != "text" }) else { continue }
                    return "a document whose content holds more than text (\(here))"
                case "url": return "a document given by URL (\(here))"
                case "file": return "a document given by file_id (\(here))"
                case "base64": return "a base64 PDF, billed by its pages (\(here))"
                case let other: return "a document from a '\(other ?? "unknown")' source (\(here))"
                }
            case .toolResult(let result):
                if case .blocks(let inner)? = result.content,
                   let found = unboundedBlock(in: inner, place: "\(here).content") {
                    return found
                }
            case .unknown(let type, _):
                return "a '\(type)' block, whose billing this router does not know (\(here))"
            case .text, .toolUse, .thinking, .redactedThinking:
                continue
            }
        }
        return nil
    }
}
