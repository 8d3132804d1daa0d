import RouterPolicies
import Testing

/// One labelled prompt: what a sensible router should do with it under the default policy.
struct LabelledPrompt: CustomTestStringConvertible, Sendable {
    var label: String
    var input: RoutingInput
    var tier: String
    var task: String
    /// Fragments the reason must contain.
    var reason: [String]
    var testDescription: String { label }
}

let longDocument = String(repeating: "The parties agree that the supplier shall deliver the goods on time. ", count: 60)
let hugeInput = RoutingInput(text: "Extract every invoice number from the attached ledger.", task: "extraction",
                             countedInputTokens: 300_000)

let labelledPrompts: [LabelledPrompt] = [
    // Fixed-tier tasks named by the caller.
    .init(label: "sentiment label", input: .init(text: "Label the sentiment of: 'great service!'", task: "classification"),
          tier: "haiku", task: "classification", reason: ["classification → haiku: fixed tier for task"]),
    .init(label: "ticket category", input: .init(text: "Which category: billing, tech or sales? 'My card was charged twice'", task: "classification"),
          tier: "haiku", task: "classification", reason: ["fixed tier for task"]),
    .init(label: "extract emails", input: .init(text: "Extract all email addresses from: a@b.com, c@d.org", task: "extraction"),
          tier: "haiku", task: "extraction", reason: ["extraction → haiku"]),
    .init(label: "extract dates", input: .init(text: "Pull out every date in this memo: 3 March, 5 May.", task: "extraction"),
          tier: "haiku", task: "extraction", reason: ["extraction → haiku"]),
    .init(label: "format as table", input: .init(text: "Format this as a markdown table: a=1, b=2", task: "formatting"),
          tier: "haiku", task: "formatting", reason: ["formatting → haiku"]),
    .init(label: "json conversion", input: .init(text: "Convert to JSON: name Ann, age 31", task: "formatting"),
          tier: "haiku", task: "formatting", reason: ["formatting → haiku"]),
    .init(label: "proof named", input: .init(text: "Prove that there are infinitely many primes.", task: "reasoning"),
          tier: "opus", task: "reasoning", reason: ["reasoning → opus: fixed tier for task"]),
    .init(label: "induction proof", input: .init(text: "Prove by induction that the sum of the first n odd numbers is n^2.", task: "reasoning"),
          tier: "opus", task: "reasoning", reason: ["reasoning → opus"]),
    .init(label: "multi-step derivation", input: .init(text: "Derive the Black-Scholes formula step by step from first principles.", task: "reasoning"),
          tier: "opus", task: "reasoning", reason: ["reasoning → opus"]),

    // Range tasks: generation and summaries never go below Sonnet.
    .init(label: "short email draft", input: .init(text: "Write a two-line thank-you email to a colleague.", task: "generation"),
          tier: "sonnet", task: "generation", reason: ["generation → sonnet"]),
    .init(label: "blog post", input: .init(text: "Write a blog post about spring gardening.", task: "generation"),
          tier: "sonnet", task: "generation", reason: ["generation → sonnet"]),
    .init(label: "summary of a note", input: .init(text: "Summarize: the meeting moved to Tuesday.", task: "summarization"),
          tier: "sonnet", task: "summarization", reason: ["summarization → sonnet"]),
    .init(label: "summary of a long document", input: .init(text: "Summarize this agreement:\n" + longDocument, task: "summarization"),
          tier: "sonnet", task: "summarization", reason: ["summarization → sonnet"]),
    .init(label: "code review of a small diff",
          input: .init(text: "Review this function:\n```swift\nfunc add(a: Int, b: Int) -> Int { return a + b }\n```", task: "code-review"),
          tier: "sonnet", task: "code-review", reason: ["code-review → sonnet"]),

    // Context fit: 300k tokens never go to Haiku's 200k window.
    .init(label: "300k-token extraction", input: hugeInput, tier: "sonnet", task: "extraction",
          reason: ["rule 'long-input-needs-sonnet' raised min tier"]),
    .init(label: "180k-token classification goes to sonnet by rule",
          input: .init(text: "Classify this archive.", task: "classification", metadata: ["plan": "free"], countedInputTokens: 180_000,
                       requestedMaxTokens: 30_000),
          tier: "sonnet", task: "classification",
          reason: ["rule 'long-input-needs-sonnet' raised min tier"]),
    .init(label: "159k tokens in and out still fit Haiku",
          input: .init(text: "Reformat.", task: "formatting", countedInputTokens: 95_000, requestedMaxTokens: 64_000),
          tier: "haiku", task: "formatting", reason: ["formatting → haiku"]),
    .init(label: "190k-token question",
          input: .init(text: "What does section 4 say?", task: "qa", countedInputTokens: 190_000, requestedMaxTokens: 20_000),
          tier: "sonnet", task: "qa", reason: ["qa → "]),

    // Rules.
    .init(label: "enterprise floor", input: .init(text: "Label this.", task: "classification", metadata: ["plan": "enterprise"]),
          tier: "sonnet", task: "classification", reason: ["rule 'enterprise-floor' raised min tier"]),
    .init(label: "enterprise proof keeps opus", input: .init(text: "Prove it.", task: "reasoning", metadata: ["plan": "enterprise"]),
          tier: "opus", task: "reasoning", reason: ["rule 'enterprise-floor' matched (tier unchanged)"]),

    // No recognised signal: the default tier, not the cheapest — except a one-line question,
    // which is a lookup and goes to Haiku by the 'short-lookup' rule.
    .init(label: "greeting", input: .init(text: "hello"), tier: "haiku", task: "qa",
          reason: ["no recognised signal, default tier", "rule 'short-lookup' capped max tier"]),
    .init(label: "trivial lookup", input: .init(text: "capital of France"), tier: "haiku", task: "qa",
          reason: ["no recognised signal, default tier", "rule 'short-lookup' capped max tier"]),
    .init(label: "trivial lookup, task guessed", input: .init(text: "Who wrote Hamlet?"), tier: "haiku", task: "qa",
          reason: ["qa (fallback task) → haiku", "rule 'short-lookup'"]),
    .init(label: "unknown task named", input: .init(text: "hello", task: "haiku-poems"), tier: "haiku", task: "qa",
          reason: ["unknown task 'haiku-poems'"]),
    .init(label: "enterprise lookup keeps the enterprise floor",
          input: .init(text: "capital of France", metadata: ["plan": "enterprise"]), tier: "sonnet", task: "qa",
          reason: ["rule 'enterprise-floor' matched (tier unchanged)"]),
    .init(label: "long prose without signals",
          input: .init(text: String(repeating: "It was a bright cold day in April, and the clocks were striking thirteen. ",
                                    count: 200) + "What happens next?"),
          tier: "sonnet", task: "qa", reason: ["qa (fallback task) → sonnet: no recognised signal, default tier"]),
    .init(label: "proof, task guessed",
          input: .init(text: "Prove that the square root of 2 is irrational, step by step, using contradiction."),
          tier: "opus", task: "reasoning", reason: ["reasoning (classified "]),

    // Score-routed questions: expert domains with reasoning reach Opus; a single term stays cheap.
    .init(label: "legal analysis",
          input: .init(text: "Analyze the liability and indemnification clauses of this contract. Does the force majeure clause survive a breach? Explain the implications for the plaintiff and the jurisdiction that applies.", task: "qa"),
          tier: "opus", task: "qa", reason: ["qa → opus: score", "law"]),
    .init(label: "medical differential",
          input: .init(text: "A patient with chronic hypertension and diabetes presents with acute chest pain. Give a differential diagnosis, the contraindications of each treatment and the dosage changes; explain why step by step.", task: "qa"),
          tier: "opus", task: "qa", reason: ["qa → opus: score", "medicine"]),
    .init(label: "finance valuation",
          input: .init(text: "Evaluate this portfolio: compute the NPV and IRR, the WACC and the risk premium, and analyze the implications of the interest rate and volatility for the dividend.", task: "qa"),
          tier: "opus", task: "qa", reason: ["qa → opus", "finance"]),
    .init(label: "legal question without analysis",
          input: .init(text: "Which jurisdiction and statute govern the warranty clause of this contract?", task: "qa"),
          tier: "sonnet", task: "qa", reason: ["qa → sonnet: score", "law"]),
    .init(label: "single legal term", input: .init(text: "What is a tort?", task: "qa"),
          tier: "haiku", task: "qa", reason: ["qa → haiku: score"]),
    .init(label: "single code term", input: .init(text: "What does the git command stash do?", task: "qa"),
          tier: "haiku", task: "qa", reason: ["qa → haiku: score"]),
    .init(label: "security review with code",
          input: .init(text: "Review this endpoint for sql injection and xss:\n```python\ndef get(id):\n    return db.query('select * from t where id=' + id)\n```\nExplain the exploit step by step and analyze the root cause.", task: "code-review"),
          tier: "opus", task: "code-review", reason: ["code-review → opus: score"]),
    .init(label: "plain question without signals", input: .init(text: "What is the capital of France?", task: "qa"),
          tier: "haiku", task: "qa", reason: ["qa → haiku: no recognised signal, default tier; rule 'short-lookup' capped max tier"]),
    .init(label: "long document question", input: .init(text: "Which clause covers delivery?\n" + longDocument, task: "qa"),
          tier: "sonnet", task: "qa", reason: ["qa → sonnet"]),
]

@Suite("Decisions of the default policy on labelled prompts")
struct DecisionLabelledPromptTests {
    static let engine: PolicyEngine = {
        // The bundled default is validated by ShippedPolicyTests; a failure here shows up there too.
        (try? BundledPolicies.defaultPolicy()).map(PolicyEngine.init(policy:))!
    }()

    @Test(arguments: labelledPrompts)
    func labelledPromptRoutesAsExpected(_ prompt: LabelledPrompt) {
        Self.expectRoute(prompt)
    }

    /// Decides `prompt` with the default policy and checks tier, task, reason and context fit.
    static func expectRoute(_ prompt: LabelledPrompt) {
        let decision = engine.decide(prompt.input)
        #expect(decision.tier == prompt.tier, "\(decision.reason)")
        #expect(decision.task == prompt.task, "\(decision.reason)")
        for fragment in prompt.reason {
            #expect(decision.reason.contains(fragment), "\(decision.reason)")
        }
        let tier = engine.policy.tiers[decision.tierIndex]
        #expect(decision.model == tier.model)
        if !decision.contextOverflowRisk {
            #expect(decision.estimatedInputTokens + decision.maxTokens <= tier.contextWindow)
        }
    }

    @Test func decisionsAreDeterministic() {
        for prompt in labelledPrompts {
            let first = Self.engine.decide(prompt.input)
            let second = PolicyEngine(policy: Self.engine.policy).decide(prompt.input)
            #expect(first.reason == second.reason)
            #expect(first.tier == second.tier)
        }
    }
}
