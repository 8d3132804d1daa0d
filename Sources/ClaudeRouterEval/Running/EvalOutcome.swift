package import RouterPolicies

/// The result of one fixture case under one variant (policy).
package struct CaseOutcome: Sendable, Hashable, Codable {
    /// The case's `id`.
    package var caseID: String
    /// The variant (policy name or file stem) it ran under.
    package var variant: String
    /// Task type of the case (from the fixture, else the policy's classification).
    package var task: String
    /// Tier the call finished on (after any escalation); nil when the call failed before routing.
    package var tier: String?
    /// Model the call finished on.
    package var model: String?
    /// Whether every evaluated check passed and the call succeeded.
    package var passed: Bool
    /// One line per failed check (`contains "Paris": not found`), or the call's error.
    package var failures: [String]
    /// Checks that could not be evaluated (output checks in a dry run).
    package var skippedChecks: Int
    /// Whether the verdict is unknown: nothing evaluated failed, but checks were skipped (a dry
    /// run cannot judge an answer it never got). Such a case is neither a pass nor a fail: it is
    /// left out of pass rates and of the pass/fail statistics. `passed` is then `false`.
    package var notEvaluated: Bool
    /// What the call cost (projected in a dry run); nil when unpriced.
    @OptionalDecimalDollars package var cost: USDAmount?
    /// What the same tokens would have cost on the policy's baseline tier.
    @OptionalDecimalDollars package var baselineCost: USDAmount?
    /// Wall-clock latency in milliseconds (nil in a dry run).
    package var latencyMs: Double?
    /// Whether the router escalated to a higher tier at least once.
    package var escalated: Bool
    /// Input tokens (counted by the API, or estimated in a dry run).
    package var inputTokens: Int?
    /// Output tokens (reported by the API, or projected in a dry run).
    package var outputTokens: Int?
    /// The routing decision's one-line reason.
    package var reason: String?
    /// The case's prompt as sent (system prompt and messages, one per line with their role).
    package var prompt: String?
    /// The final answer's text (nil when the call failed or in a dry run).
    package var answer: String?
    /// Every attempt of the routed call, in order (empty in a dry run or when nothing was sent).
    package var attempts: [AttemptLine] = []
    /// Whether the answer came from claude-router's local mock (its message id carries the
    /// mock's mark, ``CaseOutcome/mockMessageIDPrefix``), not from Claude.
    package var mockReply: Bool = false
    /// Whether the answer was reused from the eval result cache (no call was made this run;
    /// `cost` is then what the call cost when it was made, and this run spent nothing on it).
    package var cached: Bool = false
    /// What the `judge` checks' grading calls cost (not part of `cost`, the routed call's);
    /// nil when the case has no judge check or a judge call was unpriced.
    @OptionalDecimalDollars package var judgeCost: USDAmount? = nil

    /// JSON keys: snake_case, money as `…_usd` decimal-dollar strings (docs/CLI.md, "JSON").
    enum CodingKeys: String, CodingKey {
        case caseID = "case_id", variant, task, tier, model, passed, failures, skippedChecks = "skipped_checks"
        case notEvaluated = "not_evaluated", cost = "cost_usd", baselineCost = "baseline_cost_usd", latencyMs = "latency_ms"
        case escalated, inputTokens = "input_tokens", outputTokens = "output_tokens", reason, prompt, answer, attempts
        case mockReply = "mock_reply", cached, judgeCost = "judge_cost_usd"
    }

    /// The prefix of every message id the local mock server writes (`msg_mock_…`); the API's
    /// ids never carry it. How an eval tells placeholder answers from real ones.
    package static let mockMessageIDPrefix = "msg_mock_"

    /// An outcome; unknown figures stay nil.
    package init(caseID: String, variant: String, task: String, tier: String? = nil, model: String? = nil,
                passed: Bool, failures: [String] = [], skippedChecks: Int = 0, notEvaluated: Bool = false,
                cost: USDAmount? = nil,
                baselineCost: USDAmount? = nil, latencyMs: Double? = nil, escalated: Bool = false,
                inputTokens: Int? = nil, outputTokens: Int? = nil, reason: String? = nil) {
        self.caseID = caseID
        self.variant = variant
        self.task = task
        self.tier = tier
        self.model = model
        self.passed = passed
        self.failures = failures
        self.skippedChecks = skippedChecks
        self.notEvaluated = notEvaluated
        self.cost = cost
        self.baselineCost = baselineCost
        self.latencyMs = latencyMs
        self.escalated = escalated
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.reason = reason
    }
}

/// One attempt of a case's routed call, as the eval report shows it.
package struct AttemptLine: Sendable, Hashable, Codable {
    /// 1-based attempt number.
    package var attempt: Int
    /// Tier and model the attempt went to.
    package var tier: String
    package var model: String
    /// `success`, `escalated` or `error`, with its detail (trigger or error code) after a colon.
    package var outcome: String
    /// Input tokens (cache reads and writes included) and output tokens.
    package var inputTokens: Int
    package var outputTokens: Int
    /// Exact cost; nil when unpriced.
    @OptionalDecimalDollars package var cost: USDAmount?
    /// Latency in milliseconds.
    package var latencyMs: Int

    /// JSON keys: snake_case, money as a decimal-dollar string.
    enum CodingKeys: String, CodingKey {
        case attempt, tier, model, outcome, inputTokens = "input_tokens", outputTokens = "output_tokens", cost = "cost_usd"
        case latencyMs = "latency_ms"
    }

    /// An attempt line.
    package init(attempt: Int, tier: String, model: String, outcome: String, inputTokens: Int, outputTokens: Int,
                 cost: USDAmount?, latencyMs: Int) {
        self.attempt = attempt
        self.tier = tier
        self.model = model
        self.outcome = outcome
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cost = cost
        self.latencyMs = latencyMs
    }
}

/// All outcomes of one variant, in fixture order.
package struct VariantRun: Sendable, Hashable, Codable {
    /// Variant name (policy name or file stem).
    package var name: String
    /// The policy file it came from.
    package var policyFile: String
    /// One outcome per case, in the same order for every variant (paired design).
    package var outcomes: [CaseOutcome]
    /// The policy's name and content hash (`Policy.contentHash`), for the report's footer.
    package var policyName: String
    package var policyHash: String

    /// JSON keys: snake_case.
    enum CodingKeys: String, CodingKey {
        case name, policyFile = "policy_file", outcomes, policyName = "policy_name", policyHash = "policy_hash"
    }

    /// A variant's run.
    package init(name: String, policyFile: String, outcomes: [CaseOutcome], policyName: String = "",
                 policyHash: String = "") {
        self.name = name
        self.policyFile = policyFile
        self.outcomes = outcomes
        self.policyName = policyName
        self.policyHash = policyHash
    }
}
