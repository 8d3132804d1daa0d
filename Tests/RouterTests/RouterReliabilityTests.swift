import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// Hostile replies from the mock server process (real sockets, real libcurl): every reply the
/// API billed is recorded, impossible usage is flagged instead of priced, header values are
/// cleaned before they are stored, and a paid reply is never thrown away.
@Suite("Router reliability: hostile replies", .serialized)
struct RouterReliabilityTests {
    static func only(_ harness: RouterHarness) async throws -> LedgerRecord {
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 1)
        return try #require(records.first)
    }

    @Test("a JSON reply to a streamed request is delivered as events and recorded, not retried")
    func jsonReplyToStream() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let stream = try await harness.router.stream(
            RouterHarness.auto("Extract the id from A-1 [[mock: json-reply]]"), options: CallOptions(task: "extraction"))
        var text = ""
        for try await event in stream {
            if case .contentBlockDelta(_, .text(let piece)) = event { text += piece }
        }
        let response = try await stream.result()
        #expect(text.contains("mock reply from claude-haiku-4-5"))
        #expect(response.message.text == text)
        let record = try await Self.only(harness)
        #expect(record.stream && record.outcome == .success)
        #expect(record.usage.input > 0 && record.usage.output > 0)
        #expect(record.cost != nil)
        #expect(harness.server.stats.requestsByEndpoint[.messages] == 1)
    }

    @Test("usage the reply does not report is flagged usage_missing with an unknown cost, never $0",
          arguments: [false, true])
    func usageMissing(streamed: Bool) async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let request = RouterHarness.auto("Extract the id from A-1 [[mock: usage=missing]]")
        let response: RoutedResponse
        if streamed {
            response = try await harness.router.stream(request, options: CallOptions(task: "extraction")).result()
        } else {
            response = try await harness.router.send(request, options: CallOptions(task: "extraction"))
        }
        let record = try await Self.only(harness)
        #expect(record.cost == nil)
        #expect(record.flags?.map(UsageCheck.code(of:)) == ["usage_missing"])
        #expect(response.attempts[0].cost == nil)
        #expect(response.unpricedAttempts == 1)
    }

    @Test("negative counts are stored as 0 and flagged with the reported values; the cost is unknown")
    func negativeUsage() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        _ = try await harness.router.send(RouterHarness.auto("Extract A-1 [[mock: usage=negative]]"),
                                          options: CallOptions(task: "extraction"))
        let record = try await Self.only(harness)
        #expect(record.usage.input == 0 && record.usage.output == 0)
        #expect(record.cost == nil)
        #expect(record.flags == ["usage_negative: input_tokens -5, output_tokens -7"])
    }

    @Test("counts beyond any context window are flagged usage_overflow, not logged as an unpriced model")
    func overflowingUsage() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        _ = try await harness.router.send(RouterHarness.auto("Extract A-1 [[mock: usage=overflow]]"),
                                          options: CallOptions(task: "extraction"))
        let record = try await Self.only(harness)
        #expect(record.cost == nil)
        #expect(record.flags?.count == 1)
        #expect(record.flags?.first?.hasPrefix("usage_overflow: input_tokens \(Int.max - 1)") == true)
    }

    @Test("output_tokens above the request's max_tokens is priced as reported and flagged")
    func outputOverMaxTokens() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        // extraction sends max_tokens 512.
        _ = try await harness.router.send(RouterHarness.auto("Extract A-1 [[mock: output-tokens=900]]"),
                                          options: CallOptions(task: "extraction"))
        let record = try await Self.only(harness)
        #expect(record.usage.output == 900)
        #expect(record.cost != nil)
        #expect(record.flags == ["output_over_max_tokens: output_tokens 900 > max_tokens 512"])
    }

    @Test("a request-id header echoing the API key is redacted before it is stored")
    func requestIDRedacted() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        // The harness's key is sk-ant-test-router.
        _ = try await harness.router.send(
            RouterHarness.auto("Extract A-1 [[mock: request-id=\"req_1-sk-ant-test-router\"]]"),
            options: CallOptions(task: "extraction"))
        let record = try await Self.only(harness)
        #expect(!record.requestID.contains("sk-ant-test-router"))
        #expect(record.requestID.hasPrefix("req_1-"))
        #expect(record.requestID.contains("[REDACTED]"))
    }

    @Test("a paid reply is returned with its trigger unresolved when the escalation's attempt fails")
    func paidReplyKeptWhenEscalationFails() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        // haiku stops at max_tokens (paid); the escalation to sonnet gets a 400 (not an escalation trigger).
        let response = try await harness.router.send(
            RouterHarness.auto("Extract A-1 [[mock: stop=max_tokens models=haiku]] [[mock: status=400 models=sonnet]]"),
            options: CallOptions(task: "extraction"))
        #expect(response.unresolvedTrigger == .maxTokens)
        #expect(response.replyAttempt == 1)
        #expect(response.decision.tier == "haiku")
        #expect(response.attempts.count == 2)
        #expect(response.attempts[1].outcome.kind == "error")
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        #expect(response.totalCost == records.compactMap { $0.cost?.total }.sum())
    }

    @Test("a max_tokens too large for a non-streaming call is streamed internally by send")
    func largeMaxTokensStreamedInternally() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let request = MessageRequest(model: "claude-opus-4-8", maxTokens: 32_000, messages: [.user("Prove it")])
        #expect(harness.client.requiresStreaming(request))
        let response = try await harness.router.send(request)
        #expect(response.message.text.contains("mock reply from claude-opus-4-8"))
        #expect(harness.server.stats.streamingRequests == 1)
        let record = try await Self.only(harness)
        #expect(record.outcome == .success && record.cost != nil)
    }

    @Test("an internally streamed call that breaks mid-stream records the usage it reported, flagged usage_partial")
    func internalStreamBreakRecordsPartialUsage() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let request = MessageRequest(model: "claude-opus-4-8", maxTokens: 32_000,
                                     messages: [.user("Prove it [[mock: error-after=2]]")])
        #expect(harness.client.requiresStreaming(request))
        await #expect(throws: ClaudeError.self) { try await harness.router.send(request) }
        #expect(harness.server.stats.streamingRequests == 1)
        let record = try await Self.only(harness)
        #expect(record.outcome.kind == "error")
        #expect(record.usage.input > 0)
        #expect(record.cost.map { $0.total > .zero } == true)
        #expect((record.flags ?? []).contains { $0.hasPrefix("usage_partial") })
    }
}

@Suite("UsageCheck")
struct UsageCheckTests {
    @Test("valid usage passes unflagged and priceable")
    func valid() {
        let check = UsageCheck(Usage(inputTokens: 10, outputTokens: 20), maxTokens: 100)
        #expect(check.flags.isEmpty && check.isPriceable)
        #expect(check.usage.input == 10 && check.usage.output == 20)
    }

    @Test("a negative cache count is named in the flag")
    func negativeCache() {
        let check = UsageCheck(Usage(inputTokens: 1, outputTokens: 1, cacheReadInputTokens: -3), maxTokens: 0)
        #expect(check.flags == ["usage_negative: cache_read_input_tokens -3"])
        #expect(!check.isPriceable && check.usage.cacheRead == 0)
    }

    @Test("max_tokens 0 skips the over-max check")
    func noMaxTokens() {
        #expect(UsageCheck(Usage(inputTokens: 1, outputTokens: 5_000), maxTokens: 0).flags.isEmpty)
    }
}
