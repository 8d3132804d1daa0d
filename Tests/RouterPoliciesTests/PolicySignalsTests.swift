import Foundation
import RouterPolicies
import Testing

/// The built-in signals and classifier rules are written in policies/default.yaml; a user
/// policy's `signals:` adjusts them by name.
@Suite("Signals and classifier rules written in policy YAML")
struct PolicySignalsTests {
    @Test func builtInSignalsAreTheBundledDefaultPolicys() throws {
        let policy = try BundledPolicies.defaultPolicy()
        #expect(ComplexityConfiguration.default == policy.signals)
        #expect(policy.signals.signals.map(\.name) == [
            "input_size", "code", "reasoning", "multi_step", "constraints", "questions", "law", "medicine",
            "finance", "science", "math_proof", "attachments", "tools", "conversation_depth", "security",
        ])
        let multiStep = try #require(policy.signals.signals.first { $0.name == "multi_step" })
        #expect(multiStep.kind == .structure([.firstThen, .numberedSteps], fullAt: 2))
        let domains = policy.signals.signals.filter(\.isDomain).map(\.name)
        #expect(domains == ["code", "law", "medicine", "finance", "science", "math_proof", "security"])
    }

    /// The thresholds comment explains them with the number of signals and the sum of their
    /// weights; keep both true.
    @Test func thresholdCommentStatesTheRealWeightSum() throws {
        let text = BundledPolicies.defaultYAML
        let signals = try BundledPolicies.defaultPolicy().signals.signals
        let sum = signals.reduce(0) { $0 + $1.weight }
        #expect(text.contains("over the \(signals.count) signals below"))
        #expect(text.contains("Σ weight = \(sum),"), "the weights sum to \(sum)")
    }

    @Test func aUserPolicyAdjustsTheBuiltInsByName() throws {
        let yaml = minimalPolicy + """
            signals:
              law: { add_keywords: [escrow], weight: 3 }
              steps: { kind: structure, markers: [numbered_steps, code_fences], full_at: 4 }
            """
        let policy = try Policy.parse(yaml: yaml, file: "p.yaml")
        let signals = policy.signals.signals
        #expect(signals.count == ComplexityConfiguration.default.signals.count + 1)
        let law = try #require(signals.first { $0.name == "law" })
        #expect(law.weight == 3)
        #expect(law.isDomain)
        guard case .keywords(let words, 4) = law.kind else { Issue.record("law: \(law.kind)"); return }
        #expect(words.last == "escrow")
        #expect(words.contains("non compete"))
        #expect(signals.last == ComplexitySignal(name: "steps", weight: 1,
                                                kind: .structure([.numberedSteps, .codeFences], fullAt: 4)))
    }

    @Test func classifierSettingsDecode() throws {
        let yaml = brokenPolicy(replacing: "classifier: { fallback_task: qa }", with: """
            classifier:
              fallback_task: qa
              pin_confidence: 0.8
              rules:
                - { task: qa, keywords: [why], context: [reasoning, law] }
            """)
        let policy = try Policy.parse(yaml: yaml, file: "p.yaml")
        #expect(policy.classifier.pinConfidence == 0.8)
        #expect(policy.classifier.rules.first?.context == ["reasoning", "law"])
        #expect(try Policy.parse(yaml: minimalPolicy, file: "p.yaml").classifier.pinConfidence == 0.6)
    }

    @Test("mistakes in the new keys name their place", arguments: [
        (minimalPolicy + "signals:\n  steps: { kind: structure, markers: [numbered_step] }\n",
         "broken.yaml:9:39: error: unknown value 'numbered_step' (expected one of: 'numbered_steps', 'first_then', 'code_fences'); did you mean 'numbered_steps'?"),
        (minimalPolicy + "signals:\n  steps: { kind: structure }\n", "structure signal 'steps' needs 'markers'"),
        (minimalPolicy + "signals:\n  law: { markers: [first_then] }\n",
         "broken.yaml:9:19: error: 'markers' applies only to structure signals; 'law' is not one"),
        (brokenPolicy(replacing: "classifier: { fallback_task: qa }",
                      with: "classifier: { fallback_task: qa, rules: [{ task: qa, keywords: [x], context: lawx }] }"),
         "broken.yaml:7:78: error: unknown signal 'lawx'; did you mean 'law'?"),
    ])
    func mistakesAreLocated(yaml: String, expected: String) {
        let rendered = renderedErrors(yaml)
        #expect(rendered.contains(expected), "\(rendered)")
    }
}

/// The classifier's rule context: a word that is also plain English counts only inside its subject.
@Suite("Classifier rule context")
struct ClassifierContextTests {
    static let signals = ComplexityConfiguration(signals: [
        ComplexitySignal(name: "code", weight: 1, kind: .code(keywords: ["def", "return"], fullAt: 6), isDomain: true),
        ComplexitySignal(name: "law", weight: 1, kind: .keywords(["contract", "clause"], fullAt: 2), isDomain: true),
    ])
    static let classifier = TaskClassifier(rules: [
        TaskClassifierRule(task: "code-review", keywords: ["code review"]),
        TaskClassifierRule(task: "code-review", keywords: ["class", "review"], context: ["code"]),
        TaskClassifierRule(task: "legal", keywords: ["review", "clause"], context: ["law"]),
    ], signals: signals)

    @Test func wordsOutsideTheirContextDoNotCount() {
        let school = Self.classifier.classify(RoutingInput(text: "Our class has 28 students; review the scores."))
        #expect(school.task == nil)
        #expect(school.confidence == 0)
    }

    @Test func rulesOfOneTaskAddUp() {
        // 1 (code review) + 3 (class; review twice, once inside "code review"; the fence gives
        // the code context) = 4 → 4/5, unopposed.
        let result = Self.classifier.classify(RoutingInput(text: "Code review please: review this class.\n```\ndef f(): return 1\n```"))
        #expect(result.task == "code-review")
        #expect(result.confidence == 0.8)
        #expect(result.evidence == ["code review", "class", "review"])
    }

    @Test func theStrongerDomainOwnsASharedWord() {
        let legal = Self.classifier.classify(RoutingInput(text: "Please review this contract clause."))
        #expect(legal.task == "legal")
        #expect(legal.evidence == ["review", "clause"])
    }
}
