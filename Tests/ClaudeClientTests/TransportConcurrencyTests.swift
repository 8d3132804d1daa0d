import Foundation
import Logging
import Testing

@testable import ClaudeClient

extension TransportTests {
    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func fiveHundredConcurrentRequestsShareOneThreadAndReuseConnections(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let threadsBefore = threadCount()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: quietLogger())
        defer { transport.shutdown() }

        func wave() async throws -> Int {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        let body = Data("request \(index)".utf8)
                        let (head, echoed) = try await transport.execute(
                            makeRequest(server.baseURL + "/echo", method: .post, body: body)
                        )
                        return head.status == 200 && echoed == body ? 1 : 0
                    }
                }
                return try await group.reduce(0, +)
            }
        }

        #expect(try await wave() == 500)
        #expect(await eventually { transport.stats.transfersCompleted == 500 })
        let afterFirst = transport.stats
        let threadsAfter = threadCount()
        // One loop thread for the transport; the rest is the runtime and suites running in parallel.
        #expect(threadsAfter - threadsBefore <= 1 + parallelSuiteThreadAllowance,
                "threads grew from \(threadsBefore) to \(threadsAfter)")
        #expect(afterFirst.maxConcurrentTransfers > 1)
        #expect(afterFirst.connectionsOpened <= CurlTransport.Configuration().maxConnectionsPerHost)

        #expect(try await wave() == 500)
        #expect(await eventually { transport.stats.transfersCompleted == 1000 })
        let secondWaveConnections = transport.stats.connectionsOpened - afterFirst.connectionsOpened
        #expect(secondWaveConnections < 50, "second wave opened \(secondWaveConnections) connections")
        #expect(transport.stats.liveEasyHandles == 0)
        await server.stop()
    }

    @Test(arguments: CurlTransport.EventLoopMode.allCases)
    func traceLogsHeadersButNeverSecretsOrBodies(mode: CurlTransport.EventLoopMode) async throws {
        let server = try await TransportTestServer.start()
        let logs = LogCapture()
        let transport = CurlTransport(configuration: .init(eventLoop: mode), logger: logs.logger)
        defer { transport.shutdown() }

        let apiKey = "sk-ant-api03-CANARY-\(UInt64.random(in: 0...UInt64.max))"
        let request = makeRequest(
            server.baseURL + "/echo",
            method: .post,
            headers: [("x-api-key", apiKey), ("Authorization", "Bearer \(apiKey)"), ("x-custom", "visible")],
            body: Data("BODY-CANARY-\(apiKey)".utf8)
        )
        let (head, body) = try await transport.execute(request)
        #expect(head.status == 200)
        #expect(String(decoding: body, as: UTF8.self).hasPrefix("BODY-CANARY"))

        let lines = logs.all
        #expect(lines.contains { $0.contains("POST /echo") })
        #expect(lines.contains { $0.contains("x-api-key: <redacted>") })
        #expect(lines.contains { $0.contains("Authorization: <redacted>") })
        #expect(lines.contains { $0.contains("x-custom: visible") })
        #expect(!lines.contains { $0.contains("CANARY") })
        await server.stop()
    }
}

extension TransportTests {
    /// `anon_inode:[eventpoll]` descriptors open in this process right now.
    static func epollDescriptors() -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.count { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd))?.contains("eventpoll") == true
        }
    }

    @Test("shared-mode transports close their epoll descriptor when shut down or dropped")
    func sharedModeClosesItsDescriptor() async throws {
        let server = try await TransportTestServer.start()
        let before = Self.epollDescriptors()
        for index in 0..<200 {
            let transport = CurlTransport(configuration: .init(eventLoop: .shared), logger: quietLogger())
            if index % 20 == 0 {
                let (head, _) = try await transport.execute(makeRequest(server.baseURL + "/hello"))
                #expect(head.status == 200)
            }
            // Half are shut down explicitly; the rest only dropped (deinit shuts down).
            if index.isMultiple(of: 2) { transport.shutdown() }
        }
        // Other suites running in parallel open event loops too (a few dozen at most); 200
        // transports that kept their descriptor would add 200.
        #expect(await eventually { Self.epollDescriptors() - before < 50 }, "epoll descriptors: \(before) → \(Self.epollDescriptors())")
        await server.stop()
    }
}
