public import Foundation

/// Prices of one token in each billed category, as exact picodollars per token
/// (= micro-dollars per million tokens, so every list price is a whole number).
public struct TokenRates: Sendable, Hashable, Codable {
    /// Uncached input.
    public var input: USDAmount
    /// Writes to the 5-minute cache.
    public var cacheWrite5m: USDAmount
    /// Writes to the 1-hour cache.
    public var cacheWrite1h: USDAmount
    /// Cache reads.
    public var cacheRead: USDAmount
    /// Output.
    public var output: USDAmount

    /// Creates rates from per-token amounts.
    public init(input: USDAmount, cacheWrite5m: USDAmount, cacheWrite1h: USDAmount, cacheRead: USDAmount, output: USDAmount) {
        self.input = input
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
    }

    /// Creates rates from list prices in USD per million tokens (each a whole number of
    /// micro-dollars); nil if one has more than 6 decimals or is negative.
    public init?(perMillionTokens input: USDAmount, cacheWrite5m: USDAmount, cacheWrite1h: USDAmount, cacheRead: USDAmount, output: USDAmount) {
        var perToken: [USDAmount] = []
        for price in [input, cacheWrite5m, cacheWrite1h, cacheRead, output] {
            guard let rate = price.perTokenFromPerMillion else { return nil }
            perToken.append(rate)
        }
        self.init(input: perToken[0], cacheWrite5m: perToken[1], cacheWrite1h: perToken[2], cacheRead: perToken[3], output: perToken[4])
    }
}

/// A price that applies to a whole request once its prompt exceeds a threshold.
public struct LengthTier: Sendable, Hashable, Codable {
    /// The tier applies when input + cache reads + cache writes is strictly greater than this
    /// (API-FACTS: "prompt > 100k tokens"; exactly 100000 stays in the lower tier).
    public var abovePromptTokens: Int
    /// Rates for every token of such a request, output included.
    public var rates: TokenRates

    /// Creates a tier.
    public init(abovePromptTokens: Int, rates: TokenRates) {
        self.abovePromptTokens = abovePromptTokens
        self.rates = rates
    }
}

/// The price of one model from one date on.
public struct ModelPrice: Sendable, Hashable {
    /// The canonical model id the price is listed under (aliases and dated ids resolve to it).
    public var modelID: String
    /// First instant (00:00 UTC of the listed day) the price applies.
    public var effectiveFrom: Date
    /// Rates for prompts at or under every tier threshold.
    public var rates: TokenRates
    /// Higher tiers by ascending threshold (empty for most models).
    public var tiers: [LengthTier]

    /// Creates a price.
    public init(modelID: String, effectiveFrom: Date, rates: TokenRates, tiers: [LengthTier] = []) {
        self.modelID = modelID
        self.effectiveFrom = effectiveFrom
        self.rates = rates
        self.tiers = tiers
    }

    /// Stable id for ledgers: `MODEL@YYYY-MM-DD`, e.g. `claude-sonnet-5-5@2026-10-07`.
    public var priceID: String { "\(modelID)@\(CivilDate(effectiveFrom).description)" }

    /// The rates for a request with `promptTokens` prompt tokens, and the tier chosen (nil = base).
    public func rates(forPromptTokens promptTokens: Int) -> (rates: TokenRates, tier: LengthTier?) {
        guard let tier = tiers.last(where: { promptTokens > $0.abovePromptTokens }) else { return (rates, nil) }
        return (tier.rates, tier)
    }
}

/// The price of one use of a server tool from one date on (`server_tools:` in the price file).
public struct ServerToolPrice: Sendable, Hashable {
    /// The API's counter in `usage.server_tool_use`, e.g. `web_search_requests`.
    public var counter: String
    /// First instant (00:00 UTC of the listed day) the price applies.
    public var effectiveFrom: Date
    /// Exact price of one use (e.g. $0.01 = 10,000,000,000 picodollars per web search).
    public var perUse: USDAmount

    /// Creates a price.
    public init(counter: String, effectiveFrom: Date, perUse: USDAmount) {
        self.counter = counter
        self.effectiveFrom = effectiveFrom
        self.perUse = perUse
    }
}

/// The exact cost of one call, per category, in picodollars.
public struct CostBreakdown: Sendable, Hashable, Codable {
    /// Uncached input.
    public var input: USDAmount
    /// 5-minute cache writes.
    public var cacheWrite5m: USDAmount
    /// 1-hour cache writes.
    public var cacheWrite1h: USDAmount
    /// Cache reads.
    public var cacheRead: USDAmount
    /// Output.
    public var output: USDAmount
    /// Server-tool uses (e.g. web searches) at the price book's per-use prices; zero when none.
    /// Neither the batch discount nor the `inference_geo` multiplier applies to them.
    public var serverTools: USDAmount = .zero
    /// Sum of the six categories (exact).
    public var total: USDAmount
    /// The canonical model id priced.
    public var modelID: String
    /// The price entry used (`MODEL@YYYY-MM-DD`).
    public var priceID: String
    /// The length tier's threshold when a higher tier applied; nil for the base rates.
    public var tierAbovePromptTokens: Int?
    /// Whether the Batch discount was applied.
    public var batch: Bool
    /// The inference geography passed in (lowercased), if any.
    public var inferenceGeo: String?
    /// The combined multiplier applied to list prices (e.g. `0.55` for batch + us).
    public var multiplier: String

    /// Creates a breakdown; `total` is computed as the exact sum.
    public init(input: USDAmount, cacheWrite5m: USDAmount, cacheWrite1h: USDAmount, cacheRead: USDAmount, output: USDAmount,
                serverTools: USDAmount = .zero,
                modelID: String, priceID: String, tierAbovePromptTokens: Int?, batch: Bool, inferenceGeo: String?, multiplier: String) {
        self.input = input
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
        self.serverTools = serverTools
        self.total = [input, cacheWrite5m, cacheWrite1h, cacheRead, output, serverTools].sum()
        self.modelID = modelID
        self.priceID = priceID
        self.tierAbovePromptTokens = tierAbovePromptTokens
        self.batch = batch
        self.inferenceGeo = inferenceGeo
        self.multiplier = multiplier
    }

    private enum CodingKeys: String, CodingKey {
        case input, cacheWrite5m, cacheWrite1h, cacheRead, output, serverTools, total, modelID, priceID
        case tierAbovePromptTokens, batch, inferenceGeo, multiplier
    }

    /// Decodes a breakdown; one encoded before server tools were priced (no `serverTools`) reads
    /// as zero server-tool cost.
    /// - Throws: `DecodingError` for a missing or mistyped member other than `serverTools`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        input = try container.decode(USDAmount.self, forKey: .input)
        cacheWrite5m = try container.decode(USDAmount.self, forKey: .cacheWrite5m)
        cacheWrite1h = try container.decode(USDAmount.self, forKey: .cacheWrite1h)
        cacheRead = try container.decode(USDAmount.self, forKey: .cacheRead)
        output = try container.decode(USDAmount.self, forKey: .output)
        serverTools = try container.decodeIfPresent(USDAmount.self, forKey: .serverTools) ?? .zero
        total = try container.decode(USDAmount.self, forKey: .total)
        modelID = try container.decode(String.self, forKey: .modelID)
        priceID = try container.decode(String.self, forKey: .priceID)
        tierAbovePromptTokens = try container.decodeIfPresent(Int.self, forKey: .tierAbovePromptTokens)
        batch = try container.decode(Bool.self, forKey: .batch)
        inferenceGeo = try container.decodeIfPresent(String.self, forKey: .inferenceGeo)
        multiplier = try container.decode(String.self, forKey: .multiplier)
    }
}

extension USDAmount {
    /// A list price in USD per million tokens converted to picodollars per token, if exact.
    var perTokenFromPerMillion: USDAmount? {
        guard picodollars >= 0, picodollars % 1_000_000 == 0 else { return nil }
        return USDAmount(picodollars: picodollars / 1_000_000)
    }

    /// `self × numerator / denominator` for non-negative values, rounded half up, without
    /// intermediate overflow (128-bit product); nil if the result does not fit.
    func multiplied(by numerator: Int64, over denominator: Int64) -> USDAmount? {
        guard picodollars >= 0, numerator >= 0, denominator > 0 else { return nil }
        let divisor = UInt64(denominator)
        let product = UInt64(picodollars).multipliedFullWidth(by: UInt64(numerator))
        guard product.high < divisor else { return nil }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        let rounded = remainder >= divisor - remainder ? quotient + 1 : quotient
        guard rounded <= UInt64(Int64.max) else { return nil }
        return USDAmount(picodollars: Int64(rounded))
    }
}
