import ClaudeMockServer
import Foundation
import Logging
import Testing

@testable import ClaudeClient

extension IntegrationTests {
    @Suite("Cancellation and concurrency")
    struct Concurrency {
        @Test("cancelling the task consuming a slow stream aborts it and frees the transfer")
        func cancelSlowStream() async throws {
            let harness = try await IntegrationHarness.start()
            // ~40 text deltas at 500 ms apart: the whole stream would take over 20 s.
            let prompt = "[[mock: slow-ms=500 reply=\"" + Array(repeating: "word", count: 40).joined(separator: " ") + "\"]]"
            let stream = try await harness.client.streamMessage(IntegrationFixtures.request(prompt))
            #expect(harness.server.stats.inFlightRequests == 1)
            let (firstDelta, deltaSignal) = AsyncStream<Void>.makeStream()
            let consumer = Task { () -> (deltas: Int, error: ClaudeError?) in
                var deltas = 0
                do {
                    for try await event in stream {
                        if case .contentBlockDelta = event {
                            deltas += 1
                            deltaSignal.yield()
                        }
                    }
                    return (deltas, nil)
                } catch {
                    return (deltas, error as? ClaudeError)
                }
            }
            for await _ in firstDelta { break }
            let clock = ContinuousClock()
            let cancelledAt = clock.now
            consumer.cancel()
            let outcome = await consumer.value
            let took = clock.now - cancelledAt
            // A coarse bound (the rest of the stream needs 19+ s): the abort did not wait for it.
            #expect(took < .seconds(10), "cancellation took \(took)")
            #expect(outcome.deltas < 40)
            #expect(outcome.error?.code == .cancelled)
            // The mock sees the connection go away and ends its handler; libcurl dropped the transfer.
            #expect(await eventually { harness.server.stats.inFlightRequests == 0 })
            let transport = try #require(harness.client.transport as? CurlTransport)
            #expect(await eventually { transport.stats.activeTransfers == 0 })
            #expect(transport.stats.transfersCancelled >= 1)
            // The client still works afterwards.
            let after = try await harness.client.createMessage(IntegrationFixtures.request())
            #expect(after.status == 200)
            await harness.stop()
        }

        @Test("concurrent calls over cleartext HTTP/1.1 are in flight together, not queued behind the first")
        func concurrentCallsOverHTTP1AreParallel() async throws {
            let harness = try await IntegrationHarness.start()
            // Each reply is held 4 s: if the transfers waited for the first connection to
            // tell whether it multiplexes, the server would never see 4 requests at once. (Held
            // 1.5 s, a loaded 2-core machine sometimes started the fourth task after the first
            // reply had already gone.)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        try await harness.client.createMessage(
                            IntegrationFixtures.request("parallel \(index) [[mock: delay-ms=4000]]")).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(harness.server.stats.maxConcurrentRequests == 4)
            await harness.stop()
        }

        @Test("cancelling a call waiting on a stalled server ends it with cancelled, no retry")
        func cancelStalledCall() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.stall)
            let call = Task { await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) } }
            #expect(await eventually { harness.server.stats.inFlightRequests == 1 })
            call.cancel()
            let error = await call.value
            #expect(error?.code == .cancelled)
            // The mock's stalled handler cannot see the client leave (Hummingbird allows remote
            // half-closure, so the channel stays active); stop() ends it.
            await harness.stop()
            #expect(harness.server.stats.inFlightRequests == 0)
            #expect(harness.received == 1)
        }

        @Test("500 concurrent calls complete on a handful of threads, and a second wave reuses connections")
        func fiveHundredConcurrentCalls() async throws {
            let server = MockAnthropicServer()
            try await server.start()
            // Warm the mock's NIO threads and the cooperative pool before counting.
            _ = try await Self.wave(of: 4, client: nil, server: server)
            let threadsBefore = threadCount()
            var configuration = AnthropicClient.Configuration(apiKey: IntegrationHarness.canaryKey, baseURL: server.baseURL)
            configuration.sleep = { _ in }
            let client = AnthropicClient(configuration: configuration)

            let first = try await Self.wave(of: 500, client: client, server: server)
            let threadsAfter = threadCount()
            let afterFirst = server.stats
            let second = try await Self.wave(of: 500, client: client, server: server)
            let afterSecond = server.stats
            client.shutdown()
            await server.stop()

            #expect(first == 500)
            #expect(second == 500)
            #expect(afterSecond.requests(to: .messages) == 1_000 + 4)
            // One libcurl loop thread, plus what suites running in parallel start: never one per call.
            #expect(threadsAfter - threadsBefore <= 1 + parallelSuiteThreadAllowance,
                    "threads \(threadsBefore) -> \(threadsAfter)")
            // The first wave is bounded by the per-host connection cap; the second reuses them.
            let firstWaveConnections = afterFirst.connectionsAccepted
            let secondWaveConnections = afterSecond.connectionsAccepted - afterFirst.connectionsAccepted
            #expect(firstWaveConnections < 100, "first wave opened \(firstWaveConnections) connections")
            #expect(secondWaveConnections < 50, "second wave opened \(secondWaveConnections) new connections")
        }

        /// Runs `count` concurrent createMessage calls and returns how many succeeded with
        /// distinct request ids. With no client, warms the server with a throwaway client.
        static func wave(of count: Int, client: AnthropicClient?, server: MockAnthropicServer) async throws -> Int {
            let client = client ?? AnthropicClient(configuration: .init(apiKey: "warmup", baseURL: server.baseURL))
            let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await client.createMessage(IntegrationFixtures.request("concurrent call \(index)")).requestID
                    }
                }
                var ids = Set<String>()
                for try await id in group { if let id { ids.insert(id) } }
                return ids
            }
            return ids.count
        }
    }

    @Suite("Secrets")
    struct Secrets {
        @Test("the API key and prompt text appear in no log line (trace included) and no error description")
        func canaryKey() async throws {
            let promptCanary = "PROMPT-CANARY-7f3a"
            let harness = try await IntegrationHarness.start(logLevel: .trace)
            let request = IntegrationFixtures.request("secret prompt \(promptCanary)")

            // Resets first, while no connection is pooled (see IntegrationStreamingTests.resetOnReusedConnection).
            harness.server.enqueue(.reset, .reset, .reset)
            let connectionFailure = try #require(await claudeError { try await harness.client.createMessage(request) })
            #expect(connectionFailure.code == .connection)
            harness.server.enqueue(.status(500), .status(401))
            let failure = try #require(await claudeError { try await harness.client.createMessage(request) })
            #expect(failure.code == .authentication)
            harness.server.enqueue(.errorAfter(1))
            let streamFailure = await ConsumedStream.consume(try await harness.client.streamMessage(request)).error
            let success = try await harness.client.createMessage(request)
            #expect(success.status == 200)
            let streamed = try await harness.client.streamMessage(request).finalMessage()
            #expect(streamed.text.contains("mock reply"))
            await harness.stop()

            let lines = harness.logs.all
            // The capture really saw the transport's trace and the client's debug lines.
            #expect(lines.contains { $0.contains("curl >") })
            #expect(lines.contains { $0.contains("claude-client sending") })
            #expect(lines.contains { $0.lowercased().contains("x-api-key") })
            for line in lines {
                #expect(!line.contains(IntegrationHarness.canaryKey), "key leaked: \(line)")
                #expect(!line.contains("canary-0123456789"), "key fragment leaked: \(line)")
                #expect(!line.contains(promptCanary), "prompt leaked: \(line)")
            }
            for error in [failure, connectionFailure, streamFailure].compactMap({ $0 }) {
                for text in [error.description, error.message, String(reflecting: error), "\(error)"] {
                    #expect(!text.contains(IntegrationHarness.canaryKey))
                }
            }
            let configurationText = [
                harness.client.configuration.description, String(reflecting: harness.client.configuration),
            ]
            for text in configurationText { #expect(!text.contains(IntegrationHarness.canaryKey)) }
        }
    }
}
