public import Foundation
public import ClaudeClient
public import RouterPolicies

/// One attempt of a routed call: what was decided, what it consumed and what it cost.
public struct AttemptSummary: Sendable {
    /// 1 for the first attempt, 2 for the first escalation, …
    public var attempt: Int
    /// The ledger record written for this attempt.
    public var recordID: String
    /// The decision the attempt was sent with.
    public var decision: RoutingDecision
    /// The API's request id, when the request reached the API.
    public var requestID: String?
    /// Tokens consumed, by price category.
    public var usage: TokenUsage
    /// Exact cost; `nil` when the model has no price in the price book (never $0).
    public var cost: CostBreakdown?
    /// The same usage priced on the policy's baseline model.
    public var baselineCost: USDAmount?
    /// Wall time of the attempt, retries inside the client included.
    public var latency: Duration
    /// How the attempt ended.
    public var outcome: LedgerRecord.Outcome
    /// The trigger that made the ModelRouter move on (or that the final reply still fails).
    public var trigger: EscalationTrigger?
    /// Why the attempt's recorded usage is not simply the API's report (see ``UsageCheck``):
    /// e.g. `usage_missing`, `usage_estimated`, `output_over_max_tokens`. Empty when none.
    public var flags: [String] = []
}

/// The result of ``ModelRouter/send(_:options:logger:)``: the reply and the full cost story.
public struct RoutedResponse: Sendable {
    /// The reply returned to the caller (from the last attempt).
    public var message: Message
    /// The reply's JSON exactly as the API sent it (``ClaudeClient/APIResponse/rawBody``), for
    /// a gateway that hands it on unchanged; `nil` for a streamed or assembled reply.
    public var messageJSON: Data?
    /// Every attempt in order; the last produced ``message``.
    public var attempts: [AttemptSummary]
    /// A trigger the final reply still fails because no escalation was left (e.g. a check
    /// failed on the strongest tier); `nil` when the reply passed everything.
    public var unresolvedTrigger: EscalationTrigger?
    /// The 1-based number of the attempt that produced ``message``: the last one, unless a later
    /// attempt could not be made (an error, a budget) and the paid earlier reply was returned.
    public var replyAttempt: Int
    /// `true` when the reply came from the response cache: no request was sent and the one
    /// attempt costs $0.
    public var responseCacheHit: Bool = false
    /// For a response-cache hit, what the stored reply cost when it was made (`nil` otherwise,
    /// or when that call was unpriced).
    public var avoidedCost: USDAmount? = nil
    /// The rate-limit headers of the API's response that carried ``message``
    /// (``ClaudeClient/RateLimitInfo/headerFields`` has them as sent); `nil` for a
    /// response-cache hit.
    public var rateLimit: RateLimitInfo? = nil

    /// A response whose reply came from attempt `replyAttempt` (default: the last).
    init(message: Message, attempts: [AttemptSummary], unresolvedTrigger: EscalationTrigger?, replyAttempt: Int? = nil) {
        self.message = message
        self.attempts = attempts
        self.unresolvedTrigger = unresolvedTrigger
        self.replyAttempt = replyAttempt ?? attempts.count
    }

    /// The decision of the attempt that produced ``message``.
    public var decision: RoutingDecision { attempts[replyAttempt - 1].decision }

    /// Exact sum of every priced attempt's cost, escalations included.
    public var totalCost: USDAmount { attempts.compactMap { $0.cost?.total }.sum() }

    /// Attempts whose model had no price (their cost is unknown, not zero).
    public var unpricedAttempts: Int { attempts.filter { $0.cost == nil }.count }

    /// What the final reply's usage would have cost on the baseline model: the cost of calling
    /// the baseline directly for the same answer.
    public var baselineCost: USDAmount? { attempts[replyAttempt - 1].baselineCost }

    /// Baseline minus the cost of all attempts: escalation waste lowers it, and it is negative
    /// when routing cost more than the baseline. `nil` when anything was unpriced.
    public var savings: USDAmount? {
        guard unpricedAttempts == 0, let baselineCost else { return nil }
        return baselineCost - totalCost
    }
}
