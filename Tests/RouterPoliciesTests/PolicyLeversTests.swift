import Foundation
import RouterPolicies
import Testing

/// `history:`, `preflight:` and `deferrable:` in policy YAML: decoding, per-task resolution, and
/// located diagnostics.
@Suite("Policy cost levers: history, preflight, deferrable")
struct PolicyLeversTests {
    static let yaml = """
        name: levers
        tiers:
          - { name: small, model: m-small, context_window: 1000, max_output_tokens: 100 }
          - { name: large, model: m-large, context_window: 5000, max_output_tokens: 500 }
        tasks:
          qa: { min_tier: small }
          digest:
            tier: small
            deferrable: true
            history: { max_messages: 4, keep_first_user_turn: true, summarize: true }
            preflight: { use: count_tokens, when: near_limit, margin: 0.25 }
        classifier: { fallback_task: qa }
        history:
          max_input_tokens: 2000
          keep_system: false
        preflight: count_tokens

        """

    @Test("global sections apply to tasks without their own; a task's own replace them")
    func resolution() throws {
        let policy = try Policy.parse(yaml: Self.yaml, file: "levers.yaml")
        #expect(policy.history == HistorySettings(maxInputTokens: 2000, keepSystem: false))
        #expect(policy.preflight == PreflightSettings(when: .always, margin: 0.1))
        #expect(policy.historySettings(forTask: "qa") == policy.history)
        #expect(policy.historySettings(forTask: "digest")
                == HistorySettings(maxMessages: 4, keepFirstUserTurn: true, summarize: true))
        #expect(policy.preflightSettings(forTask: "digest") == PreflightSettings(when: .nearLimit, margin: 0.25))
        #expect(policy.preflightSettings(forTask: nil) == policy.preflight)
        #expect(policy.isDeferrable(task: "digest"))
        #expect(!policy.isDeferrable(task: "qa"))
        #expect(!policy.isDeferrable(task: nil))
    }

    @Test("a policy without the sections has none")
    func absent() throws {
        let policy = try Policy.parse(yaml: minimalPolicy, file: "min.yaml")
        #expect(policy.history == nil && policy.preflight == nil)
        #expect(policy.tasks["qa"]?.deferrable == false)
    }

    @Test("near_limit counts only within the margin of the window")
    func nearLimit() {
        let settings = PreflightSettings(when: .nearLimit, margin: 0.1)
        #expect(!settings.shouldCount(estimatedInputTokens: 800, maxTokens: 99, contextWindow: 1000))
        #expect(settings.shouldCount(estimatedInputTokens: 800, maxTokens: 100, contextWindow: 1000))
        #expect(PreflightSettings(when: .always).shouldCount(estimatedInputTokens: 1, maxTokens: 1, contextWindow: 1000))
    }

    @Test("mistakes are reported at file:line:column", arguments: [
        ("history: { keep_system: true }\n", "broken.yaml:8:10: error: history caps nothing"),
        ("history: { max_mesages: 3 }\n", "broken.yaml:8:12: error: unknown key 'max_mesages' in history; did you mean 'max_messages'?"),
        ("history: { max_messages: 0 }\n", "broken.yaml:8:26: error:"),
        ("preflight: count_token\n", "broken.yaml:8:12: error: unknown value 'count_token' (expected one of: 'count_tokens'); did you mean 'count_tokens'?"),
        ("preflight: { when: sometimes }\n", "broken.yaml:8:20: error: unknown value 'sometimes' (expected one of: 'always', 'near_limit')"),
        ("preflight: { margin: 2 }\n", "broken.yaml:8:22: error:"),
    ])
    func located(_ appended: String, _ expected: String) {
        let rendered = renderedErrors(minimalPolicy + appended)
        #expect(rendered.hasPrefix(expected), "\(rendered)")
    }

    @Test("a task's deferrable must be a boolean, and unknown task keys are still refused")
    func taskKeys() {
        let notBool = renderedErrors(brokenPolicy(replacing: "qa: { min_tier: small }",
                                                  with: "qa: { min_tier: small, deferrable: maybe }"))
        #expect(notBool.hasPrefix("broken.yaml:6:38: error: expected true or false"), "\(notBool)")
        let typo = renderedErrors(brokenPolicy(replacing: "qa: { min_tier: small }",
                                               with: "qa: { min_tier: small, deferable: true }"))
        #expect(typo.contains("unknown key 'deferable' in task 'qa'; did you mean 'deferrable'?"), "\(typo)")
    }
}
