import Testing
import RouterPolicies

@Suite("ComplexityScorer")
struct ScoringTests {
    let scorer = ComplexityScorer(.default)

    private func contribution(_ score: ComplexityScore, _ name: String) -> SignalContribution? {
        score.contributions.first { $0.name == name }
    }

    private func strongestDomain(_ score: ComplexityScore) -> String? {
        let domains: Set<String> = ["code", "law", "medicine", "finance", "science", "math_proof"]
        return score.contributions.filter { domains.contains($0.name) && $0.strength > 0 }
            .max { $0.strength < $1.strength }?.name
    }

    @Test func contributionsSumToTheValueAndStayInRange() {
        let prompts = [
            "hi",
            "Prove step by step that the integral converges; first bound it, then take the limit.",
            String(repeating: "Review this contract clause on liability and indemnification. ", count: 400),
            "```swift\nfunc f() -> Int { return 1 }\n```\nWhy does this crash?",
        ]
        for text in prompts {
            let score = scorer.score(RoutingInput(text: text, messageCount: 7, imageCount: 1, toolCount: 2))
            let sum = score.contributions.reduce(0) { $0 + $1.contribution }
            #expect(abs(sum - score.value) < 1e-9)
            #expect((0...1).contains(score.value))
            #expect(score.contributions.map(\.name) == ComplexityConfiguration.default.signals.map(\.name))
            for item in score.contributions {
                #expect((0...1).contains(item.strength))
                #expect(abs(item.contribution - item.weight * item.strength
                    / ComplexityConfiguration.default.signals.reduce(0) { $0 + $1.weight }) < 1e-12)
            }
        }
    }

    @Test func smallTalkHasNoRecognizedSignal() {
        let score = scorer.score(RoutingInput(text: "Hello there, good morning to you"))
        #expect(!score.recognizedSignal)
        #expect(score.value < 0.01)
        #expect(contribution(score, "input_size")!.strength > 0)
    }

    @Test(arguments: [
        ("law", "Is the indemnification clause in this contract enforceable, and does the liability cap survive a breach under the governing jurisdiction?"),
        ("medicine", "A patient with diabetes and hypertension presents these symptoms; what is the differential diagnosis and which treatment has fewer contraindications?"),
        ("finance", "Build a DCF valuation: estimate free cash flow, the WACC and the terminal value, then compare to the EBITDA multiple."),
        ("science", "Design an experiment to test the hypothesis that this enzyme changes protein folding; include a control group and the statistical significance test."),
        ("math_proof", "Prove the theorem by induction: show that for every prime p the polynomial is irreducible modulo p, using the lemma above."),
        ("code", "```python\ndef parse(rows):\n    return [r.split(';') for r in rows]\n```\nThis function throws an exception on empty rows; fix the bug."),
    ])
    func domainPromptsFireTheirOwnSignal(expected: String, text: String) throws {
        let score = scorer.score(RoutingInput(text: text))
        #expect(score.recognizedSignal)
        let fired = try #require(contribution(score, expected))
        #expect(fired.strength >= 0.5, "\(expected): \(fired)")
        #expect(!fired.evidence.isEmpty)
        #expect(strongestDomain(score) == expected, "\(score.contributions.filter { $0.strength > 0 })")
    }

    @Test func expertDomainsAreWeightedLikeSoftware() {
        let weights = Dictionary(uniqueKeysWithValues: ComplexityConfiguration.default.signals.map { ($0.name, $0.weight) })
        for domain in ["law", "medicine", "finance", "science", "math_proof"] {
            #expect(weights[domain] == weights["code"], "\(domain)")
        }
    }

    @Test func codeSignalCountsFencesSymbolsAndKeywords() throws {
        let score = scorer.score(RoutingInput(text: "```\nlet x = y => y * 2;\nif (a != b) {\n}\n```"))
        let code = try #require(contribution(score, "code"))
        #expect(code.strength == 1)
        #expect(code.evidence.first == "1 code block")
        let prose = scorer.score(RoutingInput(text: "The weather is lovely today."))
        #expect(contribution(prose, "code")?.strength == 0)
    }

    @Test func reasoningMultiStepQuestionsAndConstraints() throws {
        let text = """
        Think step by step and justify each claim. First list the options, then compare them.
        Requirements:
        - The answer must be under 200 words.
        - It should not mention prices.
        1. Use at least two sources.
        Why is this true? What would change it?
        """
        let score = scorer.score(RoutingInput(text: text))
        #expect(try #require(contribution(score, "reasoning")).strength > 0.5)
        #expect(try #require(contribution(score, "multi_step")).strength > 0)
        #expect(try #require(contribution(score, "questions")).strength == 0.5)  // 2 of 4
        let constraints = try #require(contribution(score, "constraints"))
        #expect(constraints.strength == 1)
        #expect(constraints.evidence.first == "3 list items")
    }

    @Test func inputSizeSaturatesOnLongInputs() throws {
        let long = String(repeating: "lorem ipsum dolor sit amet ", count: 3_000)  // ~20k tokens
        let score = scorer.score(RoutingInput(text: long))
        #expect(try #require(contribution(score, "input_size")).strength == 1)
        let counted = scorer.score(RoutingInput(text: "short", countedInputTokens: 4_000))
        #expect(try #require(contribution(counted, "input_size")).strength == 0.5)
    }

    @Test func requestShapeSignals() throws {
        let score = scorer.score(RoutingInput(text: "Describe these.", messageCount: 13, imageCount: 2, documentCount: 1, toolCount: 10))
        #expect(try #require(contribution(score, "attachments")).strength == 1)
        #expect(try #require(contribution(score, "tools")).strength == 1)
        #expect(try #require(contribution(score, "conversation_depth")).strength == 1)
        #expect(score.recognizedSignal)
    }

    @Test func customConfigurationOverridesTheDefaults() throws {
        let configuration = ComplexityConfiguration(signals: [
            ComplexitySignal(name: "tickets", weight: 3, kind: .patterns([try SafeRegex(#"\bJIRA-\d+"#)], fullAt: 2)),
            ComplexitySignal(name: "urgent", weight: 1, kind: .keywords(["urgent", "asap", "right now"], fullAt: 1)),
            ComplexitySignal(name: "ignored", weight: 0, kind: .questions(fullAt: 1)),
        ])
        let score = ComplexityScorer(configuration).score(RoutingInput(text: "Fix jira-12 and JIRA-13 ASAP? right  now!"))
        #expect(score.value == 1)
        #expect(score.contributions.map(\.strength) == [1, 1, 1])
        #expect(score.contributions.map(\.contribution) == [0.75, 0.25, 0])
        #expect(score.contributions[1].evidence == ["asap", "right now"])
    }

    @Test func emptyConfigurationScoresZero() {
        let score = ComplexityScorer(ComplexityConfiguration(signals: [])).score(RoutingInput(text: "anything"))
        #expect(score.value == 0)
        #expect(score.contributions.isEmpty)
        #expect(!score.recognizedSignal)
    }

    @Test func scoringIsDeterministic() {
        let input = RoutingInput(text: "Prove the lemma; the contract says the patient must pay the bond yield.")
        #expect(scorer.score(input) == scorer.score(input))
    }
}
