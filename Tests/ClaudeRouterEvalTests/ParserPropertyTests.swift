import Foundation
import RouterPolicies
import Testing
@testable import ClaudeRouterEval

/// Properties of the fixture and outcome parsers over random inputs (seeded SplitMix64, so a
/// failure reproduces): what is written is what is read back, line numbers point at the line.
@Suite("Fixture and outcome parser properties")
struct ParserPropertyTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let characters = Array("abcXYZ 019 ,.:;!?'\"\\#-[]{}é✓𝄞\t")

    /// Never blank: fixtures refuse a whitespace-only prompt (a checked rule, not this property).
    static func text(_ rng: inout Rng) -> String {
        "p" + String((0..<Int.random(in: 1...30, using: &rng)).map { _ in characters.randomElement(using: &rng)! })
    }

    /// A JSON string literal, which is also a valid YAML double-quoted scalar for these characters.
    static func quoted(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }

    @Test("fixture cases round-trip: ids, prompts and order", arguments: [UInt64(41), 42, 43])
    func fixtureRoundTrip(seed: UInt64) throws {
        var rng = Rng(state: seed)
        for _ in 0..<30 {
            let prompts = (0..<Int.random(in: 1...8, using: &rng)).map { _ in Self.text(&rng) }
            var yaml = "suite: prop\ncases:\n"
            for (index, prompt) in prompts.enumerated() {
                yaml += "  - id: c\(index)\n    prompt: \(try Self.quoted(prompt))\n"
            }
            let suite = try EvalSuite.parse(yaml: yaml, file: "prop.yaml")
            #expect(suite.cases.map(\.id) == prompts.indices.map { "c\($0)" })
            #expect(suite.cases.map { $0.messages.first?.text } == prompts)
        }
    }

    @Test("outcome lines round-trip, and a bad line is reported at its number", arguments: [UInt64(51), 52])
    func outcomesRoundTrip(seed: UInt64) throws {
        var rng = Rng(state: seed)
        for _ in 0..<30 {
            let count = Int.random(in: 1...10, using: &rng)
            var lines: [String] = []
            var expected: [(String, Bool)] = []
            for _ in 0..<count {
                let prompt = Self.text(&rng)
                let passed = Bool.random(using: &rng)
                let object: [String: Any] = ["prompt": prompt, "passed": ["haiku": passed]]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
                expected.append((prompt, passed))
            }
            let records = try OutcomesFile.parse(Array(lines.joined(separator: "\n").utf8), file: "o.jsonl")
            #expect(records.map(\.text) == expected.map(\.0))
            #expect(records.map { $0.passed["haiku"] } == expected.map(\.1))
            #expect(records.map(\.line) == Array(1...count))

            let bad = Int.random(in: 0..<count, using: &rng)
            var broken = lines
            broken[bad] = "{\"prompt\": 1, \"passed\": {\"haiku\": true}}"
            do {
                _ = try OutcomesFile.parse(Array(broken.joined(separator: "\n").utf8), file: "o.jsonl")
                Issue.record("a bad line was accepted")
            } catch {
                #expect(error.messages.first?.hasPrefix("o.jsonl:\(bad + 1): error:") == true)
            }
        }
    }
}
