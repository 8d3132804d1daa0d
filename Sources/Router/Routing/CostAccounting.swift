import ClaudeClient
import Foundation
import RouterPolicies

/// Turns API usage into exact costs and budget reservations.
struct CostAccounting: Sendable {
    let prices: PriceBook

    /// The API's usage in price categories. `input_tokens` excludes cache reads and writes
    /// (docs/ANTHROPIC-API.md "Response shape"), so the categories are disjoint. When the API reports a
    /// cache write total without the 5m/1h split, the write is taken as 5-minute (the API's
    /// default TTL).
    static func tokenUsage(_ usage: Usage) -> TokenUsage {
        let split = usage.cacheCreation
        let oneHour = split?.ephemeral1hInputTokens ?? 0
        let fiveMinutes = split.map { $0.ephemeral5mInputTokens } ?? usage.cacheCreationInputTokens
        return TokenUsage(input: usage.inputTokens, output: usage.outputTokens, cacheWrite5m: fiveMinutes,
                          cacheWrite1h: oneHour, cacheRead: usage.cacheReadInputTokens)
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
    /// `nil` when the model has no price.
    func worstCase(inputBound: Int, maxTokens: Int, model: String, at date: Date) -> USDAmount? {
        guard let price = prices.price(for: model, at: date) else { return nil }
        let rates = price.rates(forPromptTokens: inputBound).rates
        let inputRate = max(rates.input, rates.cacheWrite5m, rates.cacheWrite1h)
        let total = inputRate * inputBound + rates.output * maxTokens
        return total.scaled(by: 11, over: 10)
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
