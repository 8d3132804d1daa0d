@testable import ClaudeRouterEval
import RouterPolicies
import Testing

@Suite("Fixture variables")
struct FixtureVarsTests {
    func parse(_ yaml: String) throws -> EvalSuite { try EvalSuite.parse(yaml: yaml, file: "v.yaml") }

    func diagnostics(_ yaml: String) -> [String] {
        do throws(PolicyError) {
            _ = try EvalSuite.parse(yaml: yaml, file: "v.yaml")
            return []
        } catch {
            return error.diagnostics.map { "\($0.mark): \($0.message)" }
        }
    }

    @Test("Substitution reaches prompts, system, metadata and every check, regexes included")
    func substitution() throws {
        let suite = try parse("""
        cases:
          - id: c
            vars: {word: Paris, n: "3"}
            system: "Answer about {{word}}"
            metadata: {topic: "{{word}}"}
            prompt: "Where is {{ word }}?"
            checks:
              - contains: "{{word}}"
              - regex: '^{{word}} is'
              - not_contains: "{{n}}0"
        """)
        let item = try #require(suite.cases.first)
        #expect(item.id == "c") // no list variable: no matrix, no suffix
        #expect(item.messages.first?.text == "Where is Paris?")
        #expect(item.system == "Answer about Paris" && item.metadata["topic"] == "Paris")
        #expect(item.evaluate(CheckSubject(text: "Paris is in France", outputTokens: 20)).passed)
        let failed = item.evaluate(CheckSubject(text: "It is Paris, 30 km away", outputTokens: 31)).failures
        #expect(failed == ["regex: /^Paris is/ does not match the reply", "not_contains: \"30\" found in the reply"])
    }

    @Test("The matrix is the cartesian product in written order; case vars override suite vars")
    func matrix() throws {
        let suite = try parse("""
        vars: {a: [x, y], b: shared}
        cases:
          - id: m
            vars: {c: ["1", "two words"]}
            prompt: "{{a}}-{{b}}-{{c}}"
          - id: o
            vars: {a: z}
            prompt: "{{a}}{{b}}"
        """)
        #expect(suite.cases.map(\.id) == ["m[a=x,c=1]", "m[a=x,c=two-words]", "m[a=y,c=1]", "m[a=y,c=two-words]", "o"])
        #expect(suite.cases.map { $0.messages[0].text } == ["x-shared-1", "x-shared-two words", "y-shared-1", "y-shared-two words", "zshared"])
    }

    @Test("Unknown variables are reported at their {{, with a suggestion; ids collide loudly")
    func errors() {
        #expect(diagnostics("""
        cases:
          - id: a
            vars: {city: [Rome, Oslo]}
            prompt: plain {{ctiy}} text
            checks:
              - contains: "x {{nope}}"
        """) == ["v.yaml:4:19: unknown variable 'ctiy'; did you mean 'city'?",
                 "v.yaml:6:22: unknown variable 'nope'; expected one of: 'city'"])
        #expect(diagnostics("vars: {y: \"1\"}\ncases:\n  - id: a\n    prompt: \"{{x}}\"\n") == ["v.yaml:4:14: unknown variable 'x'; did you mean 'y'?"])
        #expect(diagnostics("cases:\n  - id: a\n    vars: {v: []}\n    prompt: p\n") == ["v.yaml:3:15: variable 'v' has no values"])
        #expect(diagnostics("cases:\n  - id: a\n    vars: {v: [\"a b\", \"a-b\"]}\n    prompt: \"{{v}}\"\n").first?
            .contains("duplicate case id 'a[v=a-b]'") == true)
    }

    @Test("Text that is not a reference is left alone")
    func notReferences() throws {
        let suite = try parse("cases:\n  - id: a\n    vars: {v: x}\n    prompt: \"{{ not a name }} and {{v}} and {x{y}}\"\n")
        #expect(suite.cases[0].messages[0].text == "{{ not a name }} and x and {x{y}}")
        // Without any variable, {{…}} is literal text.
        let literal = try parse("cases:\n  - id: a\n    prompt: \"Explain {{name}} in Mustache\"\n")
        #expect(literal.cases[0].messages[0].text == "Explain {{name}} in Mustache")
    }
}
