import Foundation
import RouterPolicies
import Testing

/// A task's own `thresholds:` (docs/POLICY.md): decoded and validated like the global ones,
/// applied by `PolicyEngine.decide` to that task's prompts only.
@Suite("Policy: per-task thresholds")
struct TaskThresholdsTests {
    /// Two tasks with the same range; `strict` has its own thresholds, `loose` uses the policy's.
    static let yaml = """
    name: t
    tiers:
      - { name: small, model: m-small, context_window: 100000, max_output_tokens: 1000 }
      - { name: large, model: m-large, context_window: 100000, max_output_tokens: 1000 }
    thresholds: { small: 0.0, large: 0.05 }
    tasks:
      loose: { min_tier: small, max_tier: large }
      strict:
        min_tier: small
        thresholds: { small: 0.0, large: 0.99 }
      pinned: { tier: small }
    classifier: { fallback_task: loose }

    """

    @Test("decoded onto the task's route; other tasks keep none")
    func decoded() throws {
        let policy = try Policy.parse(yaml: Self.yaml, file: "t.yaml")
        #expect(policy.tasks["strict"]?.thresholds == ["small": 0.0, "large": 0.99])
        #expect(policy.tasks["loose"]?.thresholds == nil)
        #expect(policy.thresholds == ["small": 0.0, "large": 0.05])
    }

    @Test("decide compares the score with the task's own thresholds, and says so in the reason")
    func applied() throws {
        let engine = PolicyEngine(policy: try Policy.parse(yaml: Self.yaml, file: "t.yaml"))
        let prompt = "Prove by induction that the algorithm terminates, then analyse its complexity step by step."
        let loose = engine.decide(RoutingInput(text: prompt, task: "loose"))
        let strict = engine.decide(RoutingInput(text: prompt, task: "strict"))
        // Same prompt, same score; only the thresholds differ.
        #expect(loose.score == strict.score)
        #expect(loose.score >= 0.05 && loose.score < 0.99)
        #expect(loose.tier == "large")
        #expect(strict.tier == "small")
        #expect(loose.reason.contains("≥ 0.05"))
        #expect(strict.reason.contains("≥ 0.00"))
    }

    @Test("validated like the global thresholds: unknown tier, range, order; refused on a fixed tier")
    func validated() {
        let unknown = Self.yaml.replacingOccurrences(of: "thresholds: { small: 0.0, large: 0.99 }",
                                                     with: "thresholds: { small: 0.0, lrage: 0.99 }")
        #expect(renderedErrors(unknown, file: "t.yaml").contains("t.yaml:10:31: error: unknown tier 'lrage'; did you mean 'large'?"))
        let outOfRange = Self.yaml.replacingOccurrences(of: "large: 0.99 }", with: "large: 1.5 }")
        #expect(renderedErrors(outOfRange, file: "t.yaml").contains("t.yaml:10:38: error: "))
        let descending = Self.yaml.replacingOccurrences(of: "thresholds: { small: 0.0, large: 0.99 }",
                                                        with: "thresholds: { small: 0.5, large: 0.2 }")
        #expect(renderedErrors(descending, file: "t.yaml").contains(
            "t.yaml:10:38: error: threshold 0.2 for 'large' is below the 0.5 of 'small'; thresholds must ascend with the tiers"))
        let fixed = Self.yaml.replacingOccurrences(of: "pinned: { tier: small }",
                                                   with: "pinned: { tier: small, thresholds: { small: 0 } }")
        #expect(renderedErrors(fixed, file: "t.yaml").contains(
            "t.yaml:11:38: error: task 'pinned' has a fixed 'tier'; thresholds apply only to a min_tier/max_tier range"))
    }

    @Test("a variant's task route may bring its own thresholds")
    func variant() throws {
        let yaml = Self.yaml + """
        variants:
          assign_by: user
          arms:
            - name: b
              weight: 1
              overrides:
                tasks:
                  loose: { min_tier: small, thresholds: { small: 0.0, large: 0.99 } }

        """
        let policy = try Policy.parse(yaml: yaml, file: "t.yaml")
        let engine = PolicyEngine(policy: policy)
        let prompt = "Prove by induction that the algorithm terminates, then analyse its complexity step by step."
        let decision = engine.decide(RoutingInput(text: prompt, task: "loose", metadata: ["user": "u"]))
        #expect(decision.variant == "b")
        #expect(decision.tier == "small")
    }
}
