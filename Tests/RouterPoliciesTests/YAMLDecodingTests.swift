import Foundation
import Testing
@testable import RouterPolicies

private enum OnLimit: String, CaseIterable { case reject, downgrade }

/// A small schema decoded with every accessor, to check the collected diagnostics.
private struct Sample {
    var model: String?
    var maxTokens: Int?
    var weight: Double?
    var threshold: Double?
    var enabled: Bool?
    var onLimit: OnLimit?
    var budget: USDAmount?
    var tiers: [YAMLNode]?
    var count: Int?
    var price: USDAmount?

    static func decode(_ text: String) throws(PolicyError) -> Sample {
        let context = try YAMLDecodingContext(text: text, file: "t.yaml")
        guard let root = context.mapping(context.root, required: ["model", "name"], optional: [
            "max_tokens", "weight", "threshold", "enabled", "on_limit", "budget", "tiers", "count", "price",
        ], what: "the test file") else {
            try context.finish()
            return Sample()
        }
        var sample = Sample()
        sample.model = root["model"].flatMap(context.string)
        sample.maxTokens = root["max_tokens"].flatMap { context.int($0, in: 1...1_000_000) }
        sample.weight = root["weight"].flatMap { context.double($0) }
        sample.threshold = root["threshold"].flatMap(context.probability)
        sample.enabled = root["enabled"].flatMap(context.bool)
        sample.onLimit = root["on_limit"].flatMap { context.enumValue($0, as: OnLimit.self) }
        sample.budget = root["budget"].flatMap(context.usd)
        sample.tiers = root["tiers"].flatMap(context.sequence)
        sample.count = root["count"].flatMap { context.int($0, in: 1...1000) }
        sample.price = root["price"].flatMap(context.usd)
        try context.finish()
        return sample
    }
}

@Suite("YAML decoding context")
struct YAMLDecodingTests {
    @Test func decodesGoodValues() throws {
        let sample = try Sample.decode("""
            name: demo
            model: 42
            max_tokens: 100_000
            weight: -2.5e1
            threshold: 0.75
            enabled: true
            on_limit: downgrade
            budget: "12.345678901234"
            tiers: []
            count: 0x10
            price: 3
            """)
        #expect(sample.model == "42")
        #expect(sample.maxTokens == 100_000)
        #expect(sample.weight == -25)
        #expect(sample.threshold == 0.75)
        #expect(sample.enabled == true)
        #expect(sample.onLimit == .downgrade)
        #expect(sample.budget == USDAmount(picodollars: 12_345_678_901_234))
        #expect(sample.tiers?.isEmpty == true)
        #expect(sample.count == 16)
        #expect(sample.price == USDAmount(picodollars: 3_000_000_000_000))
    }

    @Test func collectsEveryErrorWithItsPlace() {
        let text = """
            model: claude-haiku-4-5
            max_tokens: "1000"
            weight: .nan
            threshold: 1.5
            enabled: yes
            on_limit: rejct
            budget: -3
            modle: x
            tiers: {a: 1}
            count: 5000
            price: 1e-3
            zzz: 1
            """
        #expect(throws: PolicyError.self) { try Sample.decode(text) }
        do throws(PolicyError) {
            _ = try Sample.decode(text)
        } catch {
            #expect(error.diagnostics.count == 12)
            #expect(error.description == """
                t.yaml:8:1: error: unknown key 'modle' in the test file; did you mean 'model'?
                modle: x
                ^
                t.yaml:12:1: error: unknown key 'zzz' in the test file; expected one of: 'model', 'name', 'max_tokens', 'weight', 'threshold', 'enabled', 'on_limit', 'budget', 'tiers', 'count', 'price'
                zzz: 1
                ^
                t.yaml:1:1: error: missing required key 'name' in the test file
                model: claude-haiku-4-5
                ^
                t.yaml:2:13: error: expected an integer from 1 to 1000000, found the quoted string "1000"
                max_tokens: "1000"
                            ^
                t.yaml:3:9: error: expected a number, found .nan (NaN and infinity are not allowed)
                weight: .nan
                        ^
                t.yaml:4:12: error: expected a probability from 0 to 1, found 1.5
                threshold: 1.5
                           ^
                t.yaml:5:10: error: expected true or false, found the string "yes"
                enabled: yes
                         ^
                t.yaml:6:11: error: unknown value 'rejct' (expected one of: 'reject', 'downgrade'); did you mean 'reject'?
                on_limit: rejct
                          ^
                t.yaml:7:9: error: expected a non-negative dollar amount, found -3
                budget: -3
                        ^
                t.yaml:9:8: error: expected a sequence, found a mapping
                tiers: {a: 1}
                       ^
                t.yaml:10:8: error: expected an integer from 1 to 1000, found 5000
                count: 5000
                       ^
                t.yaml:11:8: error: expected a dollar amount such as 0.25 with at most 12 decimals, found the number 1e-3 (write it without an exponent, e.g. 0.0015)
                price: 1e-3
                       ^
                """)
        }
    }

    @Test func wrongTypesNameWhatWasFound() throws {
        let context = try YAMLDecodingContext(text: "a: {x: 1}\nb: [1]\nc:\nd: 1.5\ne: inf\n", file: "t.yaml")
        let root = try #require(context.mapping(context.root))
        #expect(root["a"].flatMap { context.double($0) } == nil)
        #expect(root["b"].flatMap(context.string) == nil)
        #expect(root["c"].flatMap { context.int($0) } == nil)
        #expect(root["d"].flatMap { context.int($0) } == nil)
        #expect(root["e"].flatMap { context.usd($0) } == nil)
        #expect(context.diagnostics.map(\.message) == [
            "expected a number, found a mapping",
            "expected a string, found a sequence",
            "expected an integer, found an empty value",
            "expected an integer, found the number 1.5",
            "expected a dollar amount, found inf (NaN and infinity are not allowed)",
        ])
        #expect(throws: PolicyError.self) { try context.finish() }
    }

    @Test func tabsInTheSourceLineKeepTheCaretAligned() {
        let diagnostic = Diagnostic(mark: SourceMark(file: "f.yaml", line: 3, column: 4), message: "bad", sourceLine: "\tx:\ty")
        #expect(diagnostic.rendered == "f.yaml:3:4: error: bad\n\tx:\ty\n\t  ^")
        let wholeFile = Diagnostic(mark: .wholeFile("f.yaml"), message: "cannot read")
        #expect(wholeFile.rendered == "f.yaml: error: cannot read")
    }

    @Test func editDistanceCountsSwapsAsOneEdit() {
        #expect(YAMLDecodingContext.editDistance("modle", "model") == 1)
        #expect(YAMLDecodingContext.editDistance("inptu", "input") == 1)
        #expect(YAMLDecodingContext.editDistance("kitten", "sitting") == 3)
        #expect(YAMLDecodingContext.editDistance("", "abc") == 3)
        #expect(YAMLDecodingContext.suggestion(for: "cache_raed", among: ["cache_read", "cache_write_5m"]) == "; did you mean 'cache_read'?")
        #expect(YAMLDecodingContext.suggestion(for: "xyz", among: ["input", "output"]) == "; expected one of: 'input', 'output'")
    }
}
