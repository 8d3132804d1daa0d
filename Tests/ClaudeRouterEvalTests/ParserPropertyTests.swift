import Foundation
import PropertyBased
import RouterPolicies
import Testing
@testable import ClaudeRouterEval

/// Properties of the fixture and outcome parsers over random inputs (swift-property-based: a
/// failure prints the shrunk input and a `.fixedSeed(…)` trait that reproduces it): what is
/// written is what is read back, line numbers point at the line.
@Suite("Fixture and outcome parser properties")
struct ParserPropertyTests {
    static let characters = Array("abcXYZ 019 ,.:;!?'\"\\#-[]{}é✓𝄞\t")

    /// Never blank: fixtures refuse a whitespace-only prompt (a checked rule, not this property).
    static let text = Gen.int(in: 0..<characters.count).array(of: 1...30).map { indices in
        "p" + String(indices.map { characters[$0] })
    }

    /// A JSON string literal, which is also a valid YAML double-quoted scalar for these characters.
    static func quoted(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }

    @Test("fixture cases round-trip: ids, prompts and order")
    func fixtureRoundTrip() async {
        await propertyCheck(count: 90, input: Self.text.array(of: 1...8)) { prompts in
            var yaml = "suite: prop\ncases:\n"
            for (index, prompt) in prompts.enumerated() {
                yaml += "  - id: c\(index)\n    prompt: \(try Self.quoted(prompt))\n"
            }
            let suite = try EvalSuite.parse(yaml: yaml, file: "prop.yaml")
            #expect(suite.cases.map(\.id) == prompts.indices.map { "c\($0)" })
            #expect(suite.cases.map { $0.messages.first?.text } == prompts)
        }
    }

    @Test("outcome lines round-trip, and a bad line is reported at its number")
    func outcomesRoundTrip() async {
        // The second input picks the line to break (modulo the line count).
        await propertyCheck(count: 60, input: zip(Self.text, Gen.bool).array(of: 1...10), Gen.int(in: 0...9)) { expected, pick in
            let count = expected.count
            let lines = try expected.map { prompt, passed in
                let object: [String: Any] = ["prompt": prompt, "passed": ["haiku": passed]]
                return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            }
            let records = try OutcomesFile.parse(Array(lines.joined(separator: "\n").utf8), file: "o.jsonl")
            #expect(records.map(\.text) == expected.map(\.0))
            #expect(records.map { $0.passed["haiku"] } == expected.map(\.1))
            #expect(records.map(\.line) == Array(1...count))

            let bad = pick % count
            var broken = lines
            broken[bad] = "{\"prompt\": 1, \"passed\": {\"haiku\": true}}"
            do throws(OutcomesError) {
                _ = try OutcomesFile.parse(Array(broken.joined(separator: "\n").utf8), file: "o.jsonl")
                Issue.record("a bad line was accepted")
            } catch {
                #expect(error.messages.first?.hasPrefix("o.jsonl:\(bad + 1): error:") == true)
            }
        }
    }
}
