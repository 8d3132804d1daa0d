public import Foundation

/// Model prices as data (policies/prices.yaml): lookup by model id at a date, and exact costs.
///
/// Model id resolution, in order:
/// 1. an exact model id listed in the book;
/// 2. an id listed in some model's `aliases`;
/// 3. an id ending in a date suffix `-YYYYMMDD` (8 digits, a real day), which is removed and
///    looked up by rules 1 and 2 (`claude-haiku-4-5-20251001` → `claude-haiku-4-5`).
/// Nothing else matches: no prefix guessing, so `claude-opus-4` never silently prices as 4-5.
/// An unknown model has no price (`nil`), never $0 (API-FACTS: "must never be priced at $0").
public struct PriceBook: Sendable {
    /// One model's listing.
    public struct ModelListing: Sendable, Hashable {
        /// The canonical id.
        public var id: String
        /// Other names that resolve to it.
        public var aliases: [String]
        /// Prices by ascending `effectiveFrom`.
        public var prices: [ModelPrice]
        /// The shortest prefix, in tokens, the API caches for this model (`min_cacheable_tokens`);
        /// a `cache_control` marker on a shorter prefix is silently ignored. `nil` when not listed.
        public var minCacheableTokens: Int? = nil
    }

    /// Where the book was read from (a path, or `<bundled>/prices.yaml`).
    public var file: String
    /// Every model by canonical id.
    public var models: [String: ModelListing]
    /// Fraction taken off list prices for Message Batches (0.5 = 50% off), every category.
    package var batchDiscount: ExactDecimal
    /// Multipliers by lowercased `inference_geo` (e.g. `us` → 1.1); unlisted geographies cost 1x.
    package var inferenceGeoMultipliers: [String: ExactDecimal]
    /// Per-use server-tool prices by counter name (`web_search_requests`), each by ascending
    /// `effectiveFrom` (`server_tools:` in the price file).
    public var serverTools: [String: [ServerToolPrice]] = [:]
    private var aliasTargets: [String: String]

    /// Creates a book from already validated parts (the decoder's; apps load or parse YAML).
    package init(file: String, models: [ModelListing], batchDiscount: ExactDecimal, inferenceGeoMultipliers: [String: ExactDecimal],
                 serverTools: [String: [ServerToolPrice]] = [:]) {
        self.file = file
        self.serverTools = serverTools
        self.models = Dictionary(models.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.batchDiscount = batchDiscount
        self.inferenceGeoMultipliers = inferenceGeoMultipliers
        var aliases: [String: String] = [:]
        for model in models { for alias in model.aliases { aliases[alias] = model.id } }
        self.aliasTargets = aliases
    }

    /// The canonical model id `model` resolves to (exact id, alias, or dated id), or nil.
    public func canonicalModelID(for model: String) -> String? {
        if let id = directMatch(model) { return id }
        if let undated = Self.removingDateSuffix(model) { return directMatch(undated) }
        return nil
    }

    /// The price of `model` in force at `date`, or nil if the model is unknown or `date` is
    /// before its first listed price.
    public func price(for model: String, at date: Date) -> ModelPrice? {
        guard let id = canonicalModelID(for: model), let listing = models[id] else { return nil }
        return listing.prices.last { $0.effectiveFrom <= date }
    }

    /// The per-use price of server-tool counter `counter` (`web_search_requests`) in force at
    /// `date`; `nil` when the book lists none then (its uses cannot be priced).
    public func serverToolPrice(_ counter: String, at date: Date) -> USDAmount? {
        serverTools[counter]?.last { $0.effectiveFrom <= date }?.perUse
    }

    /// The exact cost of `uses` (server-tool uses by counter name) at `date`: each count times
    /// its per-use price, summed. Zero for `nil` or only zero counts; `nil` when a counter with a
    /// positive count has no price in the book, a count is negative, or the sum overflows, so
    /// the attempt's cost is unknown rather than under-counted.
    public func serverToolCost(_ uses: [String: Int]?, at date: Date) -> USDAmount? {
        var total = USDAmount.zero
        for (counter, count) in uses ?? [:] {
            guard count >= 0 else { return nil }
            if count == 0 { continue }
            guard let price = serverToolPrice(counter, at: date) else { return nil }
            let (product, overflow) = price.picodollars.multipliedReportingOverflow(by: Int64(count))
            let (sum, overflow2) = total.picodollars.addingReportingOverflow(product)
            guard !overflow, !overflow2 else { return nil }
            total = USDAmount(picodollars: sum)
        }
        return total
    }

    /// The exact cost of `usage` on `model` at `date`. The length tier is chosen by
    /// `usage.promptTokens` (input + cache reads + cache writes) and applies to every category.
    /// `batch` takes `batchDiscount` off every category (Batch pricing stacks with cache
    /// prices, API-FACTS); `inferenceGeo` multiplies every category. Both are applied once per
    /// category to the exact product, rounded half up to a picodollar.
    /// Server-tool uses (`usage.serverToolUse`) add their per-use prices, unscaled by batch or
    /// geography (Anthropic lists them as a fee per use, not a token price:
    /// https://docs.anthropic.com/en/docs/about-claude/pricing).
    /// Returns nil when the model is unpriced (never $0), the counts are negative, or a
    /// server-tool counter has uses but no price.
    public func cost(of usage: TokenUsage, model: String, at date: Date, batch: Bool = false, inferenceGeo: String? = nil) -> CostBreakdown? {
        guard let price = price(for: model, at: date),
              [usage.input, usage.output, usage.cacheWrite5m, usage.cacheWrite1h, usage.cacheRead].allSatisfy({ $0 >= 0 }) else {
            return nil
        }
        let (rates, tier) = price.rates(forPromptTokens: usage.promptTokens)
        let (numerator, denominator) = multiplier(batch: batch, inferenceGeo: inferenceGeo)
        func charge(_ tokens: Int, _ rate: USDAmount) -> USDAmount? {
            let (product, overflow) = rate.picodollars.multipliedReportingOverflow(by: Int64(tokens))
            guard !overflow else { return nil }
            return USDAmount(picodollars: product).multiplied(by: numerator, over: denominator)
        }
        guard let input = charge(usage.input, rates.input),
              let write5m = charge(usage.cacheWrite5m, rates.cacheWrite5m),
              let write1h = charge(usage.cacheWrite1h, rates.cacheWrite1h),
              let read = charge(usage.cacheRead, rates.cacheRead),
              let output = charge(usage.output, rates.output),
              let serverTools = serverToolCost(usage.serverToolUse, at: date) else {
            return nil
        }
        return CostBreakdown(
            input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output,
            serverTools: serverTools,
            modelID: price.modelID, priceID: price.priceID, tierAbovePromptTokens: tier?.abovePromptTokens,
            batch: batch, inferenceGeo: inferenceGeo?.lowercased(),
            multiplier: Self.decimalText(numerator, over: denominator)
        )
    }

    /// An upper bound for a budget reservation: `inputTokens` at the input rate plus
    /// `maxTokens` at the output rate, in the length tier `inputTokens` selects.
    /// It assumes no cache writes (which cost more than input); nil when unpriced.
    public func estimateWorstCase(inputTokens: Int, maxTokens: Int, model: String, at date: Date,
                                  batch: Bool = false, inferenceGeo: String? = nil) -> USDAmount? {
        cost(of: TokenUsage(input: inputTokens, output: maxTokens), model: model, at: date,
             batch: batch, inferenceGeo: inferenceGeo)?.total
    }

    /// The minimum cacheable prefix of `model` in tokens, when its listing gives one.
    public func minimumCacheableTokens(for model: String) -> Int? {
        canonicalModelID(for: model).flatMap { models[$0]?.minCacheableTokens }
    }

    /// Every canonical model id, sorted.
    public var modelIDs: [String] { models.keys.sorted() }

    // MARK: - Private

    private func directMatch(_ model: String) -> String? {
        if models[model] != nil { return model }
        return aliasTargets[model]
    }

    /// `name-YYYYMMDD` → `name`, when the suffix is a real calendar day.
    static func removingDateSuffix(_ model: String) -> String? {
        guard model.utf8.count > 9 else { return nil }
        let suffix = model.suffix(9)
        guard suffix.first == "-" else { return nil }
        let digits = suffix.dropFirst()
        let day = "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))"
        guard digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), CivilDate(day) != nil else { return nil }
        return String(model.dropLast(9))
    }

    /// The combined rational multiplier (geo × (1 − batch discount)).
    private func multiplier(batch: Bool, inferenceGeo: String?) -> (Int64, Int64) {
        var numerator: Int64 = 1, denominator: Int64 = 1
        if batch {
            numerator *= batchDiscount.denominator - batchDiscount.significand
            denominator *= batchDiscount.denominator
        }
        if let geo = inferenceGeo?.lowercased(), let factor = inferenceGeoMultipliers[geo] {
            numerator *= factor.significand
            denominator *= factor.denominator
        }
        return (numerator, denominator)
    }

    private static func decimalText(_ numerator: Int64, over denominator: Int64) -> String {
        var (a, b) = (numerator, denominator)
        while b != 0 { (a, b) = (b, a % b) }
        let common = max(1, a)
        let (numerator, denominator) = (numerator / common, denominator / common)
        var digits = 0, scale: Int64 = 1
        while scale % denominator != 0 && digits < 18 { scale *= 10; digits += 1 }
        guard scale % denominator == 0 else { return "\(numerator)/\(denominator)" }
        return ExactDecimal(significand: numerator * (scale / denominator), fractionDigits: digits).description
    }
}
