import Foundation
import Testing
@testable import RouterPolicies

/// Golden costs against the bundled prices (docs/ANTHROPIC-API.md, "Prices"). Every expected
/// value is computed by hand in the comment: price per token in picodollars = $/MTok × 1e6.
@Suite("PriceBook costs")
struct PricingCostTests {
    let book = PriceBook.bundledDefault
    /// A date after every price change in the book.
    let now = date("2026-11-15T12:00:00Z")

    static func date(_ iso: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: iso) else { preconditionFailure("bad test date \(iso)") }
        return date
    }

    func usd(_ text: String) throws -> USDAmount { try #require(USDAmount(dollars: text)) }

    func cost(_ usage: TokenUsage, _ model: String, at date: Date? = nil, batch: Bool = false, geo: String? = nil) throws -> CostBreakdown {
        try #require(book.cost(of: usage, model: model, at: date ?? now, batch: batch, inferenceGeo: geo))
    }

    @Test func haiku45() throws {
        // input 1000 × $1.00/MTok = $0.001; output 500 × $5.00/MTok = $0.0025; total $0.0035
        let c = try cost(TokenUsage(input: 1000, output: 500), "claude-haiku-4-5")
        #expect(c.input == (try usd("0.001")))
        #expect(c.output == (try usd("0.0025")))
        #expect(c.total == (try usd("0.0035")))
        #expect(c.priceID == "claude-haiku-4-5@2025-01-01")
        #expect(c.tierAbovePromptTokens == nil)
    }

    @Test("Sonnet 4.x cache mix", arguments: ["claude-sonnet-4-5", "claude-sonnet-4-6"])
    func sonnet4CacheMix(model: String) throws {
        // input 2000 × 3.00 = $0.006; 5m write 10000 × 3.75 = $0.0375; 1h write 4000 × 6.00 = $0.024;
        // read 50000 × 0.30 = $0.015; output 800 × 15.00 = $0.012; total $0.0945
        let usage = TokenUsage(input: 2000, output: 800, cacheWrite5m: 10000, cacheWrite1h: 4000, cacheRead: 50000)
        let c = try cost(usage, model)
        #expect([c.input, c.cacheWrite5m, c.cacheWrite1h, c.cacheRead, c.output]
                 == [try usd("0.006"), try usd("0.0375"), try usd("0.024"), try usd("0.015"), try usd("0.012")])
        #expect(c.total == (try usd("0.0945")))
        #expect(c.modelID == model)
    }

    @Test("Opus 4.5 to 4.8 and Opus 5", arguments: ["claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5"])
    func opus(model: String) throws {
        // input 10000 × 5.00 = $0.05; output 2000 × 25.00 = $0.05; 1h write 1000 × 10.00 = $0.01;
        // 5m write 1000 × 6.25 = $0.00625; read 1000 × 0.50 = $0.0005; total $0.11675
        let c = try cost(TokenUsage(input: 10000, output: 2000, cacheWrite5m: 1000, cacheWrite1h: 1000, cacheRead: 1000), model)
        #expect(c.total == (try usd("0.11675")))
    }

    @Test func sonnet5() throws {
        // input 1,000,000 × 2.00 = $2.00; output 100,000 × 10.00 = $1.00; read 100,000 × 0.20 = $0.02
        let c = try cost(TokenUsage(input: 1_000_000, output: 100_000, cacheRead: 100_000), "claude-sonnet-5")
        #expect(c.total == (try usd("3.02")))
    }

    @Test func opus55() throws {
        // input 12345 × 4.00 = $0.04938; output 678 × 20.00 = $0.01356; read 1000 × 0.20 = $0.0002;
        // 5m write 10 × 5.00 = $0.00005; 1h write 10 × 8.00 = $0.00008; total $0.06327
        let c = try cost(TokenUsage(input: 12345, output: 678, cacheWrite5m: 10, cacheWrite1h: 10, cacheRead: 1000), "claude-opus-5-5")
        #expect(c.total == (try usd("0.06327")))
    }

    // Haiku 5.5 length tiers. API-FACTS: "prompt <= 100k tokens" / "prompt > 100k tokens", so the
    // rule is strict: exactly 100,000 prompt tokens is the lower tier, 100,001 the higher, and the
    // higher tier prices every token of the request, output included.

    @Test func haiku55AtExactly100kIsLowerTier() throws {
        // input 100000 × 0.10 = $0.01; output 1000 × 0.50 = $0.0005; total $0.0105
        let c = try cost(TokenUsage(input: 100_000, output: 1000), "claude-haiku-5-5")
        #expect(c.total == (try usd("0.0105")))
        #expect(c.tierAbovePromptTokens == nil)
    }

    @Test func haiku55Above100kIsHigherTierForEveryToken() throws {
        // input 100001 × 0.50 = $0.0500005; output 1000 × 2.50 = $0.0025; total $0.0525005
        let c = try cost(TokenUsage(input: 100_001, output: 1000), "claude-haiku-5-5")
        #expect(c.input == (try usd("0.0500005")))
        #expect(c.output == (try usd("0.0025")))
        #expect(c.total == (try usd("0.0525005")))
        #expect(c.tierAbovePromptTokens == 100_000)
    }

    @Test func haiku55PromptCountsCacheReadsAndWrites() throws {
        // prompt = 40000 + 50000 read + 10001 5m write = 100001 → higher tier:
        // 40000 × 0.50 = $0.02; 50000 × 0.05 = $0.0025; 10001 × 0.625 = $0.006250625; total $0.028750625
        let over = try cost(TokenUsage(input: 40000, cacheWrite5m: 10001, cacheRead: 50000), "claude-haiku-5-5")
        #expect(over.total == (try usd("0.028750625")))
        // With 10000 written the prompt is exactly 100000 → lower tier:
        // 40000 × 0.10 = $0.004; 50000 × 0.01 = $0.0005; 10000 × 0.125 = $0.00125; total $0.00575
        let at = try cost(TokenUsage(input: 40000, cacheWrite5m: 10000, cacheRead: 50000), "claude-haiku-5-5")
        #expect(at.total == (try usd("0.00575")))
    }

    @Test func batchTakesHalfOffEveryCategory() throws {
        // Sonnet 4.5: input 1000 × 3.00 × 0.5 = $0.0015; output 1000 × 15.00 × 0.5 = $0.0075;
        // read 1000 × 0.30 × 0.5 = $0.00015; total $0.00915 (API-FACTS: batch 50% off, stacks with cache)
        let c = try cost(TokenUsage(input: 1000, output: 1000, cacheRead: 1000), "claude-sonnet-4-5", batch: true)
        #expect(c.total == (try usd("0.00915")))
        #expect(c.multiplier == "0.5")
    }

    @Test func usInferenceGeoCosts1point1x() throws {
        // input 1000 × 3.00 × 1.1 = $0.0033; output 1000 × 15.00 × 1.1 = $0.0165; total $0.0198
        let c = try cost(TokenUsage(input: 1000, output: 1000), "claude-sonnet-4-5", geo: "us")
        #expect(c.total == (try usd("0.0198")))
        #expect(c.multiplier == "1.1")
        // Case-insensitive; an unlisted geography costs 1x: $0.003 + $0.015
        #expect(try cost(TokenUsage(input: 1000, output: 1000), "claude-sonnet-4-5", geo: "US").total == (try usd("0.0198")))
        #expect(try cost(TokenUsage(input: 1000, output: 1000), "claude-sonnet-4-5", geo: "global").total == (try usd("0.018")))
    }

    @Test func batchAndGeoStack() throws {
        // × 0.5 × 1.1 = × 0.55: input 1000 × 3.00 × 0.55 = $0.00165; output 1000 × 15.00 × 0.55 = $0.00825;
        // total $0.0099
        let c = try cost(TokenUsage(input: 1000, output: 1000), "claude-sonnet-4-5", batch: true, geo: "us")
        #expect(c.input == (try usd("0.00165")))
        #expect(c.total == (try usd("0.0099")))
        #expect(c.multiplier == "0.55")
        #expect(c.batch && c.inferenceGeo == "us")
    }

    @Test func sonnet55CacheReadPriceChangesOn20261007() throws {
        // 1,000,000 reads × 0.20 = $0.20 before; × 0.10 = $0.10 from 2026-10-07 00:00 UTC.
        let usage = TokenUsage(cacheRead: 1_000_000)
        let before = try cost(usage, "claude-sonnet-5-5", at: Self.date("2026-10-06T23:59:59Z"))
        let after = try cost(usage, "claude-sonnet-5-5", at: Self.date("2026-10-07T00:00:00Z"))
        #expect(before.total == (try usd("0.20")))
        #expect(after.total == (try usd("0.10")))
        #expect(before.priceID == "claude-sonnet-5-5@2025-01-01")
        #expect(after.priceID == "claude-sonnet-5-5@2026-10-07")
        // The other prices carry over through the merge key: output 1000 × 10.00 = $0.01.
        #expect(try cost(TokenUsage(output: 1000), "claude-sonnet-5-5", at: Self.date("2026-10-08T00:00:00Z")).total == (try usd("0.01")))
    }

    @Test func datedIdsResolveToTheirModel() throws {
        // API-FACTS: ids may carry a date suffix, e.g. claude-haiku-4-5-20251001.
        let c = try cost(TokenUsage(input: 1000), "claude-haiku-4-5-20251001")
        #expect(c.modelID == "claude-haiku-4-5")
        #expect(c.total == (try usd("0.001")))
        #expect(book.canonicalModelID(for: "claude-sonnet-4-5-20250929") == "claude-sonnet-4-5")
        #expect(book.canonicalModelID(for: "claude-opus-5-20270101") == "claude-opus-5")
    }

    @Test("no guessing: these are unpriced", arguments: [
        "claude-haiku-4-5-20251301",   // not a real day
        "claude-haiku-4-5-2025100",    // 7 digits
        "claude-haiku-4-5-latest",     // not an alias in the bundled book
        "claude-opus-4",               // no prefix matching
        "CLAUDE-HAIKU-4-5",            // ids are case-sensitive
        "gpt-4o", "", "-20251001",
    ])
    func unknownModelsAreUnpriced(model: String) {
        #expect(book.price(for: model, at: now) == nil)
        #expect(book.cost(of: TokenUsage(input: 1000, output: 1000), model: model, at: now) == nil)
        #expect(book.estimateWorstCase(inputTokens: 10, maxTokens: 10, model: model, at: now) == nil)
    }

    @Test func beforeTheFirstPriceIsUnpricedNotFree() {
        #expect(book.cost(of: TokenUsage(input: 1), model: "claude-haiku-4-5", at: Self.date("2024-12-31T23:59:59Z")) == nil)
    }

    @Test func negativeCountsAreRejected() {
        #expect(book.cost(of: TokenUsage(input: -1), model: "claude-haiku-4-5", at: now) == nil)
    }

    @Test func zeroUsageCostsZeroForAPricedModel() throws {
        #expect(try cost(TokenUsage(), "claude-haiku-4-5").total == .zero)
    }

    @Test func worstCaseEstimateUsesInputAndMaxTokensInTheTier() throws {
        // Haiku 5.5, 150000 input (> 100k: higher tier): 150000 × 0.50 = $0.075; 4096 × 2.50 = $0.01024
        #expect(book.estimateWorstCase(inputTokens: 150_000, maxTokens: 4096, model: "claude-haiku-5-5", at: now) == (try usd("0.08524")))
        // Lower tier: 1000 × 0.10 = $0.0001; 4096 × 0.50 = $0.002048
        #expect(book.estimateWorstCase(inputTokens: 1000, maxTokens: 4096, model: "claude-haiku-5-5", at: now) == (try usd("0.002148")))
        // Opus 4.8 in the us geography: (1000 × 5.00 + 1000 × 25.00) × 1.1 = $0.033
        #expect(book.estimateWorstCase(inputTokens: 1000, maxTokens: 1000, model: "claude-opus-4-8", at: now, inferenceGeo: "us") == (try usd("0.033")))
    }

    @Test func everyModelInAPIFactsIsPriced() {
        let expected = ["claude-haiku-4-5", "claude-haiku-5-5", "claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7",
                        "claude-opus-4-8", "claude-opus-5", "claude-opus-5-5", "claude-sonnet-4-5", "claude-sonnet-4-6",
                        "claude-sonnet-5", "claude-sonnet-5-5"]
        #expect(book.modelIDs == expected)
    }
}
