import ClaudeClient

/// The shape rules the Messages API enforces on a request body, checked before any upstream
/// call so that a request the API would reject anyway costs no round trip, no budget hold and
/// no ledger row. Messages follow the API's `invalid_request_error` wording
/// (https://docs.anthropic.com/en/api/messages, https://docs.anthropic.com/en/api/errors).
enum GatewayRequestShape {
    /// Throws the API's 400 for the first shape rule `request` breaks.
    ///
    /// - `messages` must hold at least one message, each with role `user` or `assistant`;
    /// - every message but an optional final `assistant` one (a prefill) has non-empty content,
    ///   and text blocks are never empty;
    /// - `max_tokens` is at least 1 for a concrete model; with `auto` (or empty) it may be 0,
    ///   which leaves it to the policy.
    /// - Throws: ``GatewayAPIError`` (400 `invalid_request_error`).
    static func check(_ request: MessageRequest) throws(GatewayAPIError) {
        let routed = request.model.isEmpty || request.model == "auto"
            || request.model.hasPrefix(GatewayResponder.taskAliasPrefix)
        if routed {
            guard request.maxTokens >= 0 else {
                throw .invalidRequest("max_tokens: must be greater than or equal to 0 (0 leaves it to the policy)")
            }
        } else {
            guard request.maxTokens >= 1 else { throw .invalidRequest("max_tokens: must be greater than or equal to 1") }
        }
        try checkMessages(request.messages)
    }

    /// The `messages` rules alone (count_tokens has no `max_tokens`).
    /// - Throws: ``GatewayAPIError`` (400 `invalid_request_error`).
    static func checkMessages(_ messages: [MessageParam]) throws(GatewayAPIError) {
        guard !messages.isEmpty else { throw .invalidRequest("messages: at least one message is required") }
        for (index, message) in messages.enumerated() {
            guard message.role == .user || message.role == .assistant else {
                throw .invalidRequest("messages.\(index).role: must be 'user' or 'assistant'")
            }
            let isFinalAssistant = index == messages.count - 1 && message.role == .assistant
            if message.content.isEmpty, !isFinalAssistant {
                throw .invalidRequest(
                    "messages.\(index): all messages must have non-empty content except for the optional final assistant message")
            }
            for (blockIndex, block) in message.content.enumerated() {
                if case .text(let text) = block, text.text.isEmpty {
                    throw .invalidRequest("messages.\(index).content.\(blockIndex).text: text content blocks must be non-empty")
                }
            }
        }
    }
}
