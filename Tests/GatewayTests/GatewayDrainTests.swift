import ClaudeRouterGateway
import Foundation
import Testing

/// Stopping drains before the listener closes: probes see 503, new calls are refused, and a
/// call in flight still gets its answer.
@Suite("Gateway drain", .serialized)
struct GatewayDrainTests {
    @Test("while a call is in flight, a stopping gateway answers /readyz 503 and new calls 503 overloaded; it closes once the call ends")
    func readyzDuringDrain() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL
        // A call whose upstream answer never comes until the mock stops.
        let held = Task {
            try await Curl.run(url + "/v1/messages", body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "x [[mock: stall]]"),
                               headers: ["x-api-key": "k"])
        }
        var waited = 0
        while harness.mock.stats.inFlightRequests == 0, waited < 3_000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(harness.mock.stats.inFlightRequests == 1)
        let stopping = Task { await harness.gateway.stop() }
        // Draining is set as the stop begins; the listener stays open meanwhile.
        var ready = try await Curl.run(url + "/readyz")
        var probes = 1
        while ready.status == 200, probes < 500 {
            await Task.yield()
            ready = try await Curl.run(url + "/readyz")
            probes += 1
        }
        #expect(ready.status == 503)
        #expect(ready.body == "draining\n")
        let refused = try await Curl.run(url + "/v1/messages", body: Curl.messageBody(prompt: "hi"), headers: ["x-api-key": "k"])
        #expect(refused.status == 503)
        #expect(refused.json?["type"] as? String == "error")
        #expect((refused.json?["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
        #expect(harness.mock.stats.totalRequests == 1)
        // Still draining: the held call has not ended.
        #expect(try await Curl.run(url + "/readyz").status == 503)
        // Ending the stall ends the call (the upstream connection closes: a 502), and the drain with it.
        await harness.mock.stop()
        let answered = try await held.value
        #expect(answered.status == 502)
        _ = await stopping.value
        await #expect(throws: Curl.Failed.self) { _ = try await Curl.run(url + "/readyz", timeout: 5) }
    }
}
