public import ClaudeClient
public import RouterPolicies

/// Validates the token counts a reply reports before they are priced, budgeted and stored.
///
/// The API's `usage` is data from the network, not a fact: a count can be absent, negative or
/// beyond anything a context window allows, and `output_tokens` can exceed the request's
/// `max_tokens`. Each is recorded with a flag (a stable code plus the reason) instead of being
/// priced blindly:
/// - `usage_missing`: the reply had no token counts; the cost is unknown (never $0).
/// - `usage_negative`: a count below 0 (stored as 0); the cost is unknown.
/// - `usage_overflow`: a count above ``maximumTokens``; stored as is, the cost is unknown.
/// - `output_over_max_tokens`: priced as reported, but more than the request allowed.
/// - `usage_estimated`: the call was aborted before a reply (e.g. SIGINT) after the request was
///   sent, so the input is the router's estimate, which the API may have billed.
/// An unknown cost keeps the budget's worst-case reservation as spent, so a budget never
/// under-counts.
public struct UsageCheck: Sendable, Hashable {
    /// More tokens than any model's context window in one request (the largest is 1M tokens,
    /// https://docs.anthropic.com/en/docs/build-with-claude/context-windows): a count above this
    /// is an impossible report, not a real bill.
    public static let maximumTokens = 100_000_000

    /// The counts to store: negative ones raised to 0.
    public var usage: TokenUsage
    /// Flags, each `code: reason` (e.g. `usage_negative: output_tokens -5`); empty when valid.
    public var flags: [String]
    /// Whether the counts can be priced (`false` for missing, negative or overflowing counts).
    public var isPriceable: Bool

    /// Checks `usage` against `maxTokens` (the request's `max_tokens`; 0 skips that check).
    public init(_ usage: Usage, maxTokens: Int) {
        let counts: [(String, Int)] = [
            ("input_tokens", usage.inputTokens), ("output_tokens", usage.outputTokens),
            ("cache_creation_input_tokens", usage.cacheCreationInputTokens),
            ("cache_read_input_tokens", usage.cacheReadInputTokens),
            ("cache_creation.ephemeral_5m_input_tokens", usage.cacheCreation?.ephemeral5mInputTokens ?? 0),
            ("cache_creation.ephemeral_1h_input_tokens", usage.cacheCreation?.ephemeral1hInputTokens ?? 0),
        ]
        var flags: [String] = []
        if !usage.isReported { flags.append("usage_missing: the reply reported no token counts") }
        let negative = counts.filter { $0.1 < 0 }
        if !negative.isEmpty {
            flags.append("usage_negative: " + negative.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        }
        let huge = counts.filter { $0.1 > Self.maximumTokens }
        if !huge.isEmpty {
            flags.append("usage_overflow: " + huge.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
                + " (over \(Self.maximumTokens))")
        }
        if maxTokens > 0, usage.outputTokens > maxTokens, huge.isEmpty {
            flags.append("output_over_max_tokens: output_tokens \(usage.outputTokens) > max_tokens \(maxTokens)")
        }
        var clean = usage
        clean.inputTokens = max(0, usage.inputTokens)
        clean.outputTokens = max(0, usage.outputTokens)
        clean.cacheCreationInputTokens = max(0, usage.cacheCreationInputTokens)
        clean.cacheReadInputTokens = max(0, usage.cacheReadInputTokens)
        if var split = usage.cacheCreation {
            split.ephemeral5mInputTokens = max(0, split.ephemeral5mInputTokens)
            split.ephemeral1hInputTokens = max(0, split.ephemeral1hInputTokens)
            clean.cacheCreation = split
        }
        self.usage = CostAccounting.tokenUsage(clean)
        self.flags = flags
        self.isPriceable = usage.isReported && negative.isEmpty && huge.isEmpty
    }

    /// The stable code of a flag (the text before `:`), e.g. `usage_missing`.
    public static func code(of flag: String) -> String {
        String(flag.prefix { $0 != ":" })
    }
}
