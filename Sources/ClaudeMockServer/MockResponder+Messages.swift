import Foundation

/// `POST /v1/messages` (JSON and SSE) and `POST /v1/messages/count_tokens`.
extension MockResponder {
    func messages(
        json: MockJSON, version: String, outer: MockDirective, context: Context, sequence: Int, requestID: String
    ) async throws -> MockReplyOutput {
        let request = try MockMessageRequest(json: json, version: version)
        if request.stream { state.withLock { $0.stats.streamingRequests += 1 } }
        // Prompt directives script only generation endpoints, never count_tokens, so a prompt that
        // asks for a 529 does not also break the router's token count of the same prompt.
        let prompt = MockDirective.select(in: request.lastUserText, model: request.model) ?? MockDirective()
        try await applyTransportFaults(prompt, context: context)
        if let error = MockAPIError.scripted(by: prompt) { throw error }
        let directive = prompt.overriding(with: outer)
        let reply = MockReply(
            request: request, directive: directive,
            messageID: mockID("msg_mock_", sequence),
            toolID: mockID("toolu_mock_", sequence)
        )
        var output: MockReplyOutput
        if request.stream && directive.jsonReply != true {
            let frames = reply.streamFrames(
                extraPings: directive.pings ?? 0, errorAfter: directive.errorAfter, requestID: requestID
            )
            output = MockReplyOutput(body: .events(frames, split: directive.split, slowMs: directive.slowMs))
        } else {
            output = MockReplyOutput(body: .json(reply.message))
        }
        output.inputTokens = reply.inputTokens
        output.outputTokens = reply.outputTokens
        if let requestID = directive.requestID { output.headers.append(("request-id", requestID)) }
        return finish(output, directive)
    }

    func countTokens(
        json: MockJSON, version: String, outer: MockDirective, context: Context
    ) async throws -> MockReplyOutput {
        let request = try MockMessageRequest(json: json, version: version, requireMaxTokens: false)
        var output = MockReplyOutput(body: .json(.object([("input_tokens", .int(request.inputTokens))])))
        output.inputTokens = request.inputTokens
        return finish(output, outer)
    }
}
