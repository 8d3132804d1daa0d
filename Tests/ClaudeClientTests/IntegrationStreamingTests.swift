import ClaudeMockServer
import Foundation
import Testing

@testable import ClaudeClient

/// Everything a consumer saw of one stream: events in order, and the error that ended it.
struct ConsumedStream {
    var events: [MessageStreamEvent] = []
    var error: ClaudeError?

    var text: String {
        events.reduce(into: "") { text, event in
            if case .contentBlockDelta(_, .text(let piece)) = event { text += piece }
        }
    }

    var textDeltas: Int {
        events.count(where: { if case .contentBlockDelta(_, .text) = $0 { true } else { false } })
    }

    var pings: Int { events.count(where: { $0 == .ping }) }

    static func consume(_ stream: MessageStream) async -> ConsumedStream {
        var consumed = ConsumedStream()
        do {
            for try await event in stream { consumed.events.append(event) }
        } catch let error as ClaudeError {
            consumed.error = error
        } catch {
            Issue.record("a stream threw a non-ClaudeError: \(type(of: error))")
        }
        return consumed
    }
}

extension IntegrationTests {
    @Suite("SSE over real sockets")
    struct Streaming {
        @Test("a stream split every N bytes assembles the same message", arguments: [1, 2, 3, 7, 64, 1_000])
        func splitAnywhere(bytes: Int) async throws {
            let harness = try await IntegrationHarness.start()
            let reference = await ConsumedStream.consume(try await harness.client.streamMessage(IntegrationFixtures.request()))
            harness.server.enqueue(.split(bytes: bytes))
            let split = await ConsumedStream.consume(try await harness.client.streamMessage(IntegrationFixtures.request()))
            await harness.stop()
            #expect(reference.error == nil)
            #expect(split.error == nil)
            #expect(split.events.count == reference.events.count)
            #expect(split.text == reference.text)
            #expect(!split.text.isEmpty)
            #expect(split.events.last == .messageStop)
        }

        @Test("ping events are delivered and do not disturb the message")
        func pings() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.pings(5))
            let stream = try await harness.client.streamMessage(IntegrationFixtures.request())
            let consumed = await ConsumedStream.consume(stream)
            harness.server.enqueue(.pings(5).and(.split(bytes: 5)))
            let final = try await harness.client.streamMessage(IntegrationFixtures.request()).finalMessage()
            await harness.stop()
            #expect(consumed.error == nil)
            // The mock always sends one ping after the first content_block_start, plus the 5 asked for.
            #expect(consumed.pings == 6)
            #expect(final.text == consumed.text)
        }

        @Test("tool_use input assembled from input_json_delta pieces equals the non-streamed input")
        func toolUse() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.tool("get_weather"))
            let plain = try await harness.client.createMessage(IntegrationFixtures.request("Weather in Paris?"))
            harness.server.enqueue(.tool("get_weather").and(.split(bytes: 3)))
            let stream = try await harness.client.streamMessage(IntegrationFixtures.request("Weather in Paris?"))
            var accumulator = MessageAccumulator()
            var jsonPieces = 0
            for try await event in stream {
                if case .contentBlockDelta(_, .inputJSON) = event { jsonPieces += 1 }
                try accumulator.apply(event)
            }
            await harness.stop()
            #expect(accumulator.isComplete)
            let message = try #require(accumulator.message)
            #expect(jsonPieces > 1)
            #expect(message.stopReason == .toolUse)
            let streamed = try #require(message.toolUses.first)
            let expected = try #require(plain.body.toolUses.first)
            #expect(streamed.name == "get_weather")
            #expect(streamed.input == expected.input)
            #expect(streamed.input != .object([:]))
            guard case .object(let fields) = streamed.input else {
                Issue.record("tool input is not an object: \(streamed.input)")
                return
            }
            #expect(fields["mock"] == .bool(true))
        }

        @Test("usage is cumulative: the last message_delta's totals, cache fields kept")
        func cumulativeUsage() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.cache(read: 120, write5m: 30))
            let plain = try await harness.client.createMessage(IntegrationFixtures.request())
            harness.server.enqueue(.cache(read: 120, write5m: 30))
            let stream = try await harness.client.streamMessage(IntegrationFixtures.request())
            var accumulator = MessageAccumulator()
            var startOutput: Int?
            var lastDeltaOutput: Int?
            for try await event in stream {
                if case .messageStart(let start) = event { startOutput = start.usage.outputTokens }
                if case .messageDelta(_, let usage) = event { lastDeltaOutput = usage.outputTokens }
                try accumulator.apply(event)
            }
            await harness.stop()
            let usage = accumulator.usage
            #expect(startOutput == 1)
            #expect(lastDeltaOutput == plain.body.usage.outputTokens)
            #expect(usage.outputTokens == plain.body.usage.outputTokens)
            #expect(usage.inputTokens == plain.body.usage.inputTokens)
            #expect(usage.cacheReadInputTokens == 120)
            #expect(usage.cacheCreationInputTokens == 30)
            #expect(accumulator.message?.usage == usage)
        }

        @Test("an error event after N deltas is thrown as a typed error after exactly N deltas", arguments: [0, 1, 3])
        func errorAfterDeltas(count: Int) async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.errorAfter(count))
            let stream = try await harness.client.streamMessage(IntegrationFixtures.request())
            let consumed = await ConsumedStream.consume(stream)
            await harness.stop()
            #expect(consumed.textDeltas == count)
            let error = try #require(consumed.error)
            #expect(error.code == .overloaded)
            #expect(error.apiErrorType == "overloaded_error")
            #expect(error.attempts == 1)
            #expect(error.requestID == "req_mock_00000001")
            // Not retried after HTTP 200 and a first event.
            #expect(harness.received == 1)
            #expect(harness.sleeps.recorded.isEmpty)
        }

        @Test("a truncated JSON reply is a decoding error and is not retried")
        func malformedJSON() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.malformed)
            let error = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
            harness.server.enqueue(.malformed)
            let streamError = await ConsumedStream.consume(try await harness.client.streamMessage(IntegrationFixtures.request())).error
            await harness.stop()
            #expect(error?.code == .decoding)
            #expect(error?.status == 200)
            #expect(error?.attempts == 1)
            #expect(streamError?.code == .streamInterrupted)
            #expect(harness.received == 2)
        }

        @Test("a connection reset is a connection error, retried with backoff")
        func connectionReset() async throws {
            // Fresh harnesses: every reset lands on a new connection (a reset closes it), so each
            // client attempt is exactly one request at the mock.
            let recovering = try await IntegrationHarness.start()
            recovering.server.enqueue(.reset, .reset)
            let response = try await recovering.client.createMessage(IntegrationFixtures.request())
            await recovering.stop()
            #expect(response.attempts == 3)
            #expect(recovering.received == 3)
            #expect(secondsClose(recovering.sleeps.seconds, ExpectedOutcome.backoff))

            let failing = try await IntegrationHarness.start()
            failing.server.enqueue(.reset, .reset, .reset)
            let error = await claudeError { try await failing.client.createMessage(IntegrationFixtures.request()) }
            await failing.stop()
            #expect(error?.code == .connection)
            #expect(error?.attempts == 3)
            #expect(failing.received == 3)

            let streaming = try await IntegrationHarness.start()
            streaming.server.enqueue(.reset)
            let stream = try await streaming.client.streamMessage(IntegrationFixtures.request())
            #expect(stream.attempts == 2)
            #expect(try await stream.finalMessage().stopReason == .endTurn)
            await streaming.stop()
            #expect(streaming.received == 2)
        }

        @Test("a reset on a reused keep-alive connection is resent once by libcurl inside one attempt")
        func resetOnReusedConnection() async throws {
            // Documents libcurl's built-in behaviour (no option disables it in 7.88): a request on
            // a reused connection that dies before any response byte is resent on a fresh
            // connection. The mock therefore sees one request more than the client's `attempts`.
            let harness = try await IntegrationHarness.start()
            _ = try await harness.client.createMessage(IntegrationFixtures.request())
            harness.server.enqueue(.reset)
            let response = try await harness.client.createMessage(IntegrationFixtures.request())
            await harness.stop()
            #expect(response.attempts == 1)
            #expect(harness.received == 1 + 2)
            #expect(harness.sleeps.recorded.isEmpty)
        }

        @Test("a stalled server is a timeout under a short requestTimeout, and a timeout is retried")
        func stall() async throws {
            let harness = try await IntegrationHarness.start {
                $0.requestTimeout = .milliseconds(400)
                $0.maxRetries = 0
            }
            harness.server.enqueue(.stall)
            let error = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
            #expect(error?.code == .timeout)
            #expect(error?.attempts == 1)
            harness.server.enqueue(.stall)
            let streamError = await claudeError { try await harness.client.streamMessage(IntegrationFixtures.request()) }
            #expect(streamError?.code == .timeout)
            #expect(harness.received == 2)
            // The stalled handlers end when the mock stops (it cannot see the client's FIN).
            await harness.stop()
            #expect(harness.server.stats.inFlightRequests == 0)

            let retrying = try await IntegrationHarness.start {
                $0.requestTimeout = .milliseconds(400)
                $0.maxRetries = 1
            }
            retrying.server.enqueue(.stall)
            let response = try await retrying.client.createMessage(IntegrationFixtures.request())
            await retrying.stop()
            #expect(response.attempts == 2)
            #expect(retrying.sleeps.recorded.count == 1)
        }
    }
}
