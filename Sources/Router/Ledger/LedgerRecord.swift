public import Foundation
public import RouterPolicies

/// One attempt of one routed call, as written to a ``CostLedger``.
///
/// A logical call that escalates produces one record per attempt: attempt 1 has `parentID == nil`
/// (or its own id), later attempts carry the first attempt's id in `parentID`. Money is exact
/// (``USDAmount`` picodollars); an attempt whose model has no price has `cost == nil` — never `$0`.
public struct LedgerRecord: Sendable, Hashable, Codable {
    /// How an attempt ended.
    public enum Outcome: Sendable, Hashable, Codable {
        /// The attempt's reply was returned to the caller.
        case success
        /// The reply was not accepted and the call moved on to another attempt (the trigger,
        /// e.g. `max_tokens`, `refusal`, `failed_check`).
        case escalated(reason: String)
        /// The attempt failed; `code` is a stable error code such as `ClaudeError.shortDescription`.
        case error(code: String)

        /// `success`, `escalated` or `error`: the kind without its detail (the SQLite `outcome` column).
        public var kind: String {
            switch self {
            case .success: "success"
            case .escalated: "escalated"
            case .error: "error"
            }
        }

        /// The escalation reason or error code, `nil` for success.
        public var detail: String? {
            switch self {
            case .success: nil
            case .escalated(let reason): reason
            case .error(let code): code
            }
        }

        /// Rebuilds an outcome from ``kind`` and ``detail``; `nil` for an unknown kind.
        package init?(kind: String, detail: String?) {
            switch kind {
            case "success": self = .success
            case "escalated": self = .escalated(reason: detail ?? "")
            case "error": self = .error(code: detail ?? "")
            default: return nil
            }
        }
    }

    /// The exact price of one attempt by category (each category priced separately, docs/ANTHROPIC-API.md
    /// "usage": `input_tokens` excludes cache reads and writes).
    public struct Cost: Sendable, Hashable, Codable {
        /// Uncached input tokens' cost.
        public var input: USDAmount
        /// 5-minute cache writes' cost.
        public var cacheWrite5m: USDAmount
        /// 1-hour cache writes' cost.
        public var cacheWrite1h: USDAmount
        /// Cache reads' cost.
        public var cacheRead: USDAmount
        /// Output tokens' cost.
        public var output: USDAmount
        /// Server-tool uses' cost (web searches at the price book's per-use price; their
        /// counts are in ``LedgerRecord/usage``); `nil` when the attempt had no priced use
        /// (and in records written before server tools were priced).
        public var serverTools: USDAmount? = nil
        /// The total billed for the attempt (the sum of the categories unless a discount applies).
        public var total: USDAmount

        /// A breakdown; `total` defaults to the sum of the categories.
        public init(input: USDAmount = .zero, cacheWrite5m: USDAmount = .zero, cacheWrite1h: USDAmount = .zero,
                    cacheRead: USDAmount = .zero, output: USDAmount = .zero, serverTools: USDAmount? = nil,
                    total: USDAmount? = nil) {
            self.input = input
            self.cacheWrite5m = cacheWrite5m
            self.cacheWrite1h = cacheWrite1h
            self.cacheRead = cacheRead
            self.output = output
            self.serverTools = serverTools == .zero ? nil : serverTools
            self.total = total ?? [input, cacheWrite5m, cacheWrite1h, cacheRead, output, serverTools ?? .zero].sum()
        }

        /// The price book's breakdown of one attempt, as stored in the ledger.
        package init(_ breakdown: CostBreakdown) {
            self.init(input: breakdown.input, cacheWrite5m: breakdown.cacheWrite5m, cacheWrite1h: breakdown.cacheWrite1h,
                      cacheRead: breakdown.cacheRead, output: breakdown.output, serverTools: breakdown.serverTools,
                      total: breakdown.total)
        }
    }

    /// A unique id (a UUID string); the ledgers are idempotent on it.
    public var id: String
    /// When the attempt finished, kept to the microsecond (the initializer rounds it).
    public var time: Date
    /// The API's `request-id` of the attempt, or a locally generated id when there was no response.
    public var requestID: String
    /// 1-based attempt number within the logical call.
    public var attempt: Int
    /// The first attempt's ``id`` for attempts after the first; `nil` on the first attempt.
    public var parentID: String?
    /// The task type the router classified (or the caller named).
    public var task: String?
    /// The experiment variant the call was assigned to.
    public var variant: String?
    /// The routing policy's name.
    public var policyName: String?
    /// The routing policy's content hash, so a record names the exact policy text that routed it.
    public var policyHash: String?
    /// The tier the attempt ran on (`nil` for a pass-through model).
    public var tier: String?
    /// The model id the attempt was sent to.
    public var model: String
    /// The one-line routing reason.
    public var reason: String?
    /// The routing score.
    public var score: Double?
    /// Tokens by price category.
    public var usage: TokenUsage
    /// The attempt's exact cost; `nil` means unpriced (unknown model), never zero.
    public var cost: Cost?
    /// The model the savings are measured against (the policy's baseline tier).
    public var baselineModel: String?
    /// What the logical call would have cost on the baseline model; meaningful on attempt 1.
    public var baselineCost: USDAmount?
    /// Wall-clock latency of the attempt in milliseconds.
    public var latencyMs: Int
    /// How the attempt ended.
    public var outcome: Outcome
    /// Whether the attempt was streamed.
    public var stream: Bool
    /// Caller metadata (e.g. `user`), used by reports and per-key budgets.
    public var metadata: [String: String]
    /// Prompt text — present only when the user opted in (`ModelRouter.Options.recordContent`).
    /// The ledgers store exactly what they are given and never derive text themselves.
    public var promptText: String?
    /// Response text — present only when the user opted in (`ModelRouter.Options.recordContent`).
    public var responseText: String?
    /// Why the stored usage is not simply the API's report, each `code: reason` (``UsageCheck``:
    /// `usage_missing`, `usage_negative`, `usage_overflow`, `output_over_max_tokens`,
    /// `usage_estimated`); `nil` when there is nothing to flag (older ledgers have none).
    public var flags: [String]?
    /// Estimated input tokens that history trimming (`history:` in the policy) removed from the
    /// call before it was sent, net of any summary it added; `nil` when nothing was trimmed.
    public var trimmedInputTokens: Int? = nil
    /// The exact input tokens a pre-flight `count_tokens` reported (`preflight:` in the policy);
    /// `nil` when pre-flight did not run or failed (then a `preflight_fallback` flag says why).
    public var preflightInputTokens: Int? = nil
    /// What prompt caching saved on this attempt: its cached tokens (reads and writes) priced
    /// as plain input on the same model, minus what they cost; negative when writes outweighed
    /// reads. `nil` when nothing was cached or the attempt is unpriced. Apart from the routing
    /// saving (``baselineCost`` prices the same cached usage on the baseline model).
    public var cacheSaving: USDAmount? = nil
    /// `true` when the reply was served from the response cache: no request was sent, ``cost``
    /// is $0 and ``avoidedCost`` is what the stored reply cost when it was first made.
    public var responseCacheHit: Bool? = nil
    /// For a response-cache hit, the cost of the call that made the stored reply (what this
    /// hit avoided paying again); `nil` otherwise.
    public var avoidedCost: USDAmount? = nil

    /// Creates a record. `time` is rounded to whole microseconds so that every ledger
    /// (JSON lines, SQLite) round-trips it exactly.
    public init(id: String = UUID().uuidString, time: Date = Date(), requestID: String, attempt: Int = 1,
                parentID: String? = nil, task: String? = nil, variant: String? = nil,
                policyName: String? = nil, policyHash: String? = nil, tier: String? = nil, model: String,
                reason: String? = nil, score: Double? = nil, usage: TokenUsage = TokenUsage(), cost: Cost?,
                baselineModel: String? = nil, baselineCost: USDAmount? = nil, latencyMs: Int = 0,
                outcome: Outcome = .success, stream: Bool = false, metadata: [String: String] = [:],
                promptText: String? = nil, responseText: String? = nil, flags: [String]? = nil) {
        self.id = id
        self.time = Self.microsecondDate(Self.microseconds(of: time))
        self.requestID = requestID
        self.attempt = attempt
        self.parentID = parentID
        self.task = task
        self.variant = variant
        self.policyName = policyName
        self.policyHash = policyHash
        self.tier = tier
        self.model = model
        self.reason = reason
        self.score = score
        self.usage = usage
        self.cost = cost
        self.baselineModel = baselineModel
        self.baselineCost = baselineCost
        self.latencyMs = latencyMs
        self.outcome = outcome
        self.stream = stream
        self.metadata = metadata
        self.promptText = promptText
        self.responseText = responseText
        self.flags = flags?.isEmpty == true ? nil : flags
    }

    /// The id of the logical call this attempt belongs to (the first attempt's id).
    public var logicalCallID: String { parentID ?? id }

    /// Whether the attempt has no price (its model was not in the price book).
    public var isUnpriced: Bool { cost == nil }

    /// Microseconds since 1970, the ledgers' on-disk time unit.
    package static func microseconds(of date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        // Dates outside ±292,000 years are clamped rather than trapping on conversion.
        guard value.isFinite else { return 0 }
        return Int64(max(min(value, Double(Int64.max / 2)), Double(Int64.min / 2)))
    }

    /// The date of a microsecond count, built the same way every time so round trips are exact.
    package static func microsecondDate(_ microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }
}
