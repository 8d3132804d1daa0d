import RouterPolicies
import Testing

/// A three-tier policy built in code, so these tests do not depend on the YAML layer.
/// Context windows and output limits are policy data (small ones here make the fit rule easy to hit).
func codePolicy(rules: [OverrideRule] = [], escalation: EscalationSettings = .init(),
                variants: VariantSet? = nil, thresholds: [String: Double] = ["small": 0, "medium": 0.1, "large": 0.3],
                signals: ComplexityConfiguration = .default) -> Policy {
    Policy(
        name: "code-built",
        tiers: [
            Tier(name: "small", model: "claude-haiku-4-5", contextWindow: 200_000, maxOutputTokens: 64_000),
            Tier(name: "medium", model: "claude-sonnet-4-6", contextWindow: 1_000_000, maxOutputTokens: 64_000),
            Tier(name: "large", model: "claude-opus-4-8", contextWindow: 1_000_000, maxOutputTokens: 128_000),
        ],
        baselineTier: "large",
        defaultTier: "medium",
        tasks: [
            "lookup": TaskRoute(tier: "small", maxTokens: 512),
            "review": TaskRoute(minTier: "medium", maxTier: "large", maxTokens: 8192),
            "open": TaskRoute(maxTokens: 2048),
            "proof": TaskRoute(tier: "large", maxTokens: 16_000, escalation: []),
            "capped": TaskRoute(maxTier: "medium", maxTokens: 1024, escalation: ["large"]),
        ],
        signals: signals,
        thresholds: thresholds,
        classifier: ClassifierSettings(rules: [], minimumConfidence: 0.3, fallbackTask: "open"),
        rules: rules,
        escalation: escalation,
        variants: variants
    )
}

@Suite("PolicyEngine decisions on code-built policies")
struct DecisionEngineTests {
    @Test func fixedTierTaskIgnoresScore() {
        let engine = PolicyEngine(policy: codePolicy())
        let decision = engine.decide(RoutingInput(text: "What is the capital of France?", task: "lookup"))
        #expect(decision.tier == "small")
        #expect(decision.model == "claude-haiku-4-5")
        #expect(decision.maxTokens == 512)
        #expect(decision.task == "lookup")
        #expect(decision.taskConfidence == 1)
        #expect(decision.reason.hasPrefix("lookup → small: fixed tier for task"))
    }

    @Test func noRecognisedSignalGoesToDefaultTierNotCheapest() {
        let engine = PolicyEngine(policy: codePolicy())
        let decision = engine.decide(RoutingInput(text: "hello there"))
        #expect(decision.task == "open")
        #expect(decision.tier == "medium")
        #expect(decision.reason == "open (fallback task) → medium: no recognised signal, default tier")
    }

    @Test func unknownCallerTaskFallsBackAndSaysSo() {
        let engine = PolicyEngine(policy: codePolicy())
        let decision = engine.decide(RoutingInput(text: "hello", task: "poetry"))
        #expect(decision.task == "open")
        #expect(decision.reason.hasPrefix("open (unknown task 'poetry', fallback) → "))
    }

    @Test func defaultTierIsClampedIntoTaskRange() {
        let engine = PolicyEngine(policy: codePolicy())
        let decision = engine.decide(RoutingInput(text: "hello", task: "review"))
        #expect(decision.tier == "medium")
        let capped = engine.decide(RoutingInput(text: "hello", task: "capped"))
        #expect(capped.tier == "medium")
    }

    @Test func requestedMaxTokensIsKeptAndCappedByTier() {
        let engine = PolicyEngine(policy: codePolicy())
        #expect(engine.decide(RoutingInput(text: "hi", task: "lookup", requestedMaxTokens: 300)).maxTokens == 300)
        #expect(engine.decide(RoutingInput(text: "hi", task: "lookup", requestedMaxTokens: 900_000)).maxTokens == 64_000)
    }

    @Test func firstMatchingRuleWinsInOrder() {
        let rules = [
            OverrideRule(name: "vip", match: .init(metadata: ["plan": ["enterprise", "pro"]]),
                         action: .init(minTier: "large")),
            OverrideRule(name: "everyone", match: .init(), action: .init(tier: "small")),
        ]
        let engine = PolicyEngine(policy: codePolicy(rules: rules))
        let vip = engine.decide(RoutingInput(text: "hello", task: "open", metadata: ["plan": "pro"]))
        #expect(vip.matchedRule == "vip")
        #expect(vip.tier == "large")
        #expect(vip.reason.hasSuffix("; rule 'vip' raised min tier"))
        let other = engine.decide(RoutingInput(text: "hello", task: "open", metadata: ["plan": "free"]))
        #expect(other.matchedRule == "everyone")
        #expect(other.tier == "small")
        #expect(other.reason.hasSuffix("; rule 'everyone' forced tier"))

        // Reversed order: the catch-all now shadows the VIP rule.
        let reversed = PolicyEngine(policy: codePolicy(rules: rules.reversed()))
        let shadowed = reversed.decide(RoutingInput(text: "hello", task: "open", metadata: ["plan": "pro"]))
        #expect(shadowed.matchedRule == "everyone")
        #expect(shadowed.tier == "small")
    }

    @Test func ruleConditionsAllMustHold() {
        let rule = OverrideRule(
            name: "big-reviews",
            match: .init(tasks: ["review"], metadata: ["team": ["*"]], minInputTokens: 1000, maxInputTokens: 5000),
            action: .init(maxTier: "medium", maxTokens: 777))
        let engine = PolicyEngine(policy: codePolicy(rules: [rule]))
        let text = String(repeating: "word ", count: 1600)  // 8000 chars ≈ 2000 tokens
        let hit = engine.decide(RoutingInput(text: text, task: "review", metadata: ["team": "infra"]))
        #expect(hit.matchedRule == "big-reviews")
        #expect(hit.maxTokens == 777)
        #expect(engine.decide(RoutingInput(text: text, task: "review")).matchedRule == nil)
        #expect(engine.decide(RoutingInput(text: text, task: "open", metadata: ["team": "x"])).matchedRule == nil)
        #expect(engine.decide(RoutingInput(text: "short", task: "review", metadata: ["team": "x"])).matchedRule == nil)
    }

    @Test func contextFitMovesToCheapestTierThatFits() {
        let engine = PolicyEngine(policy: codePolicy())
        // 300k tokens: only the 1M-token tiers hold it.
        let decision = engine.decide(RoutingInput(text: "x", task: "lookup", countedInputTokens: 300_000))
        #expect(decision.tier == "medium")
        #expect(!decision.contextOverflowRisk)
        #expect(decision.reason.contains(
            "; context fit: 300000 input + 512 output exceeds small window 200000, moved to medium"))
    }

    @Test func contextOverflowPicksLargestWindowAndFlagsIt() {
        let engine = PolicyEngine(policy: codePolicy())
        let decision = engine.decide(RoutingInput(text: "x", task: "lookup", countedInputTokens: 2_000_000))
        #expect(decision.contextOverflowRisk)
        #expect(decision.tier == "medium")
        #expect(decision.reason.contains("; context overflow risk: no tier holds 2000000 input + 512 output"))
    }

    @Test func escalationPathWalksUpAndStopsAtMaxSteps() throws {
        let engine = PolicyEngine(policy: codePolicy(escalation: .init(maxSteps: 1)))
        let first = engine.decide(RoutingInput(text: "hi", task: "lookup"))
        #expect(first.escalationPath == ["medium"])
        let second = try #require(engine.escalate(from: first, trigger: .maxTokens, attempt: 1))
        #expect(second.tier == "medium")
        #expect(second.maxTokens == 1024)
        #expect(second.escalationStep == 1)
        #expect(second.reason == "escalated lookup small → medium on max_tokens (step 1 of 1); max_tokens 512 → 1024")
        #expect(engine.escalate(from: second, trigger: .maxTokens, attempt: 2) == nil)

        let two = PolicyEngine(policy: codePolicy(escalation: .init(maxSteps: 2)))
        let start = two.decide(RoutingInput(text: "hi", task: "lookup"))
        #expect(start.escalationPath == ["medium", "large"])
        let step1 = try #require(two.escalate(from: start, trigger: .refusal, attempt: 1))
        #expect(step1.maxTokens == 512)
        let step2 = try #require(two.escalate(from: step1, trigger: .refusal, attempt: 2))
        #expect(step2.tier == "large")
        #expect(step2.escalationPath.isEmpty)
        #expect(two.escalate(from: step2, trigger: .refusal, attempt: 3) == nil)
    }

    @Test func escalationRespectsTriggersDisabledAndExplicitPaths() throws {
        let onlyRefusal = PolicyEngine(policy: codePolicy(escalation: .init(triggers: [.refusal])))
        let first = onlyRefusal.decide(RoutingInput(text: "hi", task: "lookup"))
        #expect(onlyRefusal.escalate(from: first, trigger: .overloaded, attempt: 1) == nil)
        #expect(onlyRefusal.escalate(from: first, trigger: .refusal, attempt: 1)?.tier == "medium")

        let off = PolicyEngine(policy: codePolicy(escalation: .init(enabled: false)))
        let noPath = off.decide(RoutingInput(text: "hi", task: "lookup"))
        #expect(noPath.escalationPath.isEmpty)
        #expect(off.escalate(from: noPath, trigger: .refusal, attempt: 1) == nil)

        let engine = PolicyEngine(policy: codePolicy())
        #expect(engine.decide(RoutingInput(text: "hi", task: "proof")).escalationPath.isEmpty)
        #expect(engine.decide(RoutingInput(text: "hi", task: "capped")).escalationPath == ["large"])
    }

    @Test func contextOverflowEscalationSkipsTiersWithoutLargerWindow() throws {
        let engine = PolicyEngine(policy: codePolicy())
        let first = engine.decide(RoutingInput(text: "hi", task: "open", countedInputTokens: 500_000))
        #expect(first.tier == "medium")
        #expect(first.escalationPath == ["large"])
        // large has the same 1M window as medium: nothing to gain.
        #expect(engine.escalate(from: first, trigger: .contextOverflow, attempt: 1) == nil)
    }

    @Test func variantAssignmentIsDeterministicAndProportional() {
        let variants = VariantSet(assignBy: "user", variants: [
            Variant(name: "control", weight: 70),
            Variant(name: "thrifty", weight: 30, overrides: .init(defaultTier: "small", models: ["small": "claude-haiku-5-5"])),
            Variant(name: "never", weight: 0),
        ])
        let engine = PolicyEngine(policy: codePolicy(variants: variants))
        var counts: [String: Int] = [:]
        for id in 0..<10_000 {
            let name = engine.assignedVariant(metadata: ["user": "user-\(id)"]) ?? "none"
            counts[name, default: 0] += 1
        }
        #expect(counts["never"] == nil)
        #expect((6_700...7_300).contains(counts["control"] ?? 0))
        #expect((2_700...3_300).contains(counts["thrifty"] ?? 0))
        // Same answer from a second engine (no per-process seed).
        let again = PolicyEngine(policy: codePolicy(variants: variants))
        for id in 0..<200 {
            #expect(again.assignedVariant(metadata: ["user": "user-\(id)"])
                    == engine.assignedVariant(metadata: ["user": "user-\(id)"]))
        }
        #expect(engine.assignedVariant(metadata: [:]) == nil)
    }

    @Test func variantOverridesChangeDecisions() throws {
        let variants = VariantSet(assignBy: "user", variants: [
            Variant(name: "thrifty", weight: 1, overrides: .init(defaultTier: "small", models: ["small": "claude-haiku-5-5"])),
        ])
        let engine = PolicyEngine(policy: codePolicy(variants: variants))
        let decision = engine.decide(RoutingInput(text: "hello", metadata: ["user": "u1"]))
        #expect(decision.variant == "thrifty")
        #expect(decision.tier == "small")
        #expect(decision.model == "claude-haiku-5-5")
        #expect(decision.reason.hasSuffix("; variant 'thrifty'"))
        let base = engine.decide(RoutingInput(text: "hello"))
        #expect(base.variant == nil)
        #expect(base.tier == "medium")
        let escalated = try #require(engine.escalate(from: decision, trigger: .refusal, attempt: 1))
        #expect(escalated.variant == "thrifty")
    }
}
