import ClaudeMockServer
import Foundation
import HummingbirdTesting
import Testing

@Suite("Scripted faults")
struct FaultTests {
    @Test func enqueuedFaultsApplyInFIFOOrder() async throws {
        try await withMockServer { server in
            server.enqueue(.status(529, retryAfter: 0.25), .status(429, retryAfterMs: 10, shouldRetry: true))
            #expect(server.stats.pendingFaults == 2)
            let first = try await MockHTTP.message(server, prompt: "a")
            let second = try await MockHTTP.message(server, prompt: "a")
            let third = try await MockHTTP.message(server, prompt: "a")
            #expect(first.status == 529)
            #expect(first.header("retry-after") == "0.25")
            #expect((try first.json()["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
            #expect(second.status == 429)
            #expect(second.header("retry-after-ms") == "10")
            #expect(second.header("x-should-retry") == "true")
            #expect(second.header("anthropic-ratelimit-requests-remaining") == "0")
            #expect((try second.json()["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
            #expect(third.status == 200)
            #expect(server.stats.pendingFaults == 0)
        }
    }

    @Test func enqueuedFaultWinsOverPromptDirective() async throws {
        try await withMockServer { server in
            server.enqueue(.reply("from the queue"))
            let reply = try await MockHTTP.message(server, prompt: "[[mock: reply=from_the_prompt stop=refusal]]")
            let message = try reply.json()
            #expect((message["content"] as? [[String: Any]])?.first?["text"] as? String == "from the queue")
            #expect(message["stop_reason"] as? String == "refusal")
        }
    }

    @Test func headerFaultAppliesToAnyEndpoint() async throws {
        try await withMockServer { server in
            let models = try await MockHTTP.send(server, .get, "/v1/models", headers: ["x-mock-fault": "status=503"])
            #expect(models.status == 503)
            #expect((try models.json()["error"] as? [String: Any])?["type"] as? String == "api_error")
            let bracketed = try await MockHTTP.send(server, .get, "/v1/models", headers: ["x-mock-fault": "[[mock: status=403]]"])
            #expect(bracketed.status == 403)
            let bad = try await MockHTTP.send(server, .get, "/v1/models", headers: ["x-mock-fault": "status=banana"])
            #expect(bad.status == 400)
            #expect((try bad.json()["error"] as? [String: Any])?["message"] as? String ?? "" != "")
        }
    }

    @Test func resetClosesTheConnectionWithoutAResponse() async throws {
        try await withMockServer { server in
            let port = try #require(server.port)
            let raw = try await rawExchange(port: port, request: rawMessageRequest(
                body: MockHTTP.messageBody(prompt: "bye [[mock: reset]]")))
            #expect(raw.isEmpty)
            // The server keeps serving afterwards.
            #expect(try await MockHTTP.message(server, prompt: "still there?").status == 200)
        }
    }

    @Test func malformedGivesA200WithTruncatedJSON() async throws {
        try await withMockServer { server in
            server.enqueue(.malformed)
            let reply = try await MockHTTP.message(server, prompt: "hello")
            #expect(reply.status == 200)
            #expect(reply.body.hasPrefix("{\"id\":\"msg_mock_"))
            #expect((try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) == nil)
        }
    }

    @Test func stallEndsWhenTheServerStops() async throws {
        let server = MockAnthropicServer()
        try await server.start()
        server.enqueue(.stall)
        let pending = Task {
            try await MockHTTP.message(server, prompt: "never answered", headers: [:])
        }
        // Wait (without asserting any timing) until the stalled request has reached the server.
        while server.stats.inFlightRequests == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await server.stop()
        let outcome = await pending.result
        #expect(throws: (any Error).self) { try outcome.get() }
        #expect(server.stats.inFlightRequests == 0)
    }
}
