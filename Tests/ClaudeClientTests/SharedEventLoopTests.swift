import ClaudeMockServer
import Foundation
import Testing

@testable import ClaudeClient

extension IntegrationTests {
    /// `Configuration.eventLoop = .shared`: the client's libcurl loop on dispatch sources, with
    /// no thread of its own. The transport suites run every case in both modes; these check the
    /// public setting end to end through `AnthropicClient` against the mock.
    @Suite("Client on the shared event loop")
    struct SharedEventLoop {
        @Test("the setting reaches the transport, and create and stream give the dedicated mode's results")
        func sameResultsAsDedicated() async throws {
            let shared = try await IntegrationHarness.start { $0.eventLoop = .shared }
            let dedicated = try await IntegrationHarness.start()
            let transport = try #require(shared.client.transport as? CurlTransport)
            #expect(transport.loopMode == .shared)
            #expect((dedicated.client.transport as? CurlTransport)?.loopMode == .dedicated)
            #expect(shared.client.configuration.description.contains("eventLoop: shared"))

            for harness in [shared, dedicated] { harness.server.enqueue(.reply("the same reply either way")) }
            let sharedReply = try await shared.client.createMessage(IntegrationFixtures.request())
            let dedicatedReply = try await dedicated.client.createMessage(IntegrationFixtures.request())
            #expect(sharedReply.body.text == "the same reply either way")
            #expect(sharedReply.body.text == dedicatedReply.body.text)
            #expect(sharedReply.body.usage == dedicatedReply.body.usage)

            let sharedStream = await ConsumedStream.consume(try await shared.client.streamMessage(IntegrationFixtures.request()))
            let dedicatedStream = await ConsumedStream.consume(
                try await dedicated.client.streamMessage(IntegrationFixtures.request()))
            #expect(sharedStream.error == nil)
            #expect(sharedStream.events == dedicatedStream.events)
            #expect(sharedStream.events.last == .messageStop)
            #expect(await eventually { transport.stats.transfersCompleted == 2 && transport.stats.liveEasyHandles == 0 })
            await shared.stop()
            await dedicated.stop()
        }

        @Test("300 concurrent streams, some split every 7 bytes, all complete with their whole text")
        func manyConcurrentStreams() async throws {
            let harness = try await IntegrationHarness.start { $0.eventLoop = .shared }
            let reference = await ConsumedStream.consume(try await harness.client.streamMessage(IntegrationFixtures.request()))
            for _ in 0..<100 { harness.server.enqueue(.split(bytes: 7)) }
            let results = await withTaskGroup(of: ConsumedStream.self) { group in
                for _ in 0..<300 {
                    group.addTask {
                        do {
                            return await ConsumedStream.consume(
                                try await harness.client.streamMessage(IntegrationFixtures.request()))
                        } catch {
                            return ConsumedStream(events: [], error: error as? ClaudeError)
                        }
                    }
                }
                var all: [ConsumedStream] = []
                for await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 300)
            #expect(results.allSatisfy { $0.error == nil && $0.text == reference.text && $0.events.last == .messageStop })
            let transport = try #require(harness.client.transport as? CurlTransport)
            #expect(await eventually { transport.stats.transfersCompleted == 301 })
            #expect(transport.stats.maxConcurrentTransfers > 1)
            #expect(transport.stats.liveEasyHandles == 0)
            await harness.stop()
        }

        @Test("a silent stream times out through curl's timer on a dispatch timer")
        func timeout() async throws {
            let harness = try await IntegrationHarness.start {
                $0.eventLoop = .shared
                $0.requestTimeout = .milliseconds(400)
                $0.maxRetries = 0
            }
            harness.server.enqueue(.stall)
            let error = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
            #expect(error?.code == .timeout)
            harness.server.enqueue(.stall)
            let streamError = await claudeError { try await harness.client.streamMessage(IntegrationFixtures.request()) }
            #expect(streamError?.code == .timeout)
            await harness.stop()
        }

        @Test("shutdown with streams in flight fails each of them as cancelled, from any thread, and is idempotent")
        func shutdownInFlight() async throws {
            let harness = try await IntegrationHarness.start { $0.eventLoop = .shared }
            for _ in 0..<8 { harness.server.enqueue(.slow(ms: 200)) }
            let streams = try await withThrowingTaskGroup(of: MessageStream.self) { group in
                for _ in 0..<8 { group.addTask { try await harness.client.streamMessage(IntegrationFixtures.request()) } }
                var all: [MessageStream] = []
                for try await stream in group { all.append(stream) }
                return all
            }
            let consumers = streams.map { stream in Task { await ConsumedStream.consume(stream) } }
            try await Task.sleep(for: .milliseconds(100))
            // From a thread that is not one of the default executor's workers, then again.
            await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    harness.client.shutdown()
                    continuation.resume()
                }
            }
            harness.client.shutdown()
            var cancelled = 0
            for consumer in consumers {
                let consumed = await consumer.value
                if consumed.error?.code == .cancelled { cancelled += 1 }
                #expect(consumed.events.last != .messageStop)
            }
            #expect(cancelled == 8)
            let after = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
            #expect(after?.code == .cancelled)
            await harness.server.stop()
        }

        @Test("many shared clients in one process, each dropped without shutdown once done")
        func manyClients() async throws {
            let server = MockAnthropicServer()
            try await server.start()
            let texts = await withTaskGroup(of: String?.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let client = AnthropicClient(
                            configuration: .init(apiKey: "sk-test-\(index)", baseURL: server.baseURL, eventLoop: .shared))
                        var text = ""
                        do {
                            for try await event in try await client.streamMessage(IntegrationFixtures.request()) {
                                if case .contentBlockDelta(_, .text(let piece)) = event { text += piece }
                            }
                        } catch {
                            return nil
                        }
                        return text
                    }
                }
                var all: [String?] = []
                for await text in group { all.append(text) }
                return all
            }
            #expect(texts.count == 20)
            #expect(texts.allSatisfy { $0?.isEmpty == false })
            #expect(server.stats.streamingRequests == 20)
            await server.stop()
        }
    }
}
