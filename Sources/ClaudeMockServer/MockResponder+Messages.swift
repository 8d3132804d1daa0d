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
        // docs/ANTHROPIC-API.md "Prompt caching": at most four breakpoints per request.
        let breakpoints = MockMessageRequest.breakpointCount(json)
        if breakpoints > 4 {
            throw MockAPIError.invalid("A maximum of 4 blocks with cache_control may be provided. Found \(breakpoints).")
        }
        var reply = MockReply(
            request: request, directive: directive,
            messageID: mockID("msg_mock_", sequence),
            toolID: mockID("toolu_mock_", sequence)
        )
        if breakpoints > 0, directive.cacheRead == nil, directive.cacheWrite5m == nil, directive.cacheWrite1h == nil {
            let blocks = MockMessageRequest.cacheBlocks(json)
            let minimum = configuration.minimumCacheableTokens(for: request.model)
            let usage = state.withLock {
                $0.promptCacheUsage(model: request.model, blocks: blocks, minimumTokens: minimum, now: Date())
            }
            reply.cacheRead = usage.read
            reply.cacheWrite5m = usage.write5m
            reply.cacheWrite1h = usage.write1h
            // input_tokens excludes what was read from or written to the cache.
            reply.inputTokens = max(0, reply.inputTokens - usage.read - usage.write5m - usage.write1h)
        }
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
