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
    /// this never undercounts (images count far below their base64 size).
    /// A request that carries its caller's JSON (a gateway's) counts those bytes instead of
    /// encoding it again: the same bound, without a second JSON encoding per call.
    static func inputTokenBound(_ request: MessageRequest) -> Int {
        if let original = request.originalJSON { return max(original.bytes.count, 1) }
        let encoder = JSONEncoder()
        let bytes = (try? encoder.encode(request).count) ?? 0
        return max(bytes, 1)
    }
}
