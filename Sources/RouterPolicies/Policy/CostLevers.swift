/// The `history:` section (global, or per task): caps on the conversation a call sends.
///
/// The ModelRouter trims before it decides: it drops the oldest whole turns (a `tool_use` turn
/// always together with the `tool_result` turn that answers it) until the conversation has at
/// most ``maxMessages`` messages and at most ``maxInputTokens`` estimated input tokens, keeping
/// the request valid for the Messages API (first message from the user, roles alternating).
/// Token counts here are the router's estimate (~4 characters per token), not exact counts.
public struct HistorySettings: Sendable, Hashable {
    /// The most messages (user and assistant turns) sent; `nil`: no count cap.
    public var maxMessages: Int?
    /// The most estimated input tokens (system prompt plus messages) sent; `nil`: no token cap.
    public var maxInputTokens: Int?
    /// Never drop the system prompt (default `true`). With `false` the system prompt goes too
    /// when the conversation alone still exceeds ``maxInputTokens`` after trimming.
    public var keepSystem: Bool
    /// Keep the conversation's first user turn (often the task statement) whatever else is dropped.
    public var keepFirstUserTurn: Bool
    /// Replace the dropped turns with a summary written by the policy's cheapest tier (that call
    /// is recorded in the ledger under the task `history_summary`).
    public var summarize: Bool

    /// History caps; every field is optional (`keepSystem` defaults to `true`).
    public init(maxMessages: Int? = nil, maxInputTokens: Int? = nil, keepSystem: Bool = true,
                keepFirstUserTurn: Bool = false, summarize: Bool = false) {
        self.maxMessages = maxMessages
        self.maxInputTokens = maxInputTokens
        self.keepSystem = keepSystem
        self.keepFirstUserTurn = keepFirstUserTurn
        self.summarize = summarize
    }
}

/// The `preflight:` section (global, or per task): ask the free `count_tokens` endpoint
/// (https://docs.anthropic.com/en/docs/build-with-claude/token-counting) for the exact input
/// size before choosing a tier and reserving a budget.
public struct PreflightSettings: Sendable, Hashable {
    /// When the count is asked for.
    public enum When: String, Sendable, Hashable, CaseIterable {
        /// On every call.
        case always
        /// Only when the estimate plus `max_tokens` is within ``PreflightSettings/margin`` of
        /// the chosen tier's context window.
        case nearLimit = "near_limit"
    }

    /// When to count.
    public var when: When
    /// The fraction (0…1) of a context window that counts as "near" for ``When/nearLimit``:
    /// 0.1 counts when the estimate plus `max_tokens` exceeds 90% of the window.
    public var margin: Double

    /// Pre-flight settings; defaults: always, margin 0.1.
    public init(when: When = .always, margin: Double = 0.1) {
        self.when = when
        self.margin = margin
    }

    /// Whether a call with this estimate should be counted first.
    /// - Parameters:
    ///   - estimatedInputTokens: the router's estimate (characters ÷ 4).
    ///   - maxTokens: the decision's `max_tokens`.
    ///   - contextWindow: the chosen tier's window (tokens).
    public func shouldCount(estimatedInputTokens: Int, maxTokens: Int, contextWindow: Int) -> Bool {
        switch when {
        case .always: return true
        case .nearLimit:
            let threshold = Double(contextWindow) * (1 - margin)
            return Double(estimatedInputTokens) + Double(maxTokens) >= threshold
        }
    }
}

extension Policy {
    /// The task name the router records a history summary call under.
    public static let historySummaryTask = "history_summary"

    /// The `history:` caps in force for `task`: the task's own, else the policy's global ones.
    public func historySettings(forTask task: String?) -> HistorySettings? {
        if let task, let own = tasks[task]?.history { return own }
        return history
    }

    /// The `preflight:` settings in force for `task`: the task's own, else the policy's global ones.
    public func preflightSettings(forTask task: String?) -> PreflightSettings? {
        if let task, let own = tasks[task]?.preflight { return own }
        return preflight
    }

    /// Whether `task` is marked `deferrable: true` (its work may go through the Message Batches API).
    public func isDeferrable(task: String?) -> Bool {
        guard let task else { return false }
        return tasks[task]?.deferrable ?? false
    }
}
