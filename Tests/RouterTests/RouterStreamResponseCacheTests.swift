import ClaudeClient
import ClaudeMockServer
import Foundation
@testable import Router
import RouterPolicies
import Testing

/// Streamed calls and the response cache, end to end against the mock: a completed stream fills
/// the cache, a hit is replayed as the API's event sequence with no request, and unclean
/// endings are never stored.
@Suite("Router streamed calls and the response cache", .serialized)
struct RouterStreamResponseCacheTests {
    /// Every event of a routed stream, and the reply the client's own accumulator rebuilds from them.
    static func drain(_ stream: RoutedStream) async throws -> (events: [MessageStreamEvent], rebuilt: Message?,
                                                                response: RoutedResponse) {
        var events: [MessageStreamEvent] = []
        var accumulator = MessageAccumulator()
        for try await event in stream {
            events.append(event)
            try accumulator.apply(event)
        }
        #expect(accumulator.isComplete)
        return (events, accumulator.message, try await stream.result())
    }

    @Test("a completed stream fills the cache; the same request streamed again is replayed: no request, $0, avoided cost")
    func streamFillsThenReplays() async throws {
        let harness = try await RouterCachingTests.cacheHarness()
        defer { Task { await harness.stop() } }
        let options = CallOptions(task: "faq", metadata: ["user": "alice"])
        let request = RouterHarness.auto("When does the shop open on Saturdays?")
        let first = try await Self.drain(try await harness.router.stream(request, options: options))
        #expect(!first.response.responseCacheHit)
        let requestsAfterFirst = harness.server.stats.totalRequests
        #expect(requestsAfterFirst == 1)

        let stream = try await harness.router.stream(request, options: options)
        #expect(stream.isResponseCacheHit)
        let second = try await Self.drain(stream)
        #expect(harness.server.stats.totalRequests == requestsAfterFirst)
        #expect(second.rebuilt == first.rebuilt)
        #expect(second.rebuilt?.text == first.response.message.text)
        #expect(second.response.responseCacheHit)
        #expect(second.response.totalCost == .zero)
        #expect(second.response.avoidedCost == first.response.totalCost)
        // The API's order: message_start, each block's start/delta/stop, message_delta, message_stop.
        guard case .messageStart(let shell)? = second.events.first else {
            Issue.record("a replay starts with message_start")
            return
        }
        #expect(shell.content.isEmpty && shell.stopReason == nil)
        #expect(second.events.last == .messageStop)
        if case .messageDelta(let delta, let usage)? = second.events.dropLast().last {
            #expect(delta.stopReason == .endTurn)
            #expect(usage == first.response.message.usage)
        } else {
            Issue.record("message_delta precedes message_stop")
        }

        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        let hit = try #require(records.last)
        #expect(hit.responseCacheHit == true && hit.stream == true)
        #expect(hit.cost?.total == .zero)
        #expect(hit.avoidedCost == first.response.totalCost)
    }

    @Test("a non-streamed reply is replayed to a streamed request, and a streamed fill answers send")
    func crossesStreamAndSend() async throws {
        let harness = try await RouterCachingTests.cacheHarness()
        defer { Task { await harness.stop() } }
        let options = CallOptions(task: "faq", metadata: ["user": "bob"])
        let sent = try await harness.router.send(RouterHarness.auto("Is parking free?"), options: options)
        let replay = try await Self.drain(try await harness.router.stream(RouterHarness.auto("Is parking free?"),
                                                                          options: options))
        #expect(replay.response.responseCacheHit)
        #expect(replay.rebuilt?.content == sent.message.content)

        let streamed = try await Self.drain(try await harness.router.stream(RouterHarness.auto("Do you deliver?"),
                                                                            options: options))
        let hit = try await harness.router.send(RouterHarness.auto("Do you deliver?"), options: options)
        #expect(hit.responseCacheHit)
        #expect(hit.message.content == streamed.response.message.content)
        #expect(harness.server.stats.requests(to: .messages) == 2)
    }

    @Test("a streamed refusal or max_tokens reply is never stored")
    func neverStoresUncleanStreams() async throws {
        let harness = try await RouterCachingTests.cacheHarness()
        defer { Task { await harness.stop() } }
        let options = CallOptions(task: "faq", metadata: ["user": "alice"])
        for directive in ["[[mock: stop=refusal]]", "[[mock: stop=max_tokens]]"] {
            let request = RouterHarness.auto("Tell me more \(directive)")
            _ = try await Self.drain(try await harness.router.stream(request, options: options))
            let again = try await harness.router.stream(request, options: options)
            #expect(!again.isResponseCacheHit)
            _ = try await Self.drain(again)
        }
        #expect(harness.server.stats.requests(to: .messages) == 4)
        #expect(try await harness.ledger.records(LedgerQuery()).allSatisfy { $0.responseCacheHit == nil })
    }

    @Test("the replayed events rebuild text, citations, tool_use, thinking and redacted blocks exactly")
    func replayRebuildsEveryBlockKind() throws {
        let message = Message(
            id: "msg_1", model: "claude-sonnet-4-6",
            content: [
                .thinking(ThinkingBlock(thinking: "Weigh the options.", signature: "sig-abc")),
                .redactedThinking(RedactedThinkingBlock(data: "opaque")),
                .text(TextBlock(text: "The total is 42.", citations: [.object(["type": .string("char_location")])])),
                .toolUse(ToolUseBlock(id: "toolu_1", name: "lookup",
                                      input: .object(["id": .int(7), "tags": .array([.string("a"), .null])]))),
                .text(TextBlock(text: "")),
            ],
            stopReason: .toolUse, stopSequence: nil,
            usage: Usage(inputTokens: 120, outputTokens: 33))
        var accumulator = MessageAccumulator()
        for event in ReplaySession.events(replaying: message) { try accumulator.apply(event) }
        #expect(accumulator.isComplete)
        #expect(accumulator.message == message)
        #expect(accumulator.usage == message.usage)
    }
}
