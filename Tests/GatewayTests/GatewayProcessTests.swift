import ClaudeMockServer
import ClaudeRouterGateway
import Foundation
import Router
import Synchronization
import Testing

/// The built `claude-router serve` as a separate process in front of the mock, driven by curl.
@Suite("Gateway process", .serialized)
struct GatewayProcessTests {
    @Test("serve: routes, streams, keys, metrics; SIGTERM drains a stream in flight and flushes the ledger; the canary key appears nowhere")
    func serveEndToEnd() async throws {
        let canary = GatewayHarness.canaryKey
        let mock = MockAnthropicServer(configuration: .init(requiredAPIKey: canary))
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try GatewayHarness.policyYAML().write(toFile: policy, atomically: true, encoding: .utf8)
        let keys = directory.appendingPathComponent("keys.yaml").path
        try GatewayEndpointsTests.keysYAML.write(toFile: keys, atomically: true, encoding: .utf8)
        let ledger = directory.appendingPathComponent("ledger.sqlite").path

        let serve = try await ServeProcess(
            arguments: ["--policy", policy, "--ledger", ledger, "--keys", keys, "--base-url", mock.baseURL,
                        "--upstream-retries", "0", "--drain-seconds", "20"],
            environment: ["ANTHROPIC_API_KEY": canary], directory: directory)
        var outputs: [String] = []
        let auth = ["x-api-key": "gw-alice-secret", "anthropic-version": "2023-06-01"]

        let created = try await Curl.run(serve.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "Extract 4411"),
                                         headers: auth.merging(["x-router-task": "extraction"]) { $1 })
        #expect(created.status == 200)
        #expect(created.headers["x-router-tier"] == "haiku")
        let streamed = try await Curl.run(serve.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "hello", stream: true),
                                          headers: auth)
        #expect(streamed.status == 200)
        #expect(streamed.body.contains("event: message_stop"))
        let denied = try await Curl.run(serve.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "hello"),
                                        headers: ["x-api-key": canary])
        #expect(denied.status == 401)
        let upstreamError = try await Curl.run(serve.baseURL + "/v1/messages",
                                               body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "x [[mock: status=400]]"),
                                               headers: auth)
        #expect(upstreamError.status == 400)
        let metrics = try await Curl.run(serve.baseURL + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("claude_router_attempts_total"))
        #expect(metrics.body.contains("claude_router_cost_usd_total"))
        outputs += [created, streamed, denied, upstreamError, metrics].map { reply in
            reply.body + reply.headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        }

        // A slow stream is in flight when SIGTERM arrives: it completes, then the process exits 0.
        let slow = Task {
            try await Curl.run(serve.baseURL + "/v1/messages",
                               body: Curl.messageBody(prompt: "slow [[mock: reply=a_b_c_d_e_f_g_h slow-ms=150]]", stream: true),
                               headers: auth)
        }
        // SIGTERM once the slow stream reached the upstream (spawning curl can be slow under load).
        let deadline = ContinuousClock.now + .seconds(30)
        while mock.stats.inFlightRequests == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(mock.stats.inFlightRequests == 1)
        try await Task.sleep(for: .milliseconds(100))
        let status = try await serve.stop(signal: SIGTERM)
        let slowReply = try await slow.value
        #expect(status == 0)
        #expect(slowReply.status == 200)
        #expect(slowReply.body.contains("event: message_stop"))
        outputs.append(slowReply.body)

        // The ledger holds every call that reached the API (the 400 included, as an error).
        let access = serve.stdout
        #expect(access.components(separatedBy: "path=/v1/messages").count - 1 == 5)
        #expect(access.contains("caller=alice-laptop"))
        #expect(serve.stderr.contains("ledger flushed"))
        let records = try await ledgerRecords(ledger)
        #expect(records >= 4)

        // The canary upstream key: used (the mock requires it) but never shown.
        outputs += [serve.stdout, serve.stderr]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix("ledger") {
            outputs.append(String(decoding: try Data(contentsOf: directory.appendingPathComponent(file)), as: UTF8.self))
        }
        for output in outputs { #expect(!output.contains(canary)) }
        #expect(!outputs.joined().contains("CANARY"))
    }

    @Test("kill -9 mid-load: every reply a client received has its record in the SQLite ledger",
          .enabled(if: heavyGatewayTests, "heavy: set CLAUDE_ROUTER_GATEWAY_HEAVY=1 (scripts/test.sh does)"))
    func killNineLosesNoDeliveredRecord() async throws {
        let mock = MockAnthropicServer()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try GatewayHarness.policyYAML().write(toFile: policy, atomically: true, encoding: .utf8)
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        let serve = try await ServeProcess(
            arguments: ["--policy", policy, "--ledger", ledger, "--base-url", mock.baseURL, "--upstream-retries", "0"],
            environment: ["ANTHROPIC_API_KEY": "sk-kill-test"], directory: directory)
        // 60 calls, JSON and streamed, finishing over ~3 s; the process is killed once 5 replies
        // have been delivered, with most calls still in flight.
        let delivered = DeliveredCount()
        let replies = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<60 {
                group.addTask {
                    let stream = index % 2 == 1
                    let body = Curl.messageBody(prompt: "call \(index) [[mock: delay-ms=\(index * 50)]]", stream: stream)
                    guard let reply = try? await Curl.run(serve.baseURL + "/v1/messages", body: body,
                                                          headers: ["x-api-key": "k"], timeout: 90),
                          reply.status == 200 else { return false }
                    let complete = stream ? reply.body.contains("event: message_stop") : reply.json?["type"] as? String == "message"
                    if complete { delivered.increment() }
                    return complete
                }
            }
            group.addTask {
                // Generous: on a loaded 2-core machine starting 60 curl processes alone can take
                // tens of seconds; the kill must come after the fifth delivered reply, not before.
                let deadline = ContinuousClock.now + .seconds(120)
                while delivered.value < 5, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                kill(serve.process.processIdentifier, SIGKILL)
                return false
            }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        _ = try await serve.stop(signal: SIGKILL)
        let recorded = try await ledgerRecords(ledger)
        #expect(replies > 0 && replies < 60, "\(replies) of 60 replies delivered before and after the kill")
        #expect(recorded >= replies)
    }

    /// Replies fully received so far, shared by the calling tasks.
    final class DeliveredCount: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// Rows in the SQLite ledger, read by a fresh router-independent ledger handle, closed before
    /// returning: a close left to a detached task removed the `-shm` file while the canary check
    /// was reading the directory it had just listed.
    func ledgerRecords(_ path: String) async throws -> Int {
        let ledger = try SQLiteLedger(path: path)
        do {
            let count = try await ledger.records(LedgerQuery()).count
            try await ledger.close()
            return count
        } catch {
            try? await ledger.close()
            throw error
        }
    }
}
