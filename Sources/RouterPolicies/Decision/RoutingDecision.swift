/// What the policy engine decided for one request (and, after `escalate`, for one retry).
public struct RoutingDecision: Sendable {
    /// The chosen tier's name.
    public var tier: String
    /// Its index in `Policy.tiers` (0 = cheapest).
    public var tierIndex: Int
    /// The model id to send.
    public var model: String
    /// The `max_tokens` to send.
    public var maxTokens: Int
    /// Tier names a failed call may still escalate to, in order (already limited by `max_steps`).
    public var escalationPath: [String]
    /// Complexity score, 0…1: the number the thresholds apply to (`scoreSource` says which score).
    public var score: Double
    /// Which score `score` is: hand-made, learned, their blend, or the guard's hand-made fallback.
    public var scoreSource: ScoreSource
    /// With a learned scorer, the learned score (0…1) before any blend; `nil` when the guard fell
    /// back or the policy has no scorer.
    public var learnedScore: Double?
    /// The hand-made complexity score (0…1) of the prompt, whichever score decided.
    public var heuristicScore: Double?
    /// Which thresholds applied: the task's own or the policy's; `nil` when no threshold was
    /// compared (a task's fixed tier, or the default tier for a prompt without a signal).
    public var thresholdSource: ThresholdSource?
    /// Each signal's share of the score.
    public var contributions: [SignalContribution]
    /// The override rule that applied, if any.
    public var matchedRule: String?
    /// The A/B variant the caller was assigned to, if the policy runs one.
    public var variant: String?
    /// The task type the request was routed as.
    public var task: String
    /// 1 when the caller named the task; the classifier's confidence otherwise (0 for the fallback).
    public var taskConfidence: Double
    /// Input tokens the decision assumed (counted, or estimated from characters).
    public var estimatedInputTokens: Int
    /// No tier's context window holds the input plus `maxTokens`: the largest was chosen anyway.
    public var contextOverflowRisk: Bool
    /// How many escalations led here (0 for the first decision).
    public var escalationStep: Int
    /// One human-readable line, e.g. `code-review → sonnet: score 0.46 ≥ 0.35 (code 0.30, reasoning 0.12)`.
    public var reason: String

    /// A decision; the engine builds these, tests and the ModelRouter may too.
    public init(tier: String, tierIndex: Int, model: String, maxTokens: Int, escalationPath: [String],
                score: Double, contributions: [SignalContribution], matchedRule: String?, variant: String?,
                task: String, taskConfidence: Double, estimatedInputTokens: Int,
                contextOverflowRisk: Bool = false, escalationStep: Int = 0, reason: String,
                scoreSource: ScoreSource = .heuristic, learnedScore: Double? = nil, heuristicScore: Double? = nil,
                thresholdSource: ThresholdSource? = nil) {
        self.tier = tier
        self.tierIndex = tierIndex
        self.model = model
        self.maxTokens = maxTokens
        self.escalationPath = escalationPath
        self.score = score
        self.contributions = contributions
        self.matchedRule = matchedRule
        self.variant = variant
        self.task = task
        self.taskConfidence = taskConfidence
        self.estimatedInputTokens = estimatedInputTokens
        self.contextOverflowRisk = contextOverflowRisk
        self.escalationStep = escalationStep
        self.reason = reason
        self.scoreSource = scoreSource
        self.learnedScore = learnedScore
        self.heuristicScore = heuristicScore
        self.thresholdSource = thresholdSource
    }
}
