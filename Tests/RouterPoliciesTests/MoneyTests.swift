import Testing
@testable import RouterPolicies

@Suite("USDAmount and ExactDecimal")
struct MoneyTests {
    @Test("parses exact decimal dollars", arguments: [
        ("3", Int64(3_000_000_000_000)),
        ("0.125", 125_000_000_000),
        ("-1.5", -1_500_000_000_000),
        ("+.5", 500_000_000_000),
        ("1.", 1_000_000_000_000),
        (" 2.25 ", 2_250_000_000_000),
        ("0.000000000001", 1),                     // 12 decimals: one picodollar
        ("9223372.036854775807", Int64.max),       // the largest representable amount
    ])
    func parses(text: String, picodollars: Int64) {
        #expect(USDAmount(dollars: text)?.picodollars == picodollars)
    }

    @Test("rejects what is not an exact dollar amount", arguments: [
        "", ".", "-", "1e-3", "NaN", "nan", ".inf", "0.0000000000001", "1.2.3", "1,5", "$3", "9223372.036854775808", "+-1", "１",
    ])
    func rejects(text: String) {
        #expect(USDAmount(dollars: text) == nil)
    }

    @Test func formatsWithHalfAwayFromZeroRounding() {
        #expect(USDAmount(picodollars: 500_000).formatted() == "$0.000001")     // exactly half a micro-dollar rounds up
        #expect(USDAmount(picodollars: 499_999).formatted() == "$0.000000")
        #expect(USDAmount(picodollars: -500_000).formatted() == "-$0.000001")
        #expect(USDAmount(picodollars: -499_999).formatted() == "$0.000000")   // no negative zero
        #expect(USDAmount(picodollars: 1_234_567_890_123).formatted(decimals: 2) == "$1.23")
        #expect(USDAmount(picodollars: 1_995_000_000_000).formatted(decimals: 2) == "$2.00")
        #expect(USDAmount(picodollars: 3_000_000_000_000).formatted(decimals: 0) == "$3")
        #expect(USDAmount(picodollars: 1).formatted(decimals: 12) == "$0.000000000001")
        #expect(USDAmount(picodollars: 12_345_000_000).description == "$0.012345")
    }

    @Test func exactDecimalKeepsEverySignificantDigit() {
        #expect(USDAmount(picodollars: 1_500_000).exactDecimal == "0.0000015")
        #expect(USDAmount(picodollars: 3_000_000_000_000).exactDecimal == "3")
        #expect(USDAmount(picodollars: -50_000_000_000).exactDecimal == "-0.05")
        #expect(USDAmount(picodollars: 0).exactDecimal == "0")
        #expect(USDAmount(picodollars: Int64.min).exactDecimal == "-9223372.036854775808")
    }

    @Test func roundTripsThroughTextAndJSONWithoutDrift() throws {
        // 0.1 + 0.2 is exact here, unlike Double.
        let sum = [USDAmount(dollars: "0.1"), USDAmount(dollars: "0.2")].compactMap { $0 }.sum()
        #expect(sum == USDAmount(dollars: "0.3"))
        #expect(USDAmount(dollars: sum.exactDecimal) == sum)
    }

    @Test func scalesByRationalsRoundingHalfUp() {
        let amount = USDAmount(picodollars: 3)
        #expect(amount.multiplied(by: 1, over: 2) == USDAmount(picodollars: 2))          // 1.5 → 2
        #expect(amount.multiplied(by: 11, over: 10) == USDAmount(picodollars: 3))        // 3.3 → 3
        #expect(USDAmount(picodollars: 5).multiplied(by: 11, over: 10) == USDAmount(picodollars: 6))  // 5.5 → 6
        // 128-bit intermediate: (Int64.max / 2) × 2 / 2 does not overflow.
        let big = USDAmount(picodollars: Int64.max / 2)
        #expect(big.multiplied(by: 2, over: 2) == big)
        #expect(USDAmount(picodollars: Int64.max).multiplied(by: 3, over: 2) == nil)
        #expect(amount.scaled(by: 11, over: 10) == USDAmount(picodollars: 3))
    }

    @Test func convertsPerMillionListPricesToPerTokenRates() {
        #expect(USDAmount(dollars: "3.75")?.perTokenFromPerMillion == USDAmount(picodollars: 3_750_000))
        #expect(USDAmount(dollars: "0.000001")?.perTokenFromPerMillion == USDAmount(picodollars: 1))
        #expect(USDAmount(dollars: "0.0000001")?.perTokenFromPerMillion == nil)  // 7 decimals: not exact
    }

    @Test func exactDecimalParsesAndPrints() throws {
        let geo = try #require(ExactDecimal("1.1"))
        #expect(geo.significand == 11 && geo.denominator == 10)
        #expect(ExactDecimal("0.05")?.description == "0.05")
        #expect(ExactDecimal("-2.500")?.description == "-2.500")
        #expect(ExactDecimal("7")?.description == "7")
        for bad in ["", ".", "1e3", "nan", "1.2.3", "0x10"] { #expect(ExactDecimal(bad) == nil, "\(bad)") }
    }

    @Test func promptTokensCountInputReadsAndWrites() {
        // API-FACTS: "prompt" for a length tier = input + cache reads + cache writes.
        let usage = TokenUsage(input: 1, output: 1000, cacheWrite5m: 20, cacheWrite1h: 300, cacheRead: 4000)
        #expect(usage.promptTokens == 4321)
    }
}
