import Foundation
import RouterPolicies
import Testing
@testable import ClaudeRouterEval

@Suite("Eval fixtures")
struct FixtureTests {
    let valid = """
    suite: demo
    cases:
      - id: capital
        task: qa
        prompt: What is the capital of France?
        tags: [qa, geo]
        metadata: { user: u1 }
        expected_output_tokens: 5
        checks:
          - contains: Paris
          - not_contains: [Lyon, Nice]
          - regex: '^paris\\.?$'
          - equals: Paris
          - max_output_tokens: 10
          - max_cost_usd: "0.01"
          - max_latency_ms: 20000
          - expected_tier: haiku
      - id: json
        system: Reply in JSON.
        messages:
          - { role: user, content: Give me a person. }
          - { role: assistant, content: '{"name": "Ada"}' }
          - { role: user, content: Add an age. }
        checks: { json_valid: true, json_fields: [name, age] }
    """

    @Test("Every field and check kind decodes")
    func decodesEverything() throws {
        let suite = try EvalSuite.parse(yaml: valid, file: "demo.yaml")
        #expect(suite.name == "demo")
        #expect(suite.cases.map(\.id) == ["capital", "json"])
        let first = suite.cases[0]
        #expect(first.task == "qa")
        #expect(first.tags == ["qa", "geo"])
        #expect(first.metadata == ["user": "u1"])
        #expect(first.expectedOutputTokens == 5)
        #expect(first.checks.map(\.check.kind) == ["contains", "not_contains", "regex", "equals", "max_output_tokens",
                                                    "max_cost_usd", "max_latency_ms", "expected_tier"])
        #expect(first.checks[0].mark.line == 10)
        let second = suite.cases[1]
        #expect(second.messages.map(\.role) == ["user", "assistant", "user"])
        #expect(second.system == "Reply in JSON.")
        #expect(second.checks.map(\.check.kind) == ["json_valid", "json_fields"])
        #expect(second.routingText == "Reply in JSON.\nGive me a person.\n{\"name\": \"Ada\"}\nAdd an age.")
        #expect(second.routingInput.messageCount == 3)
    }

    @Test("Unknown keys, unknown check kinds and duplicate ids are reported together with carets")
    func errors() {
        let yaml = """
        cases:
          - id: a
            prompt: hi
            tagz: [x]
          - id: a
            prompt: again
            checks:
              - contain: hi
        """
        #expect {
            try EvalSuite.parse(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? PolicyError else { return false }
            let rendered = error.diagnostics.map(\.rendered)
            return rendered.count == 3
                && rendered[0] == "bad.yaml:4:5: error: unknown key 'tagz' in a case; did you mean 'tags'?\n    tagz: [x]\n    ^"
                && rendered[1] == "bad.yaml:8:9: error: unknown check kind 'contain'; did you mean 'contains'?\n      - contain: hi\n        ^"
                && rendered[2].hasPrefix("bad.yaml:5:5: error: duplicate case id 'a'\n  - id: a\n    ^\nbad.yaml:2:5: note: first defined here")
        }
    }

    @Test("A regex outside the safe subset is reported at the offending construct")
    func badRegex() {
        let yaml = """
        cases:
          - id: r
            prompt: hi
            checks:
              - regex: (a)\\1
        """
        #expect {
            try EvalSuite.parse(yaml: yaml, file: "r.yaml")
        } throws: { error in
            guard let diagnostic = (error as? PolicyError)?.diagnostics.first else { return false }
            return diagnostic.mark.line == 5 && diagnostic.mark.column == 19 && diagnostic.message.hasPrefix("invalid regex:")
        }
    }

    @Test("A case needs a prompt or messages, not both; the last message is the user's")
    func promptRules() {
        for yaml in ["cases:\n  - id: x\n", "cases:\n  - id: x\n    prompt: a\n    messages: [{role: user, content: b}]\n",
                     "cases:\n  - id: x\n    messages: [{role: assistant, content: b}]\n"] {
            #expect(throws: PolicyError.self) { try EvalSuite.parse(yaml: yaml, file: "p.yaml") }
        }
    }

    @Test("A directory loads every *.yaml in name order and rejects ids duplicated across files")
    func directory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixtures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "cases:\n  - id: b1\n    prompt: x\n".write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        try "cases:\n  - id: a1\n    prompt: x\n".write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "not a fixture".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let suite = try EvalSuite.load(path: dir.path)
        #expect(suite.cases.map(\.id) == ["a1", "b1"])
        #expect(suite.name == "a+b")
        try "cases:\n  - id: a1\n    prompt: y\n".write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try EvalSuite.load(path: dir.path)
        } throws: { error in
            (error as? PolicyError)?.diagnostics.first?.message == "duplicate case id 'a1'"
        }
    }

    @Test("The bundled starter suite loads: at least 40 cases over every task type")
    func starterSuite() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let suite = try EvalSuite.load(path: root.appendingPathComponent("evals").path)
        #expect(suite.cases.count >= 40)
        let tasks = Set(suite.cases.compactMap(\.task))
        #expect(tasks.isSuperset(of: ["classification", "extraction", "formatting", "summarization", "qa",
                                      "generation", "code-review", "reasoning"]))
        // No mock directives in the starter suite: it must make sense against the real API.
        #expect(!suite.cases.contains { $0.routingText.contains("[[mock:") })
    }
}

@Suite("Check evaluation")
struct CheckEvaluationTests {
    func check(_ yaml: String) throws -> EvalCase {
        try EvalSuite.parse(yaml: "cases:\n  - id: c\n    prompt: p\n    checks:\n" + yaml, file: "c.yaml").cases[0]
    }

    @Test("Text checks pass and fail with a reason")
    func textChecks() throws {
        let item = try check("""
              - contains: [paris, France]
              - not_contains: Lyon
              - regex: 'capital\\s+of'
        """)
        #expect(item.evaluate(CheckSubject(text: "Paris is the capital of FRANCE.")).passed)
        let failed = item.evaluate(CheckSubject(text: "Lyon is a city in France"))
        #expect(failed.failures == ["contains: \"paris\" not found in the reply",
                                    "not_contains: \"Lyon\" found in the reply",
                                    "regex: /capital\\s+of/ does not match the reply"])
    }

    @Test("equals trims whitespace but is otherwise exact")
    func equals() throws {
        let item = try check("      - equals: '86400'\n")
        #expect(item.evaluate(CheckSubject(text: " 86400\n")).passed)
        #expect(item.evaluate(CheckSubject(text: "86,400")).failures == ["equals: expected \"86400\", got \"86,400\""])
    }

    @Test("JSON checks accept a code fence and look into nested objects")
    func json() throws {
        let item = try check("      - json_valid: true\n      - json_fields: [name, address.city]\n")
        #expect(item.evaluate(CheckSubject(text: "```json\n{\"name\": \"A\", \"address\": {\"city\": \"Oslo\"}}\n```")).passed)
        #expect(item.evaluate(CheckSubject(text: "{\"name\": \"A\"}")).failures == ["json_fields: missing \"address.city\""])
        #expect(item.evaluate(CheckSubject(text: "Sure! {\"name\"")).failures
            == ["json_valid: the reply is not valid JSON", "json_fields: the reply is not a JSON object"])
    }

    @Test("Numeric limits, tier; unknown data is skipped, not failed")
    func limits() throws {
        let item = try check("""
              - max_output_tokens: 10
              - max_cost_usd: 0.001
              - max_latency_ms: 500
              - expected_tier: haiku
        """)
        let ok = CheckSubject(text: "x", outputTokens: 10, cost: USDAmount(dollars: "0.001"), latencyMs: 500, tier: "haiku")
        #expect(item.evaluate(ok).passed && item.evaluate(ok).skipped == 0)
        let bad = CheckSubject(text: "x", outputTokens: 11, cost: USDAmount(dollars: "0.0011"), latencyMs: 501, tier: "opus")
        #expect(item.evaluate(bad).failures == ["max_output_tokens: used 11 > 10", "max_cost_usd: cost $0.001100 > $0.001000",
                                                "max_latency_ms: took 501 ms > 500 ms", "expected_tier: routed to 'opus', expected 'haiku'"])
        // A dry run knows only the projected cost and the tier.
        let dry = item.evaluate(CheckSubject(cost: USDAmount(dollars: "0.0005"), tier: "haiku"))
        #expect(dry.passed && dry.skipped == 2)
    }
}
