import ClaudeMockServer
import Foundation
import Synchronization
import Testing

@testable import ClaudeClient

extension IntegrationTests {
    /// `AnthropicClient.taskExecutor`: tasks that prefer it run on the thread that drives
    /// libcurl. These check, against the mock over loopback, that such tasks really run there,
    /// get the same results as ordinary callers, and are never stranded (cancellation, lagging
    /// consumers, shutdown, the shared loop).
    @Suite("Tasks on the client's task executor")
    struct TaskExecutor {
        /// Whether the calling thread is the dedicated loop's (false in the shared mode).
        static func onLoopThread(_ client: AnthropicClient) throws -> Bool {
            let loop = try #require(client.transport.taskExecutor as? CurlEventLoop)
            return loop.shared.withLock { $0.isOnLoopThread() }
        }

        @Test("a task preferring the executor runs its code on the loop's thread and gets the results ordinary callers get")
        func runsOnTheLoopThread() async throws {
            let harness = try await IntegrationHarness.start()
            let client = harness.client
            harness.server.enqueue(.reply("reply for the ordinary caller"))
            let ordinary = try await client.createMessage(IntegrationFixtures.request())
            let ordinaryStream = await ConsumedStream.consume(try await client.streamMessage(IntegrationFixtures.request()))
            #expect(try !Self.onLoopThread(client))

            let onLoop = try await Task(executorPreference: client.taskExecutor) { () async throws -> [Bool] in
                var threads: [Bool] = []
                harness.server.enqueue(.reply("reply for the ordinary caller"))
                let reply = try await client.createMessage(IntegrationFixtures.request())
                threads.append(try Self.onLoopThread(client))
                #expect(reply.body.text == ordinary.body.text)
                #expect(reply.body.usage == ordinary.body.usage)
                var events: [MessageStreamEvent] = []
                for try await event in try await client.streamMessage(IntegrationFixtures.request()) {
                    events.append(event)
                    threads.append(try Self.onLoopThread(client))
                }
                #expect(events.count == ordinaryStream.events.count)
                #expect(ConsumedStream(events: events).text == ordinaryStream.text)
                #expect(events.last == .messageStop)
                return threads
            }.value
            #expect(onLoop.count > 5)
            #expect(onLoop.allSatisfy { $0 })
            let transport = try #require(client.transport as? CurlTransport)
            #expect(await eventually { transport.stats.transfersCompleted == 4 && transport.stats.liveEasyHandles == 0 })
            await harness.stop()
        }

        @Test("200 tasks on the executor, creates and streams, some split every 7 bytes, all complete")
        func manyTasks() async throws {
            let harness = try await IntegrationHarness.start()
            let client = harness.client
            let reference = await ConsumedStream.consume(try await client.streamMessage(IntegrationFixtures.request()))
            for _ in 0..<60 { harness.server.enqueue(.split(bytes: 7)) }
            let results = await withTaskGroup(of: (String?, Bool).self) { group in
                for index in 0..<200 {
                    group.addTask(executorPreference: client.taskExecutor) {
                        do {
                            if index.isMultiple(of: 2) {
                                let stream = await ConsumedStream.consume(
                                    try await client.streamMessage(IntegrationFixtures.request()))
                                return (stream.error == nil && stream.events.last == .messageStop ? stream.text : nil, true)
                            }
                            let reply = try await client.createMessage(IntegrationFixtures.request())
                            return (reply.body.text.isEmpty ? nil : reply.body.text, false)
                        } catch {
                            return (nil, index.isMultiple(of: 2))
                        }
                    }
                }
                var all: [(String?, Bool)] = []
                for await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 200)
            #expect(results.allSatisfy { $0.0 != nil })
            #expect(results.filter(\.1).allSatisfy { $0.0 == reference.text })
            let transport = try #require(client.transport as? CurlTransport)
            #expect(await eventually { transport.stats.transfersCompleted == 201 && transport.stats.liveEasyHandles == 0 })
            #expect(transport.stats.maxConcurrentTransfers > 1)
            await harness.stop()
        }

        @Test("a consumer on the executor that lags pauses the transfer, stays within the high-water mark and reads every byte")
        func laggingConsumer() async throws {
            let server = try await TransportTestServer.start()
            var configuration = CurlTransport.Configuration()
            configuration.streamHighWaterMark = 64 * 1024
            configuration.streamLowWaterMark = 16 * 1024
            let transport = CurlTransport(configuration: configuration, logger: quietLogger())
            defer { transport.shutdown() }
            let executor = try #require(transport.taskExecutor)
            let total = 4 * 1024 * 1024
            let (received, mismatches) = try await Task(executorPreference: executor) {
                try await readLargeBodySlowly(transport, url: server.baseURL + "/large?bytes=\(total)")
            }.value
            #expect(received == total)
            #expect(mismatches == 0)
            #expect(await eventually { transport.stats.transfersCompleted == 1 })
            let stats = transport.stats
            #expect(stats.streamPauses > 0)
            #expect(stats.peakStreamBufferedBytes < configuration.streamHighWaterMark + stats.largestBodyChunk)
            await server.stop()
        }

        @Test("a task on the executor that keeps yielding does not starve the calls of another")
        func yieldingTaskDoesNotStarveTheNetwork() async throws {
            let harness = try await IntegrationHarness.start()
            let client = harness.client
            final class Flag: Sendable { let value = Atomic<Bool>(false) }
            let done = Flag()
            let spinner = Task(executorPreference: client.taskExecutor) { () async -> Int in
                var spins = 0
                while !done.value.load(ordering: .acquiring) {
                    await Task.yield()
                    spins += 1
                }
                return spins
            }
            let caller = Task(executorPreference: client.taskExecutor) { () async throws -> String in
                let reply = try await client.createMessage(IntegrationFixtures.request())
                let stream = await ConsumedStream.consume(try await client.streamMessage(IntegrationFixtures.request()))
                #expect(stream.events.last == .messageStop)
                return reply.body.text
            }
            // Bounded: with a starved network the call would never finish.
            let finished = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await caller.value) != nil }
                group.addTask {
                    try? await Task.sleep(for: .seconds(20))
                    done.value.store(true, ordering: .releasing)  // stop the spinner so the group can end
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            done.value.store(true, ordering: .releasing)
            #expect(finished)
            #expect(await spinner.value > 0)
            caller.cancel()
            await harness.stop()
        }

        @Test("cancelling a task on the executor ends its stream as cancelled, and the loop serves the next call")
        func cancellation() async throws {
            let harness = try await IntegrationHarness.start()
            let client = harness.client
            harness.server.enqueue(.slow(ms: 300))
            let started = AsyncStream<Void>.makeStream()
            let task = Task(executorPreference: client.taskExecutor) { () async -> ClaudeError? in
                do {
                    var first = true
                    for try await _ in try await client.streamMessage(IntegrationFixtures.request()) {
                        if first { started.continuation.yield(); first = false }
                    }
                    return nil
                } catch {
                    return error as? ClaudeError
                }
            }
            for await _ in started.stream { break }
            task.cancel()
            let error = await task.value
            #expect(error?.code == .cancelled)
            let next = try await Task(executorPreference: client.taskExecutor) {
                try await client.createMessage(IntegrationFixtures.request())
            }.value
            #expect(!next.body.text.isEmpty)
            await harness.stop()
        }

        @Test("shutdown with tasks on the executor in flight fails their calls as cancelled; later jobs still run")
        func shutdownInFlight() async throws {
            let harness = try await IntegrationHarness.start()
            let client = harness.client
            for _ in 0..<6 { harness.server.enqueue(.slow(ms: 300)) }
            let tasks = (0..<6).map { _ in
                Task(executorPreference: client.taskExecutor) { () async -> (ClaudeError?, ClaudeError?) in
                    var first: ClaudeError?
                    do {
                        first = await ConsumedStream.consume(try await client.streamMessage(IntegrationFixtures.request())).error
                    } catch {
                        first = error as? ClaudeError
                    }
                    // After shutdown: the task's jobs still run, and a new call fails at once.
                    let after = await claudeError { try await client.createMessage(IntegrationFixtures.request()) }
                    return (first, after)
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            client.shutdown()
            for task in tasks {
                let (first, after) = await task.value
                #expect(first?.code == .cancelled)
                #expect(after?.code == .cancelled)
            }
            await harness.server.stop()
        }

        @Test("shared loop: a task on the executor and another thread shut the client down at once, 40 times; calls end cancelled")
        func sharedShutdownFromJobs() async throws {
            let server = MockAnthropicServer()
            try await server.start()
            for index in 0..<40 {
                let client = AnthropicClient(
                    configuration: .init(apiKey: "sk-test-\(index)", baseURL: server.baseURL, eventLoop: .shared))
                server.enqueue(.slow(ms: 100))
                let streaming = Task(executorPreference: client.taskExecutor) { () async -> ClaudeError? in
                    do {
                        for try await _ in try await client.streamMessage(IntegrationFixtures.request()) {}
                        return nil
                    } catch {
                        return error as? ClaudeError
                    }
                }
                let stopper = Task(executorPreference: client.taskExecutor) { client.shutdown() }
                Thread.detachNewThread { client.shutdown() }
                await stopper.value
                let error = await streaming.value
                #expect(error == nil || error?.code == .cancelled)
                let after = await claudeError { try await client.createMessage(IntegrationFixtures.request()) }
                #expect(after?.code == .cancelled)
            }
            await server.stop()
        }

        @Test("with the shared event loop the executor runs tasks on the default workers, with the same results")
        func sharedLoop() async throws {
            let harness = try await IntegrationHarness.start { $0.eventLoop = .shared }
            let client = harness.client
            let reference = await ConsumedStream.consume(try await client.streamMessage(IntegrationFixtures.request()))
            let loop = try #require(client.transport.taskExecutor as? CurlEventLoop)
            let (consumed, onLoopQueue) = try await Task(executorPreference: client.taskExecutor) {
                let consumed = await ConsumedStream.consume(try await client.streamMessage(IntegrationFixtures.request()))
                // Never on the loop's own queue: there `shutdown()` would take the job for a
                // handler already holding the handlers' lock and tear down without it.
                return (consumed, DispatchQueue.getSpecific(key: loop.onLoopKey) != nil)
            }.value
            #expect(!onLoopQueue)
            #expect(consumed.error == nil)
            #expect(consumed.events.count == reference.events.count)
            #expect(consumed.text == reference.text)
            #expect(consumed.events.last == .messageStop)
            await harness.stop()
        }
    }
}
