/// Refusals before any network traffic, for requests the API would reject (docs/ANTHROPIC-API.md
/// "Wire basics", "Request body limit", "Retry policy" last bullet).
enum RequestValidation {
    /// 32 MB for Messages requests.
    static let messagesBodyLimit = 32 * 1024 * 1024
    /// 256 MB for a batch create.
    static let batchBodyLimit = 256 * 1024 * 1024
    /// The official SDKs assume at most 128,000 output tokens per hour of generation.
    static let tokensPerHour = 128_000
    /// Non-streaming calls expected to run longer than 10 minutes are refused.
    static let nonStreamingLimitSeconds = 600

    static func refuse(_ message: String) -> ClaudeError {
        ClaudeError(code: .refusedClientSide, message: message)
    }

    /// The 2026-10-21 rules on request fields; `place` prefixes messages (e.g. a batch custom_id).
    static func checkVersionRules(_ request: MessageRequest, version: AnthropicClient.APIVersion, place: String = "")
        throws(ClaudeError)
    {
        guard version.hasStrictRequestRules else { return }
        var present: [String] = []
        if request.temperature != nil { present.append("temperature") }
        if request.topP != nil { present.append("top_p") }
        if request.topK != nil { present.append("top_k") }
        if !present.isEmpty {
            throw refuse(
                "\(place)\(present.joined(separator: ", ")) not accepted under anthropic-version \(version): "
                    + "remove it, or pin anthropic-version 2023-06-01 (apiVersion .v2023_06_01)")
        }
        try checkBlocks(request.messages, version: version, place: place)
    }

    /// Block placement rules that also apply to `count_tokens`.
    static func checkBlocks(_ messages: [MessageParam], version: AnthropicClient.APIVersion, place: String = "")
        throws(ClaudeError)
    {
        guard version.hasStrictRequestRules else { return }
        for (messageIndex, message) in messages.enumerated() {
            for (blockIndex, block) in message.content.enumerated() {
                // Built only on refusal: this loop runs for every request.
                var where_: String { "\(place)messages[\(messageIndex)].content[\(blockIndex)]" }
                switch block {
                case .document where message.role == .assistant:
                    throw refuse(
                        "\(where_): a document block in an assistant message is not accepted under "
                            + "anthropic-version \(version): move the document to a user message")
                case .text(let text) where message.role == .user && !(text.citations ?? []).isEmpty:
                    throw refuse(
                        "\(where_): a text block with citations in a user message is not accepted under "
                            + "anthropic-version \(version): drop the citations field")
                default:
                    continue
                }
            }
        }
    }

    /// Refuses a non-streaming request whose `max_tokens` implies more than 10 minutes of
    /// generation (expected = 3600 s * max_tokens / 128000), or more than `requestTimeout` when
    /// that is longer — the official SDKs' rule; the caller should stream instead.
    static func checkNonStreaming(_ request: MessageRequest, requestTimeout: Duration) throws(ClaudeError) {
        let limitSeconds = max(Double(nonStreamingLimitSeconds), requestTimeout.seconds)
        let expectedSeconds = 3600.0 * Double(request.maxTokens) / Double(tokensPerHour)
        if expectedSeconds > limitSeconds {
            throw refuse(
                "max_tokens \(request.maxTokens) may take about \(Int(expectedSeconds)) s, longer than the "
                    + "\(Int(limitSeconds)) s allowed without streaming: use streamMessage, or lower max_tokens")
        }
    }

    static func checkBodySize(_ size: Int, limit: Int, what: String) throws(ClaudeError) {
        if size > limit {
            throw refuse(
                "\(what) body is \(size) bytes, over the API's \(limit / (1024 * 1024)) MB limit: "
                    + "shrink the request (e.g. reference large files instead of inlining them)")
        }
    }
}
