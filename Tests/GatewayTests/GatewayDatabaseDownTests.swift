import ClaudeMockServer
import Foundation
import Testing
import ClaudeRouterTestSupport

/// `claude-router serve` on a PostgreSQL ledger whose server stops while the gateway runs: a
/// throwaway cluster of the test's own (scripts/postgres.sh), so the shared test server stays up.
@Suite("Gateway with its PostgreSQL down", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CLAUDE_ROUTER_TEST_POSTGRES_URL"] != nil
                    || ProcessInfo.processInfo.environment["CI"] == "true",
                "needs PostgreSQL installed (CLAUDE_ROUTER_TEST_POSTGRES_URL set by scripts/test.sh)"))
struct GatewayDatabaseDownTests {
    /// Runs `bash scripts/postgres.sh COMMAND DIR`; its standard output.
    static func postgresScript(_ command: String, _ directory: String) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [ServeProcess.packageRoot.appendingPathComponent("scripts/postgres.sh").path, command, directory]
        // A file, not a pipe: the server the script starts inherits the descriptor and keeps a
        // pipe open, so reading to its end would wait for the server to stop.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("pg-script-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        try startSerialized(process)
        // Polled, as ServeProcess does: waitUntilExit on a test's task does not see the exit.
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        guard process.terminationStatus == 0 else {
            throw ServeProcess.Failure(description: "scripts/postgres.sh \(command) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("PostgreSQL stopped: a budgeted call is 503 api_error naming the budget/ledger database (no password, nothing sent upstream); on_unavailable=queue still answers; an upstream error whose record cannot be written is 503")
    func databaseStopped() async throws {
        let clusterDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-down-\(UUID().uuidString)").path
        let base = try await Self.postgresScript("start", clusterDirectory)
        var stopped = false
        defer {
            if !stopped { Task { _ = try? await Self.postgresScript("stop", clusterDirectory) } }
        }
        let password = try #require(URLComponents(string: base)?.password)
        // Short limits, so each refused call answers within seconds.
        // Over TLS (the script's server offers it; `prefer` does not verify its self-signed
        // certificate): a stopped server must read as the database being unavailable (503), not
        // as a TLS error.
        let url = base.replacingOccurrences(of: "sslmode=disable", with: "sslmode=prefer")
            + (base.contains("?") ? "&" : "?") + "timeout=3&connect_timeout=1"
        let workspace = try await ServeWorkspace.make("pg-down", keys: false)
        defer { Task { await workspace.close() } }
        try GatewayHarness.policyYAML(budgets: """
            budgets:
              - { name: fleet, scope: global, period: total, hard_usd: "100" }
            """).write(toFile: workspace.policyPath, atomically: true, encoding: .utf8)
        let unbudgeted = workspace.directory.appendingPathComponent("unbudgeted.yaml").path
        try GatewayHarness.policyYAML().write(toFile: unbudgeted, atomically: true, encoding: .utf8)

        func serve(_ name: String, policy: String, ledger: String) async throws -> ServeProcess {
            let directory = workspace.directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try await ServeProcess(
                arguments: ["--policy", policy, "--base-url", workspace.mock.baseURL, "--ledger", ledger,
                            "--upstream-retries", "0"],
                environment: ["ANTHROPIC_API_KEY": "sk-down"], directory: directory)
        }
        let budgeted = try await serve("budgeted", policy: workspace.policyPath, ledger: url)
        let failing = try await serve("failing", policy: unbudgeted, ledger: url)
        let queueing = try await serve("queueing", policy: unbudgeted, ledger: url + "&on_unavailable=queue")
        let body = Curl.messageBody(model: "claude-haiku-4-5", prompt: "Down test [[mock: reply=answered_while_up]]")
        for gateway in [budgeted, failing, queueing] {
            #expect(try await Curl.run(gateway.baseURL + "/v1/messages", body: body).status == 200, "while PostgreSQL is up")
        }

        _ = try await Self.postgresScript("stop", clusterDirectory)
        stopped = true
        let sentBefore = workspace.mock.stats.totalRequests
        let refused = try await Curl.run(budgeted.baseURL + "/v1/messages", body: body)
        #expect(refused.status == 503)
        let reply = try JSONSerialization.jsonObject(with: Data(refused.body.utf8)) as? [String: Any]
        let error = reply?["error"] as? [String: Any]
        #expect(reply?["type"] as? String == "error")
        #expect(error?["type"] as? String == "api_error")
        #expect((error?["message"] as? String)?.contains("budget/ledger database is unavailable") == true, "\(refused.body)")
        #expect(workspace.mock.stats.totalRequests == sentBefore, "budgets fail closed: nothing was sent upstream")
        let streamed = try await Curl.run(budgeted.baseURL + "/v1/messages",
                                          body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "stream", stream: true))
        #expect(streamed.status == 503)

        // A failed upstream call still has a record to write: without it the gateway cannot answer.
        let upstreamError = try await Curl.run(failing.baseURL + "/v1/messages",
                                               body: Curl.messageBody(model: "claude-haiku-4-5", prompt: "x [[mock: status=400]]"))
        #expect(upstreamError.status == 503)
        #expect(upstreamError.body.contains("ledger database is unavailable"), "\(upstreamError.body)")
        // A paid reply is handed over, marked as unrecorded.
        let paid = try await Curl.run(failing.baseURL + "/v1/messages", body: body)
        #expect(paid.status == 200)
        #expect(paid.headers["x-router-ledger"] == "write_failed")

        // Recording fails open: the reply comes back, the record waits in memory.
        let queued = try await Curl.run(queueing.baseURL + "/v1/messages", body: body)
        #expect(queued.status == 200)
        #expect(queued.body.contains("answered while up"))

        for output in [refused.body, streamed.body, upstreamError.body, budgeted.stderr, failing.stderr] {
            #expect(!output.contains(password), "the database password never reaches a reply or a log")
        }
        for gateway in [budgeted, failing, queueing] { _ = try await gateway.stop(signal: SIGKILL) }
    }
}
