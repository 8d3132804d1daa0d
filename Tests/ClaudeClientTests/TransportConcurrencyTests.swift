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
