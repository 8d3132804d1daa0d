import Foundation
import Testing
@testable import RouterPolicies

@Suite("PriceBook files")
struct PricingBookTests {
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures/prices"))
    }

    static func fixtureText(_ name: String) throws -> String {
        try String(contentsOf: fixture(name), encoding: .utf8)
    }

    /// The repository root, three levels above this file (Tests/RouterPoliciesTests/…).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func bundledPricesLoadFromTheEmbeddedFile() throws {
        let book = try PriceBook.load(file: "<bundled>/prices.yaml")
        #expect(book.modelIDs == PriceBook.bundledDefault.modelIDs)
        #expect(throws: PolicyError.self) { try PriceBook.load(file: "<bundled>/missing.yaml") }
    }

    @Test func policiesPricesYAMLLoadsFromDisk() throws {
        let path = Self.repositoryRoot.appendingPathComponent("policies/prices.yaml").path
        let book = try PriceBook.load(file: path)
        #expect(book.modelIDs == PriceBook.bundledDefault.modelIDs)
        #expect(book.file == path)
    }

    @Test func missingFileIsAClearError() {
        #expect {
            try PriceBook.load(file: "/nonexistent/prices.yaml")
        } throws: { error in
            (error as? PolicyError)?.description.hasPrefix("/nonexistent/prices.yaml: error: cannot read the price file: no such file") == true
        }
    }

    @Test func brokenFileReportsEveryProblemWithItsPlace() throws {
        let text = try Self.fixtureText("broken")
        do throws(PolicyError) {
            _ = try PriceBook.parse(yaml: text, file: "broken.yaml")
            Issue.record("broken.yaml parsed")
        } catch {
            #expect(error.description == """
                broken.yaml:1:17: error: expected a batch discount below 1 (0.5 = 50% off), found 1.5
                batch_discount: 1.5
                                ^
                broken.yaml:3:7: error: expected a decimal number, found .nan (NaN and infinity are not allowed)
                  us: .nan
                      ^
                broken.yaml:14:9: error: unknown key 'inptu' in a price entry; did you mean 'input'?
                        inptu: 1
                        ^
                broken.yaml:9:16: error: expected a non-negative dollar amount, found -1
                        input: -1
                               ^
                broken.yaml:12:21: error: price 0.1234567 has more than 6 decimals in USD per million tokens, so it is not a whole number of picodollars per token
                        cache_read: 0.1234567
                                    ^
                broken.yaml:23:17: error: expected a dollar amount, found .nan (NaN and infinity are not allowed)
                        output: .nan
                                ^
                broken.yaml:37:34: error: above_prompt_tokens 100000 must be greater than the previous tier's 200000
                          - above_prompt_tokens: 100000
                                                 ^
                broken.yaml:24:25: error: effective_from 2026-01-15 is earlier than the previous entry's 2026-02-01: list prices in increasing date order
                      - effective_from: 2026-01-15
                                        ^
                broken.yaml:18:25: note: the previous entry's date
                      - effective_from: 2026-02-01
                                        ^
                broken.yaml:16:15: error: 'claude-shared' cannot be an alias of 'claude-b': it already names 'claude-a'
                    aliases: [claude-shared, claude-a]
                              ^
                broken.yaml:6:15: note: 'claude-shared' is first used here
                    aliases: [claude-shared]
                              ^
                broken.yaml:16:30: error: 'claude-a' cannot be an alias of 'claude-b': it already names 'claude-a'
                    aliases: [claude-shared, claude-a]
                                             ^
                broken.yaml:5:3: note: 'claude-a' is first used here
                  claude-a:
                  ^
                broken.yaml:45:9: error: missing required key 'output' in a price entry
                      - effective_from: 2026-13-01
                        ^
                broken.yaml:45:25: error: expected a date written YYYY-MM-DD, found the string "2026-13-01"
                      - effective_from: 2026-13-01
                                        ^
                """)
        }
    }

    @Test("small broken books", arguments: [
        ("models: {}\nextra: 1\n", """
            p.yaml:2:1: error: unknown key 'extra' in the price file; expected one of: 'models', 'batch_discount', 'inference_geo', 'server_tools'
            extra: 1
            ^
            """),
        ("batch_discount: 0.5\n", """
            p.yaml:1:1: error: missing required key 'models' in the price file
            batch_discount: 0.5
            ^
            """),
        ("models:\n  m:\n    prices: []\n", """
            p.yaml:3:13: error: model 'm' needs at least one price entry
                prices: []
                        ^
            """),
        ("models:\n  m:\n    prices:\n      - {effective_from: 2026-01-01, input: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1}\n      - {effective_from: 2026-01-01, input: 2, cache_write_5m: 2, cache_write_1h: 2, cache_read: 2, output: 2}\n", """
            p.yaml:5:26: error: effective_from 2026-01-01 repeats the previous entry's 2026-01-01: list prices in increasing date order
                  - {effective_from: 2026-01-01, input: 2, cache_write_5m: 2, cache_write_1h: 2, cache_read: 2, output: 2}
                                     ^
            p.yaml:4:26: note: the previous entry's date
                  - {effective_from: 2026-01-01, input: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1}
                                     ^
            """),
        ("models:\n  m:\n    prices:\n      - {effective_from: 2026-01-01, input: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1, tiers: [{above_prompt_tokens: 0, input: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1}]}\n", """
            p.yaml:4:142: error: expected an integer from 1 to 2147483647, found 0
                  - {effective_from: 2026-01-01, input: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1, tiers: [{above_prompt_tokens: 0, input: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1}]}
                                                                                                                                                         ^
            """),
    ])
    func smallBrokenBooks(yaml: String, expected: String) {
        #expect(throws: PolicyError.self) { try PriceBook.parse(yaml: yaml, file: "p.yaml") }
        do throws(PolicyError) {
            _ = try PriceBook.parse(yaml: yaml, file: "p.yaml")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func aliasesAndDatedAliasesResolve() throws {
        let book = try PriceBook.load(file: Self.fixture("aliases").path)
        for name in ["claude-tiny", "tiny", "claude-tiny-latest", "tiny-20260101", "claude-tiny-20261231"] {
            #expect(book.canonicalModelID(for: name) == "claude-tiny", "\(name)")
        }
        #expect(book.canonicalModelID(for: "tin") == nil)
        #expect(book.inferenceGeoMultipliers["eu"]?.description == "1.25")
    }

    @Test func multipliersRoundHalfUpPerCategory() throws {
        let book = try PriceBook.load(file: Self.fixture("aliases").path)
        let at = try #require(ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z"))
        // claude-tiny costs 1 picodollar per input token and 5 per output token.
        // batch: input 3 × 1 × 0.5 = 1.5 → 2; output 1 × 5 × 0.5 = 2.5 → 3; total 5 pico
        let batch = try #require(book.cost(of: TokenUsage(input: 3, output: 1), model: "tiny", at: at, batch: true))
        #expect(batch.input.picodollars == 2 && batch.output.picodollars == 3 && batch.total.picodollars == 5)
        // us: output 1 × 5 × 1.1 = 5.5 → 6
        #expect(book.cost(of: TokenUsage(output: 1), model: "tiny", at: at, inferenceGeo: "us")?.total.picodollars == 6)
        // batch + eu = × 0.625: input 1 → 0.625 → 1; output 1 × 5 → 3.125 → 3; 1h write 1 × 3 → 1.875 → 2
        let stacked = try #require(book.cost(of: TokenUsage(input: 1, output: 1, cacheWrite1h: 1), model: "tiny", at: at,
                                             batch: true, inferenceGeo: "eu"))
        #expect([stacked.input, stacked.output, stacked.cacheWrite1h].map(\.picodollars) == [1, 3, 2])
        #expect(stacked.multiplier == "0.625")
        // A quoted "0" cache read price is a real $0 price, not "unpriced".
        #expect(book.cost(of: TokenUsage(cacheRead: 1000), model: "tiny", at: at)?.total == .zero)
    }

    @Test func severalTiersPickTheHighestExceededThreshold() throws {
        let book = try PriceBook.load(file: Self.fixture("aliases").path)
        let at = try #require(ISO8601DateFormatter().date(from: "2026-06-01T00:00:00Z"))
        func inputCost(_ tokens: Int) -> Int64 { book.cost(of: TokenUsage(input: tokens), model: "claude-big", at: at)?.total.picodollars ?? -1 }
        #expect(inputCost(1000) == 10_000_000_000)       // 1000 ≤ 1000: 1000 × $10/MTok = 1000 × 10e6 pico
        #expect(inputCost(1001) == 20_020_000_000)       // > 1000: 1001 × 20e6 pico
        #expect(inputCost(10_000) == 200_000_000_000)    // 10000 × 20e6 pico
        #expect(inputCost(10_001) == 300_030_000_000)    // > 10_000 (written 10_000 in YAML): 10001 × 30e6 pico
        #expect(book.price(for: "claude-big", at: at)?.tiers.map(\.abovePromptTokens) == [1000, 10_000])
    }
}
