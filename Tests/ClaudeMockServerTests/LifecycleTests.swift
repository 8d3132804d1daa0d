import ClaudeMockServer
import Foundation
import Testing

@Suite("Lifecycle and stats")
struct LifecycleTests {
    @Test func stopsAndASecondServerStartsInTheSameProcess() async throws {
        let first = MockAnthropicServer()
        try await first.start()
        let firstPort = try #require(first.port)
        #expect(first.baseURL == "http://127.0.0.1:\(firstPort)")
        #expect(try await MockHTTP.message(first, prompt: "one").status == 200)
        await first.stop()
        #expect(first.port == nil)

        let second = MockAnthropicServer()
        try await second.start()
        #expect(try await MockHTTP.message(second, prompt: "two").status == 200)
        // A stopped server can be started again.
        try await first.start()
        #expect(try await MockHTTP.message(first, prompt: "three").status == 200)
        await first.stop()
        await second.stop()
    }

    @Test func startingTwiceOrOnABusyPortFails() async throws {
        try await withMockServer { server in
            await #expect(throws: MockServerError.self) { try await server.start() }
            let port = try #require(server.port)
            let clash = MockAnthropicServer(configuration: .init(port: port))
            await #expect(throws: MockServerError.self) { try await clash.start() }
        }
    }

    @Test func statsCountEndpointsConnectionsAndConcurrency() async throws {
        try await withMockServer { server in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await MockHTTP.message(server, prompt: "parallel \(index) [[mock: delay-ms=100]]").status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            _ = try await MockHTTP.send(server, .get, "/v1/models")
            let stats = server.stats
            #expect(stats.requests(to: .messages) == 6)
            #expect(stats.requests(to: .listModels) == 1)
            #expect(stats.totalRequests == 7)
            #expect(stats.connectionsAccepted == 7)
            #expect(stats.maxConcurrentRequests >= 1)
            #expect(stats.maxConcurrentRequests <= 6)
            #expect(stats.inFlightRequests == 0)
            #expect(stats.bytesSent > 0)
        }
    }

    @Test func requestLogKeepsHeaderNamesButNoCredentials() async throws {
        try await withMockServer(.init(requestLogLimit: 2)) { server in
            _ = try await MockHTTP.message(server, prompt: "a", headers: ["anthropic-beta": "beta-one"])
            _ = try await MockHTTP.message(server, prompt: "b", headers: ["x-api-key": nil, "authorization": "Bearer sk-secret-1234"])
            _ = try await MockHTTP.message(server, prompt: "c", headers: ["x-api-key": "sk-secret-5678"])
            let log = server.stats.recentRequests
            #expect(log.count == 2)
            #expect(log.map(\.sequence) == [2, 3])
            #expect(log[0].hasAuthorizationHeader && !log[0].hasAPIKeyHeader)
            #expect(log[1].hasAPIKeyHeader && !log[1].hasAuthorizationHeader)
            #expect(log[1].anthropicVersion == "2026-10-21")
            #expect(log[1].headerNames.contains("x-api-key"))
            #expect(log[1].endpoint == .messages)
            #expect(!"\(log)".contains("sk-secret"))
        }
    }
}
