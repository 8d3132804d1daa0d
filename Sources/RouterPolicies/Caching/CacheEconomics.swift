public import Foundation

/// The arithmetic behind prompt-caching choices, in exact money: which TTL pays off, and whether
/// moving a conversation to another tier is worth re-writing its warm cache. Pure functions of
/// the price book's rates (docs/ANTHROPIC-API.md "Prompt caching").
public enum CacheEconomics {
    /// When a 1-hour write beats 5-minute writes for one prefix.
    public struct TTLBreakEven: Sendable, Hashable {
        /// Price of one token written to the 5-minute cache.
        public var write5m: USDAmount
        /// Price of one token written to the 1-hour cache.
        public var write1h: USDAmount
        /// Price of one token read from the cache.
        public var read: USDAmount
        /// The fewest reuses per hour that come more than 5 minutes after the previous use
        /// (each would re-write a 5-minute entry) for the 1-hour write to be cheaper; `nil`
        /// when it never is (a read costs as much as a 5-minute write).
        public var minimumLateReuses: Int?

        /// `k > (w1 − w5) / (w5 − r)`, e.g. `(10.00 − 6.25) / (6.25 − 0.50) = 0.65` for Opus 4.8.
        public var ratio: Double? {
            let denominator = write5m.picodollars - read.picodollars
            guard denominator > 0 else { return nil }
            return Double(write1h.picodollars - write5m.picodollars) / Double(denominator)
        }

        /// One line for `explain`.
        public var explanation: String {
            func perMillion(_ rate: USDAmount) -> String { "$" + USDAmount(picodollars: rate.picodollars * 1_000_000).exactDecimal }
            let prices = "writes \(perMillion(write5m))/M (5m) vs \(perMillion(write1h))/M (1h), reads \(perMillion(read))/M"
            guard let minimumLateReuses, let ratio else {
                return "1h TTL never pays off here (\(prices))"
            }
            let reuses = minimumLateReuses == 1 ? "one reuse an hour comes" : "\(minimumLateReuses) reuses an hour come"
            return "1h TTL pays off when at least \(reuses) more than 5 min after the previous use: "
                + "k > (w1 − w5)/(w5 − r) = \(String(format: "%.2f", ratio)) (\(prices)); "
                + "with every reuse within 5 min, 5m is cheaper by \(perMillion(write1h - write5m))/M per write"
        }
    }

    /// The TTL break-even at `rates` (5-minute TTL: `w5·(1+k) + r·(n−k)` per cached token; 1-hour:
    /// `w1 + r·n`; the 1-hour write is cheaper exactly when `k·(w5 − r) > w1 − w5`).
    public static func ttlBreakEven(_ rates: TokenRates) -> TTLBreakEven {
        let extra = rates.cacheWrite1h.picodollars - rates.cacheWrite5m.picodollars
        let perLate = rates.cacheWrite5m.picodollars - rates.cacheRead.picodollars
        var minimum: Int?
        if perLate > 0 { minimum = extra < 0 ? 0 : Int(extra / perLate) + 1 }
        return TTLBreakEven(write5m: rates.cacheWrite5m, write1h: rates.cacheWrite1h, read: rates.cacheRead,
                            minimumLateReuses: minimum)
    }

    /// Whether a conversation keeps its tier (whose cache is warm) or moves to the tier the
    /// policy chose for this turn.
    public struct StickinessChoice: Sendable, Hashable {
        /// `true`: stay on the conversation's tier.
        public var keep: Bool
        /// Estimated cost of this turn on the conversation's tier, reading the warm prefix.
        public var stayCost: USDAmount
        /// Estimated cost on the chosen tier, writing the prefix to its cold cache.
        public var switchCost: USDAmount
        /// Of `switchCost`, what re-writing the prefix costs.
        public var rewriteCost: USDAmount
        /// One line for `explain` and the decision's reason.
        public var explanation: String
    }

    /// Compares one turn on the conversation's tier (prefix read from its warm cache at the read
    /// price) with the same turn on the chosen tier (prefix written to a cold cache at the write
    /// price); the rest of the input at each input price, `outputTokens` at each output price.
    /// Switching happens when it is cheaper even after re-writing the cache. `nil` when a model
    /// has no price.
    public static func stickiness(prefixTokens: Int, otherInputTokens: Int, outputTokens: Int,
                                  stay: (tier: String, model: String), switchTo: (tier: String, model: String),
                                  ttl: CachingPolicy.TTL, prices: PriceBook, at date: Date) -> StickinessChoice? {
        guard let warm = prices.price(for: stay.model, at: date), let cold = prices.price(for: switchTo.model, at: date)
        else { return nil }
        let prompt = prefixTokens + otherInputTokens
        let a = warm.rates(forPromptTokens: prompt).rates, b = cold.rates(forPromptTokens: prompt).rates
        let stayCost = a.cacheRead * prefixTokens + a.input * otherInputTokens + a.output * outputTokens
        let write = ttl == .oneHour ? b.cacheWrite1h : b.cacheWrite5m
        let rewrite = write * prefixTokens
        let switchCost = rewrite + b.input * otherInputTokens + b.output * outputTokens
        let keep = switchCost >= stayCost
        let numbers = "~\(prefixTokens) warm prefix tokens; stay on \(stay.tier) ≈ \(stayCost.formatted()) "
            + "(prefix read), switch to \(switchTo.tier) ≈ \(switchCost.formatted()) (of which \(rewrite.formatted()) "
            + "re-writes the prefix)"
        let explanation = keep
            ? "kept the conversation on \(stay.tier): switching to \(switchTo.tier) would save nothing after re-writing the cache (\(numbers))"
            : "moved the conversation to \(switchTo.tier): it saves \((stayCost - switchCost).formatted()) even after re-writing the cache (\(numbers))"
        return StickinessChoice(keep: keep, stayCost: stayCost, switchCost: switchCost, rewriteCost: rewrite,
                                explanation: explanation)
    }
}
