import ClaudeMockServer
import Foundation
import Testing

/// `send` and `report` with a `postgres://` ledger, through the real binary: the records land in
/// PostgreSQL, `report` aggregates them on the server, and the URL's password is never printed.
@Suite("CLI: PostgreSQL ledger")
struct PostgresLedgerCLITests {
    static let variable = "CLAUDE_ROUTER_TEST_POSTGRES_URL"

    static var shouldRun: Bool {
        if ProcessInfo.processInfo.environment[variable].map({ !$0.isEmpty }) == true { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        print("claude-router tests: CLI PostgreSQL tests skipped: \(variable) is not set "
            + "(run `bash scripts/postgres.sh start` and export its URL, or use scripts/test.sh)")
        return false
    }

    @Test("send records into PostgreSQL; report reads it back by tier; the password appears in no output",
          .enabled(if: shouldRun, "needs CLAUDE_ROUTER_TEST_POSTGRES_URL"))
    func sendThenReport() async throws {
        guard let base = ProcessInfo.processInfo.environment[Self.variable], !base.isEmpty else {
            Issue.record("\(Self.variable) is not set: this test needs PostgreSQL (scripts/test.sh starts one)")
            return
        }
        let schema = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        // timeout=120: the whole suite runs in parallel on as few as 2 cores.
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)&timeout=120"
        let password = try #require(URLComponents(string: base)?.password)
        let policy = CLIHarness.path("policies/default.yaml")
        let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]
        var outputs: [String] = []
        try await MockAnthropicServer.withLoopbackServer { server in
            for (task, prompt) in [("classification", "Classify the sentiment: I love it"), ("reasoning", "Prove it")] {
                let sent = try await CLIHarness.runAsync(
                    ["send", "--policy", policy, "--task", task, "--ledger", url, "--base-url", server.baseURL, prompt],
                    environment: key)
                #expect(sent.status == 0, "\(sent.stderr)")
                outputs += [sent.stdout, sent.stderr]
            }
        }
        let table = try CLIHarness.run(["report", "--ledger", url, "--by", "tier"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("haiku") && table.stdout.contains("opus") && table.stdout.contains("TOTAL"))
        let json = try CLIHarness.run(["report", "--ledger", url, "--format", "json"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["total"] as? [String: Any])?["calls"] as? Int == 2)
        let html = try CLIHarness.run(["report", "--ledger", url, "--format", "html"])
        #expect(html.status == 0)
        // A wrong password: a clear error naming the redacted URL, not the password tried.
        let wrong = url.replacingOccurrences(of: ":\(password)@", with: ":wrong-\(password)@")
        let refused = try CLIHarness.run(["report", "--ledger", wrong])
        #expect(refused.status == 77, "refused credentials are EX_NOPERM: \(refused.stderr)")
        #expect(refused.stderr.contains("***"))
        #expect(refused.stderr.contains("database_access_denied") && refused.stderr.contains("SQLSTATE 28P01"),
                "the server's reason, at once rather than after the pool's retries: \(refused.stderr)")
        #expect(!refused.stderr.contains("PostgresNIO"), "no pool log lines from a one-shot command: \(refused.stderr)")
        // No password at all, for a server that asks for one (SCRAM): refused credentials too.
        let noPassword = try CLIHarness.run(["report", "--ledger", url.replacingOccurrences(of: ":\(password)@", with: "@")])
        #expect(noPassword.status == 77, "\(noPassword.stderr)")
        #expect(noPassword.stderr.contains("database_access_denied"), "\(noPassword.stderr)")
        outputs += [noPassword.stdout, noPassword.stderr]
        // A database that does not exist: the server's words, not a timeout.
        let missing = try #require(URLComponents(string: base)).path
        let noDatabase = try CLIHarness.run(["report", "--ledger",
            url.replacingOccurrences(of: missing + "?", with: "/no_such_database_here?")])
        #expect(noDatabase.status == 70, "\(noDatabase.stderr)")
        #expect(noDatabase.stderr.contains("SQLSTATE 3D000"), "\(noDatabase.stderr)")
        outputs += [noDatabase.stdout, noDatabase.stderr]
        outputs += [table.stdout, table.stderr, json.stdout, html.stdout, refused.stdout, refused.stderr]
        for output in outputs { #expect(!output.contains(password)) }
    }

    @Test("a server that refuses connections: exit 69 with the system's reason after the URL's timeout, no pool log lines")
    func unreachableServer() throws {
        // Port 1 on loopback: nothing listens there, so every connection is refused at once.
        let result = try CLIHarness.run(["report", "--ledger", "postgres://router:s3cret@127.0.0.1:1/ledger?timeout=10"])
        #expect(result.status == 69, "EX_UNAVAILABLE: \(result.stderr)")
        #expect(result.stderr.contains("error: cannot open ledger: postgres://router:***@127.0.0.1:1/ledger: "
            + "ledger error (database_unavailable): connecting: Connection refused"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line, no postgres-nio log: \(result.stderr)")
        #expect(!result.stderr.contains("s3cret") && result.stdout.isEmpty)
    }
}
