public import ClaudeClient
import Foundation
public import RouterPolicies

/// Trims a conversation to a policy's `history:` caps. Pure and deterministic: the same request
/// and settings always give the same result, and nothing is sent anywhere.
///
/// Rules (the Messages API's, https://docs.anthropic.com/en/api/messages):
/// - only the oldest turns are dropped, and only at a cut that keeps the conversation valid:
///   the kept part starts with a user turn that carries no `tool_result` (so no `tool_result`
///   loses its `tool_use`, and no `tool_use` loses its `tool_result`: pairs go whole), roles keep
///   alternating, and the last turn (the one being answered) is always kept;
/// - with `keep_first_user_turn` the first user turn stays and the kept tail starts with an
///   assistant turn right after a dropped user turn instead (still alternating, still no split pair);
/// - the earliest cut that meets both caps wins (as little as possible is dropped); when no cut
///   meets them, the latest possible cut is taken and ``Result/withinCaps`` is `false`;
/// - the system prompt is dropped only when `keep_system` is `false` and the conversation
///   alone still exceeds `max_input_tokens`.
///
/// Tokens are the router's estimate (``estimatedTokens(of:)``), not exact counts.
public enum HistoryTrimmer {
    /// What trimming did.
    public struct Result: Sendable, Hashable {
        /// The request to send (the caller's when nothing was dropped).
        public var request: MessageRequest
        /// The dropped turns, oldest first (what a summary would cover).
        public var dropped: [MessageParam]
        /// Whether the system prompt was dropped.
        public var droppedSystem: Bool
        /// Estimated input tokens before trimming (system prompt plus messages).
        public var originalTokens: Int
        /// Estimated input tokens after trimming.
        public var keptTokens: Int
        /// Whether the result meets every cap (`false` when even the smallest valid conversation exceeds one).
        public var withinCaps: Bool
        /// Whether the first user turn was kept ahead of the kept tail (`keep_first_user_turn`).
        public var keptFirstUserTurn: Bool

        /// Estimated tokens removed.
        public var removedTokens: Int { originalTokens - keptTokens }
        /// Whether anything was dropped.
        public var trimmed: Bool { !dropped.isEmpty || droppedSystem }
    }

    /// Estimated tokens a summary may add; the token cap for the kept turns is lowered by this
    /// when `summarize` is on, so the summarized request still fits `max_input_tokens`.
    public static func summaryAllowance(_ settings: HistorySettings) -> Int {
        guard settings.summarize, let cap = settings.maxInputTokens else { return 0 }
        return min(512, cap / 4)
    }

    /// Trims `request` to `settings`.
    public static func trim(_ request: MessageRequest, settings: HistorySettings) -> Result {
        let messages = request.messages
        let costs = messages.map(estimatedTokens(of:))
        let systemTokens = request.system.map { (Self.utf8Count($0.plainText) + 3) / 4 } ?? 0
        let original = systemTokens + costs.reduce(0, +)
        let keepFirst = settings.keepFirstUserTurn && messages.first?.role == .user
        let tokenCap = settings.maxInputTokens.map { max($0 - summaryAllowance(settings), 0) }

        func fits(messageCount: Int, tokens: Int) -> Bool {
            (settings.maxMessages.map { messageCount <= $0 } ?? true) && (tokenCap.map { tokens <= $0 } ?? true)
        }
        var result = Result(request: request, dropped: [], droppedSystem: false, originalTokens: original,
                            keptTokens: original, withinCaps: fits(messageCount: messages.count, tokens: original),
                            keptFirstUserTurn: false)
        if result.withinCaps { return result }

        // Valid cuts k: keep messages[k...] (plus messages[0] when keepFirst), drop the rest.
        let cuts = validCuts(messages, keepFirst: keepFirst)
        var suffixTokens = Array(repeating: 0, count: messages.count + 1)
        for index in stride(from: messages.count - 1, through: 0, by: -1) {
            suffixTokens[index] = suffixTokens[index + 1] + costs[index]
        }
        func kept(_ cut: Int) -> (count: Int, tokens: Int) {
            let first = keepFirst ? (count: 1, tokens: costs[0]) : (count: 0, tokens: 0)
            return (messages.count - cut + first.count, systemTokens + suffixTokens[cut] + first.tokens)
        }
        guard let cut = cuts.first(where: { fits(messageCount: kept($0).count, tokens: kept($0).tokens) }) ?? cuts.last
        else {
            return finishWithSystem(result, settings: settings, systemTokens: systemTokens, tokenCap: tokenCap, fits: fits)
        }
        var trimmed = request
        let start = keepFirst ? 1 : 0
        trimmed.messages = (keepFirst ? [messages[0]] : []) + Array(messages[cut...])
        result.request = trimmed
        result.dropped = Array(messages[start..<cut])
        result.keptTokens = kept(cut).tokens
        result.withinCaps = fits(messageCount: kept(cut).count, tokens: kept(cut).tokens)
        result.keptFirstUserTurn = keepFirst
        // The caller's own JSON would be sent as is: the trimmed messages must be encoded instead.
        result.request.originalJSON = nil
        return finishWithSystem(result, settings: settings, systemTokens: systemTokens, tokenCap: tokenCap, fits: fits)
    }

    /// Drops the system prompt when allowed and still needed.
    private static func finishWithSystem(_ result: Result, settings: HistorySettings, systemTokens: Int, tokenCap: Int?,
                                         fits: (Int, Int) -> Bool) -> Result {
        var result = result
        guard !result.withinCaps, !settings.keepSystem, result.request.system != nil,
              let tokenCap, result.keptTokens > tokenCap else { return result }
        result.request.system = nil
        result.request.originalJSON = nil
        result.droppedSystem = true
        result.keptTokens -= systemTokens
        result.withinCaps = fits(result.request.messages.count, result.keptTokens)
        return result
    }

    /// The indices `k` where the kept tail `messages[k...]` may start, ascending.
    /// Without `keepFirst`: a user turn with no `tool_result`, after at least one dropped turn.
    /// With `keepFirst`: an assistant turn at index ≥ 2 (so at least one turn is dropped) whose
    /// previous turn is a user turn (the one dropped last), keeping `[first user turn, assistant, …]`
    /// alternating. The last turn is always kept, so `k < messages.count`.
    static func validCuts(_ messages: [MessageParam], keepFirst: Bool) -> [Int] {
        guard messages.count >= 2 else { return [] }
        var cuts: [Int] = []
        for k in 1..<messages.count {
            let turn = messages[k]
            if keepFirst {
                guard k >= 2, turn.role == .assistant, messages[k - 1].role == .user else { continue }
                // The dropped range [1, k) must not end inside a tool pair: messages[k-1] is a
                // user turn, so the only pair at the boundary would be (k-1 assistant → k user),
                // which this role order excludes.
                cuts.append(k)
            } else {
                guard turn.role == .user, messages[k - 1].role == .assistant, !hasToolResult(turn) else { continue }
                cuts.append(k)
            }
        }
        return cuts
    }

    /// Whether a turn answers a tool call.
    static func hasToolResult(_ turn: MessageParam) -> Bool {
        turn.content.contains { if case .toolResult = $0 { true } else { false } }
    }

    /// The router's estimate of a turn's input tokens: text at ~4 UTF-8 bytes per token (as
    /// `RoutingInput` estimates), an image at 1,600 tokens (about a 1,092×1,092 picture,
    /// https://docs.anthropic.com/en/docs/build-with-claude/vision#calculate-image-costs), any
    /// other block at its JSON encoding's bytes ÷ 4. Never 0 for a turn with content.
    public static func estimatedTokens(of turn: MessageParam) -> Int {
        var bytes = 0
        var images = 0
        for block in turn.content {
            switch block {
            case .text(let text): bytes += utf8Count(text.text)
            case .image: images += 1
            case .toolResult(let result):
                switch result.content {
                case .string(let text)?: bytes += utf8Count(text)
                case .blocks(let blocks)?:
                    bytes += estimatedTokens(of: MessageParam(role: turn.role, content: blocks)) * 4
                case nil: break
                }
                bytes += 16
            default:
                bytes += (try? JSONEncoder().encode(block).count) ?? 0
            }
        }
        return max((bytes + 3) / 4 + images * 1_600, turn.content.isEmpty ? 0 : 1)
    }

    static func utf8Count(_ text: String) -> Int { text.utf8.count }
}
