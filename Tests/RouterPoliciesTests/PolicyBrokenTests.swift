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
               yaml: minimalPolicy + "tresholds: { small: 0 }\n", expected: """
                 broken.yaml:8:1: error: unknown key 'tresholds' in policy; did you mean 'thresholds'?
                 tresholds: { small: 0 }
                 ^
                 """),
    BrokenCase(name: "unknown tier key with suggestion",
               yaml: brokenPolicy(replacing: "context_window: 1000,", with: "context_windw: 1000,"), expected: """
                 broken.yaml:3:36: error: unknown key 'context_windw' in tier; did you mean 'context_window'?
                   - { name: small, model: m-small, context_windw: 1000, max_output_tokens: 100 }
                                                    ^
                 broken.yaml:3:5: error: missing required key 'context_window' in tier
                   - { name: small, model: m-small, context_windw: 1000, max_output_tokens: 100 }
                     ^
                 """),
    BrokenCase(name: "wrong type for an integer",
               yaml: brokenPolicy(replacing: "context_window: 5000", with: "context_window: big"), expected: """
                 broken.yaml:4:52: error: expected an integer from 1 to 2147483647, found the string "big"
                   - { name: large, model: m-large, context_window: big, max_output_tokens: 500 }
                                                                    ^
                 """),
    BrokenCase(name: "negative token limit",
               yaml: brokenPolicy(replacing: "max_output_tokens: 500", with: "max_output_tokens: -5"), expected: """
                 broken.yaml:4:77: error: expected an integer from 1 to 2147483647, found -5
                   - { name: large, model: m-large, context_window: 5000, max_output_tokens: -5 }
                                                                                             ^
                 """),
    BrokenCase(name: "max output above context window",
               yaml: brokenPolicy(replacing: "max_output_tokens: 500", with: "max_output_tokens: 9000"), expected: """
                 broken.yaml:4:77: error: max_output_tokens 9000 exceeds the context window 5000
                   - { name: large, model: m-large, context_window: 5000, max_output_tokens: 9000 }
                                                                                             ^
                 """),
    BrokenCase(name: "threshold above 1",
               yaml: minimalPolicy + "thresholds: { small: 0, large: 1.5 }\n", expected: """
                 broken.yaml:8:32: error: expected a probability from 0 to 1, found 1.5
                 thresholds: { small: 0, large: 1.5 }
                                                ^
                 """),
    BrokenCase(name: "threshold NaN",
               yaml: minimalPolicy + "thresholds: { small: 0, large: .nan }\n", expected: """
                 broken.yaml:8:32: error: expected a probability from 0 to 1, found .nan (NaN and infinity are not allowed)
                 thresholds: { small: 0, large: .nan }
                                                ^
                 """),
    BrokenCase(name: "thresholds not ascending",
               yaml: minimalPolicy + "thresholds: { small: 0.5, large: 0.2 }\n", expected: """
                 broken.yaml:8:34: error: threshold 0.2 for 'large' is below the 0.5 of 'small'; thresholds must ascend with the tiers
                 thresholds: { small: 0.5, large: 0.2 }
                                                  ^
                 """),
    BrokenCase(name: "undefined tier referenced by a task",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { tier: larg }"), expected: """
                 broken.yaml:6:15: error: unknown tier 'larg'; did you mean 'large'?
                   qa: { tier: larg }
                               ^
                 """),
    BrokenCase(name: "undefined fallback task",
               yaml: brokenPolicy(replacing: "fallback_task: qa", with: "fallback_task: q"), expected: """
                 broken.yaml:7:30: error: unknown task 'q'; did you mean 'qa'?
                 classifier: { fallback_task: q }
                                              ^
                 """),
    BrokenCase(name: "task with no route",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { max_tokens: 50 }"), expected: """
                 broken.yaml:6:7: error: task 'qa' has no route: give 'tier', or 'min_tier'/'max_tier'
                   qa: { max_tokens: 50 }
                       ^
                 """),
    BrokenCase(name: "task with an empty value",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa:"), expected: """
                 broken.yaml:6:3: error: task 'qa' has no route: give 'tier', or 'min_tier'/'max_tier'
                   qa:
                   ^
                 """),
    BrokenCase(name: "duplicate tier name",
               yaml: brokenPolicy(replacing: "name: large", with: "name: small"), expected: """
                 broken.yaml:4:13: error: duplicate tier 'small'
                   - { name: small, model: m-large, context_window: 5000, max_output_tokens: 500 }
                             ^
                 broken.yaml:3:13: note: first defined here
                   - { name: small, model: m-small, context_window: 1000, max_output_tokens: 100 }
                             ^
                 """),
    BrokenCase(name: "min tier above max tier",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: large, max_tier: small }"),
               expected: """
                 broken.yaml:6:19: error: min_tier 'large' is above max_tier 'small'
                   qa: { min_tier: large, max_tier: small }
                                   ^
                 """),
    BrokenCase(name: "tier together with a range",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { tier: small, max_tier: large }"),
               expected: """
                 broken.yaml:6:32: error: task 'qa' gives both 'tier' and a tier range; use one or the other
                   qa: { tier: small, max_tier: large }
                                                ^
                 """),
    BrokenCase(name: "max_tokens above the tier's max output",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: small, max_tokens: 200 }"),
               expected: """
                 broken.yaml:6:38: error: max_tokens 200 exceeds max_output_tokens 100 of tier 'small'
                   qa: { min_tier: small, max_tokens: 200 }
                                                      ^
                 """),
    BrokenCase(name: "escalation path not ascending",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: small, escalation: [large, small] }"),
               expected: """
                 broken.yaml:6:46: error: escalation path must list tiers in ascending order without repeats; 'small' comes after 'large'
                   qa: { min_tier: small, escalation: [large, small] }
                                                              ^
                 """),
    BrokenCase(name: "unsupported regex construct, caret inside the pattern",
               yaml: minimalPolicy.replacingOccurrences(of: "classifier: { fallback_task: qa }",
                                                        with: "classifier:\n  fallback_task: qa\n  rules:\n    - { task: qa, patterns: ['ab(?=c)'] }"),
               expected: """
                 broken.yaml:10:33: error: invalid regular expression: lookahead is not supported
                     - { task: qa, patterns: ['ab(?=c)'] }
                                                 ^
                 """),
    BrokenCase(name: "unbalanced regex in a plain scalar",
               yaml: minimalPolicy + "signals:\n  trace: { kind: patterns, patterns: [ab(c], full_at: 1 }\n", expected: """
                 broken.yaml:9:41: error: invalid regular expression: missing ')' for this group
                   trace: { kind: patterns, patterns: [ab(c], full_at: 1 }
                                                         ^
                 """),
    BrokenCase(name: "classifier rule without keywords or patterns",
               yaml: minimalPolicy.replacingOccurrences(of: "classifier: { fallback_task: qa }",
                                                        with: "classifier:\n  fallback_task: qa\n  rules:\n    - { task: qa, weight: 2 }"),
               expected: """
                 broken.yaml:10:7: error: classifier rule needs 'keywords', 'patterns' or 'markers'
                     - { task: qa, weight: 2 }
                       ^
                 """),
    BrokenCase(name: "unknown signal without kind",
               yaml: minimalPolicy + "signals:\n  reasonin: { weight: 3 }\n", expected: """
                 broken.yaml:9:3: error: signal 'reasonin' is not built in, so it needs a 'kind'; did you mean 'reasoning'?
                   reasonin: { weight: 3 }
                   ^
                 """),
    BrokenCase(name: "invalid signal kind",
               yaml: minimalPolicy + "signals:\n  legal: { kind: keyword, keywords: [contract] }\n", expected: """
                 broken.yaml:9:18: error: unknown value 'keyword' (expected one of: 'input_size', 'keywords', 'patterns', 'structure', 'questions', 'constraints', 'attachments', 'tools', 'conversation_depth', 'code'); did you mean 'keywords'?
                   legal: { kind: keyword, keywords: [contract] }
                                  ^
                 """),
    BrokenCase(name: "negative signal weight",
               yaml: minimalPolicy + "signals:\n  code: { weight: -1 }\n", expected: """
                 broken.yaml:9:19: error: expected a number from 0 to 1000, found -1
                   code: { weight: -1 }
                                   ^
                 """),
    BrokenCase(name: "variant weights sum to zero",
               yaml: minimalPolicy + "variants:\n  assign_by: user\n  arms:\n    - { name: a, weight: 0 }\n    - { name: b, weight: 0 }\n",
               expected: """
                 broken.yaml:11:5: error: variant weights must sum to a positive number
                     - { name: a, weight: 0 }
                     ^
                 """),
    BrokenCase(name: "variant override of an undefined task",
               yaml: minimalPolicy + "variants:\n  assign_by: user\n  arms:\n    - name: a\n      weight: 1\n      overrides: { tasks: { summary: { tier: small } } }\n",
               expected: """
                 broken.yaml:13:29: error: unknown task 'summary'; expected one of: 'qa'
                       overrides: { tasks: { summary: { tier: small } } }
                                             ^
                 """),
    BrokenCase(name: "escalation steps out of range",
               yaml: minimalPolicy + "escalation: { max_steps: 5 }\n", expected: """
                 broken.yaml:8:26: error: expected an integer from 0 to 1, found 5
                 escalation: { max_steps: 5 }
                                          ^
                 """),
    BrokenCase(name: "unknown escalation trigger",
               yaml: minimalPolicy + "escalation: { on: [refusal, timeout] }\n", expected: """
                 broken.yaml:8:29: error: unknown value 'timeout' (expected one of: 'max_tokens', 'refusal', 'failed_check', 'invalid_json', 'overloaded', 'server_error', 'context_overflow')
                 escalation: { on: [refusal, timeout] }
                                             ^
                 """),
    BrokenCase(name: "negative hard budget",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: global, period: day, hard_usd: \"-5\" }\n", expected: """
                 broken.yaml:9:54: error: expected a non-negative dollar amount, found -5
                   - { name: b, scope: global, period: day, hard_usd: "-5" }
                                                                      ^
                 """),
    BrokenCase(name: "NaN budget",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: global, period: day, hard_usd: .nan }\n", expected: """
                 broken.yaml:9:54: error: expected a dollar amount, found .nan (NaN and infinity are not allowed)
                   - { name: b, scope: global, period: day, hard_usd: .nan }
                                                                      ^
                 """),
    BrokenCase(name: "soft budget above hard",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: global, period: day, soft_usd: 9, hard_usd: 5 }\n", expected: """
                 broken.yaml:9:54: error: soft_usd 9 is above hard_usd 5
                   - { name: b, scope: global, period: day, soft_usd: 9, hard_usd: 5 }
                                                                      ^
                 """),
    BrokenCase(name: "unknown budget scope and period",
               yaml: minimalPolicy + "budgets:\n  - { name: b, scope: team, period: week, hard_usd: 5 }\n", expected: """
                 broken.yaml:9:23: error: unknown budget scope 'team' (expected 'global', 'task', 'task:NAME' or 'metadata:KEY')
                   - { name: b, scope: team, period: week, hard_usd: 5 }
                                       ^
                 broken.yaml:9:37: error: unknown value 'week' (expected one of: 'day', 'month', 'total')
                   - { name: b, scope: team, period: week, hard_usd: 5 }
                                                     ^
                 """),
    BrokenCase(name: "rule without action",
               yaml: minimalPolicy + "rules:\n  - { name: r, when: { task: qa }, then: {} }\n", expected: """
                 broken.yaml:9:42: error: rule 'r' has no action: give 'tier', 'min_tier', 'max_tier' or 'max_tokens'
                   - { name: r, when: { task: qa }, then: {} }
                                                          ^
                 """),
    BrokenCase(name: "rule with undefined tier and task",
               yaml: minimalPolicy + "rules:\n  - { name: r, when: { task: [qa, chat] }, then: { min_tier: medium } }\n", expected: """
                 broken.yaml:9:35: error: unknown task 'chat'; expected one of: 'qa'
                   - { name: r, when: { task: [qa, chat] }, then: { min_tier: medium } }
                                                   ^
                 broken.yaml:9:62: error: unknown tier 'medium'; expected one of: 'small', 'large'
                   - { name: r, when: { task: [qa, chat] }, then: { min_tier: medium } }
                                                                              ^
                 """),
    BrokenCase(name: "duplicate rule names",
               yaml: minimalPolicy + "rules:\n  - { name: r, then: { tier: small } }\n  - { name: r, then: { tier: large } }\n", expected: """
                 broken.yaml:10:13: error: duplicate rule 'r'
                   - { name: r, then: { tier: large } }
                             ^
                 broken.yaml:9:13: note: first defined here
                   - { name: r, then: { tier: small } }
                             ^
                 """),
    BrokenCase(name: "rule score range inverted",
               yaml: minimalPolicy + "rules:\n  - { name: r, when: { score: { min: 0.8, max: 0.2 } }, then: { tier: large } }\n", expected: """
                 broken.yaml:9:38: error: score min 0.8 is above max 0.2
                   - { name: r, when: { score: { min: 0.8, max: 0.2 } }, then: { tier: large } }
                                                      ^
                 """),
    BrokenCase(name: "undefined baseline tier",
               yaml: minimalPolicy + "baseline_tier: opus\n", expected: """
                 broken.yaml:8:16: error: unknown tier 'opus'; expected one of: 'small', 'large'
                 baseline_tier: opus
                                ^
                 """),
    BrokenCase(name: "missing required section",
               yaml: brokenPolicy(replacing: "classifier: { fallback_task: qa }\n", with: ""), expected: """
                 broken.yaml:1:1: error: missing required key 'classifier' in policy
                 name: t
                 ^
                 """),
    BrokenCase(name: "YAML syntax error",
               yaml: brokenPolicy(replacing: "qa: { min_tier: small }", with: "qa: { min_tier: small"), expected: """
                 broken.yaml:7:11: error: invalid YAML: did not find expected ',' or '}'
                 classifier: { fallback_task: qa }
                           ^
                 broken.yaml:6:7: note: while parsing a flow mapping that starts here
                   qa: { min_tier: small
                       ^
                 """),
]

@Suite("Broken policies report located, rendered errors")
struct PolicyBrokenTests {
    @Test(arguments: brokenCases)
    func brokenPolicyIsRejected(_ testCase: BrokenCase) {
        #expect(renderedErrors(testCase.yaml) == testCase.expected)
    }
}

@Suite("Several errors in one policy")
struct PolicyManyErrorsTests {
    @Test func everyErrorInTheFileIsReported() {
        let yaml = """
        name: many
        tiers:
          - { name: small, model: m-small, context_window: 1000, max_output_tokens: 100 }
          - { name: large, model: m-large, context_window: 5000, max_output_tokens: 500 }
        thresholds: { small: 0.6, large: 0.3 }
        tasks:
          qa: { tier: huge }
          chat: { min_tier: small, max_tokens: 900 }
        classifier: { fallback_task: qa, minimum_confidence: 2 }
        escalation: { max_steps: -1 }
        budgets:
          - { name: b, scope: global, period: year, hard_usd: abc }

        """
        let expected = """
        many.yaml:5:34: error: threshold 0.3 for 'large' is below the 0.6 of 'small'; thresholds must ascend with the tiers
        thresholds: { small: 0.6, large: 0.3 }
                                         ^
        many.yaml:7:15: error: unknown tier 'huge'; expected one of: 'small', 'large'
          qa: { tier: huge }
                      ^
        many.yaml:8:40: error: max_tokens 900 exceeds max_output_tokens 100 of tier 'small'
          chat: { min_tier: small, max_tokens: 900 }
                                               ^
        many.yaml:9:54: error: expected a probability from 0 to 1, found 2
        classifier: { fallback_task: qa, minimum_confidence: 2 }
                                                             ^
        many.yaml:10:26: error: expected an integer from 0 to 1, found -1
        escalation: { max_steps: -1 }
                                 ^
        many.yaml:12:39: error: unknown value 'year' (expected one of: 'day', 'month', 'total')
          - { name: b, scope: global, period: year, hard_usd: abc }
                                              ^
        many.yaml:12:55: error: expected a dollar amount such as 0.25 with at most 12 decimals, found the string "abc"
          - { name: b, scope: global, period: year, hard_usd: abc }
                                                              ^
        """
        let rendered = renderedErrors(yaml, file: "many.yaml")
        #expect(rendered == expected)
        #expect(rendered.components(separatedBy: ": error: ").count - 1 == 7)
    }
}
