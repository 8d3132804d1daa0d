import Foundation
import RouterPolicies
import Testing

/// A minimal valid policy; broken cases replace or append lines. Line numbers in the expected
/// diagnostics follow this layout (line 1 = `name:`).
let minimalPolicy = """
name: t
tiers:
  - { name: small, model: m-small, context_window: 1000, max_output_tokens: 100 }
  - { name: large, model: m-large, context_window: 5000, max_output_tokens: 500 }
tasks:
  qa: { min_tier: small }
classifier: { fallback_task: qa }

"""

/// The minimal policy with `old` replaced by `new` (which must occur).
func brokenPolicy(replacing old: String, with new: String) -> String {
    precondition(minimalPolicy.contains(old), "fixture text not found: \(old)")
    return minimalPolicy.replacingOccurrences(of: old, with: new)
}

/// The rendered diagnostics of a policy that must fail to load.
func renderedErrors(_ yaml: String, file: String = "broken.yaml") -> String {
    do {
        _ = try Policy.parse(yaml: yaml, file: file)
        return "<no error>"
    } catch {
        return error.description
    }
}

struct BrokenCase: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var expected: String
    var testDescription: String { name }
}

/// Each case is one kind of mistake; `expected` is the full rendered output.
let brokenCases: [BrokenCase] = [
    BrokenCase(name: "unknown top-level key with suggestion",
               yaml: minimalPolicy + "tresholds: { small: 0 }\n", expected: ""),
    BrokenCase(name: "unknown tier key with suggestion",
               yaml: brokenPolicy(replacing: "context_window: 1000,", with: "context_windw: 1000,"), expected: ""),
    BrokenCase(name: "wrong type for an integer",
               yaml: brokenPolicy(replacing: "context_window: 5000", with: "context_window: big"), expected: ""),
    BrokenCase(name: "negative token limit",
               yaml: brokenPolicy(replacing: "max_output_tokens: 500", with: "max_output_tokens: -5"), expected: ""),
    BrokenCase(name: "max output above context window",
               yaml: brokenPolicy(replacing: "max_output_tokens: 500", with: "max_output_tokens: 9000"), expected: ""),
    BrokenCase(name: "threshold above 1",
               yaml: minimalPolicy + "thresholds: { small: 0, large: 1.5 }\n", expected: ""),
    BrokenCase(name: "threshold NaN",
               yaml: minimalPolicy + "thresholds: { small: 0, large: .nan }\n", expected: ""),
    BrokenCase(name: "thresholds not ascending",
               yaml: minimalPolicy + "thresholds: { small: 0.5, large: 0.2 }\n", expected: ""),
    BrokenCase(name: "undefined tier referenced by a task",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { tier: larg }"), expected: ""),
    BrokenCase(name: "undefined fallback task",
               yaml: brokenPolicy(replacing: "fallback_task: qa", with: "fallback_task: q"), expected: ""),
    BrokenCase(name: "task with no route",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { max_tokens: 50 }"), expected: ""),
    BrokenCase(name: "task with an empty value",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa:"), expected: ""),
    BrokenCase(name: "duplicate tier name",
               yaml: brokenPolicy(replacing: "name: large", with: "name: small"), expected: ""),
    BrokenCase(name: "min tier above max tier",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: large, max_tier: small }"),
               expected: ""),
    BrokenCase(name: "tier together with a range",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { tier: small, max_tier: large }"),
               expected: ""),
    BrokenCase(name: "max_tokens above the tier's max output",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: small, max_tokens: 200 }"),
               expected: ""),
    BrokenCase(name: "escalation path not ascending",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: small, escalation: [large, small] }"),
               expected: ""),
    BrokenCase(name: "unsupported regex construct, caret inside the pattern",
               yaml: minimalPolicy.replacingOccurrences(of: "classifier: { fallback_task: qa }",
                                                        with: "classifier:\n  fallback_task: qa\n  rules:\n    - { task: qa, patterns: ['ab(?=c)'] }"),
               expected: ""),
    BrokenCase(name: "unbalanced regex in a plain scalar",
               yaml: minimalPolicy + "signals:\n  trace: { kind: patterns, patterns: [ab(c], full_at: 1 }\n", expected: ""),
    BrokenCase(name: "classifier rule without keywords or patterns",
               yaml: minimalPolicy.replacingOccurrences(of: "classifier: { fallback_task: qa }",
                                                        with: "classifier:\n  fallback_task: qa\n  rules:\n    - { task: qa, weight: 2 }"),
               expected: ""),
    BrokenCase(name: "unknown signal without kind",
               yaml: minimalPolicy + "signals:\n  reasonin: { weight: 3 }\n", expected: ""),
    BrokenCase(name: "invalid signal kind",
               yaml: minimalPolicy + "signals:\n  legal: { kind: keyword, keywords: [contract] }\n", expected: ""),
    BrokenCase(name: "negative signal weight",
               yaml: minimalPolicy + "signals:\n  code: { weight: -1 }\n", expected: ""),
    BrokenCase(name: "variant weights sum to zero",
               yaml: minimalPolicy + "variants:\n  assign_by: user\n  arms:\n    - { name: a, weight: 0 }\n    - { name: b, weight: 0 }\n",
               expected: ""),
    BrokenCase(name: "variant override of an undefined task",
               yaml: minimalPolicy + "variants:\n  assign_by: user\n  arms:\n    - name: a\n      weight: 1\n      overrides: { tasks: { summary: { tier: small } } }\n",
               expected: ""),
    BrokenCase(name: "escalation steps out of range",
               yaml: minimalPolicy + "escalation: { max_steps: 5 }\n", expected: ""),
    BrokenCase(name: "unknown escalation trigger",
               yaml: minimalPolicy + "escalation: { on: [refusal, timeout] }\n", expected: ""),
    BrokenCase(name: "negative hard budget",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: global, period: day, hard_usd: \"-5\" }\n", expected: ""),
    BrokenCase(name: "NaN budget",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: global, period: day, hard_usd: .nan }\n", expected: ""),
    BrokenCase(name: "soft budget above hard",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: global, period: day, soft_usd: 9, hard_usd: 5 }\n", expected: ""),
    BrokenCase(name: "unknown budget scope and period",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: team, period: week, hard_usd: 5 }\n", expected: ""),
    BrokenCase(name: "rule without action",
               yaml: minimalPolicy + "rules:\n  - { name: r, when: { task: qa }, then: {} }\n", expected: ""),
    BrokenCase(name: "rule with undefined tier and task",
               yaml: minimalPolicy + "rules:\n  - { name: r, when: { task: [qa, chat] }, then: { min_tier: medium } }\n", expected: ""),
    BrokenCase(name: "duplicate rule names",
               yaml: minimalPolicy + "rules:\n  - { name: r, then: { tier: small } }\n  - { name: r, then: { tier: large } }\n", expected: ""),
    BrokenCase(name: "rule score range inverted",
               yaml: minimalPolicy + "rules:\n  - { name: r, when: { score: { min: 0.8, max: 0.2 } }, then: { tier: large } }\n", expected: ""),
    BrokenCase(name: "undefined baseline tier",
               yaml: minimalPolicy + "baseline_tier: opus\n", expected: ""),
    BrokenCase(name: "missing required section",
               yaml: brokenPolicy(replacing: "classifier: { fallback_task: qa }\n", with: ""), expected: ""),
    BrokenCase(name: "YAML syntax error",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: small"), expected: ""),
]

@Suite("Broken policies report located, rendered errors")
struct PolicyBrokenTests {
    @Test(arguments: brokenCases)
    func brokenPolicyIsRejected(_ testCase: BrokenCase) {
        #expect(renderedErrors(testCase.yaml) == testCase.expected)
    }
}
