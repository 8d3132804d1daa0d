import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing
import ClaudeRouterTestSupport

/// `send`, `report` and `mock-server` through the real binary, against a MockAnthropicServer
/// started in this process on 127.0.0.1 (real sockets, real libcurl in the child).
@Suite("CLI: send, report, mock-server")
struct SendReportTests {
    let defaultPolicy = CLIHarness.path("policies/default.yaml")
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    func withMock<T>(_ body: (MockAnthropicServer) async throws -> T) async throws -> T {
        try await MockAnthropicServer.withLoopbackServer(body)
    }

    @Test("send routes through the mock, prints the reply and the cost, and the ledger feeds report")
    func sendThenReport() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        try await withMock { server in
            let sent = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--task", "classification", "--ledger", ledger,
                 "--base-url", server.baseURL, "Classify the sentiment: I love it"], environment: key)
            #expect(sent.status == 0, "\(sent.stderr)")
            #expect(sent.stdout.contains("This is a mock reply from claude-haiku-4-5"))
            #expect(sent.stderr.hasPrefix("— haiku (claude-haiku-4-5"))
            #expect(sent.stderr.contains("on the baseline tier"))
            #expect(!sent.stderr.contains("test-key-not-real"))

            let streamed = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--task", "reasoning", "--stream", "--ledger", ledger,
                 "--base-url", server.baseURL, "Prove it"], environment: key)
            #expect(streamed.status == 0, "\(streamed.stderr)")
            #expect(streamed.stdout.contains("mock reply from claude-opus"))

            let json = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--json", "--base-url", server.baseURL, "What is 2+2?"], environment: key)
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect((object["text"] as? String)?.contains("mock reply") == true)
            #expect((object["attempts"] as? [Any])?.count == 1)
        }
        let table = try CLIHarness.run(["report", "--ledger", ledger, "--by", "tier"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("haiku") && table.stdout.contains("opus") && table.stdout.contains("TOTAL"))
        let csv = try CLIHarness.run(["report", "--ledger", ledger, "--by", "task", "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("task,calls,attempts,"))
        #expect(csv.stdout.contains("classification,1,1,"))
        let json = try CLIHarness.run(["report", "--ledger", ledger, "--format", "json", "--since", "2000-01-01"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["total"] as? [String: Any])?["calls"] as? Int == 2)
    }

    @Test("ANTHROPIC_BASE_URL is honoured like the official SDKs; --base-url wins over it")
    func baseURLFromEnvironment() async throws {
        try await withMock { server in
            var environment = key
            environment["ANTHROPIC_BASE_URL"] = server.baseURL
            let viaEnvironment = try await CLIHarness.runAsync(["send", "--policy", defaultPolicy, "Hello"], environment: environment)
            #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
            #expect(viaEnvironment.stdout.contains("mock reply"))
            environment["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9" // discard port: nothing answers
            let flagWins = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--base-url", server.baseURL, "Hello"], environment: environment)
            #expect(flagWins.status == 0, "\(flagWins.stderr)")
        }
    }

    @Test("send: missing key exits 77; refused credentials exit 77; an unreachable API exits 69")
    func sendFailures() async throws {
        let noKey = try CLIHarness.run(["send", "--policy", defaultPolicy, "hello"])
        #expect(noKey.status == 77)
        #expect(noKey.stderr.hasPrefix("error: no API key"))
        try await withMock { server in
            let refused = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--base-url", server.baseURL, "hi [[mock: status=401]]"], environment: key)
            #expect(refused.status == 77, "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1)
        }
        // A port nothing listens on: the server above is stopped.
        let closed = try await withMock { server in server.baseURL }
        let unreachable = try await CLIHarness.runAsync(
            ["send", "--policy", defaultPolicy, "--base-url", closed, "hello"], environment: key)
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        #expect(unreachable.stderr.hasPrefix("error: "))
    }

    @Test("report: a call counts whole under the model that answered it; unknown cost is null or 'unpriced', never $0; an empty selection says so")
    func reportHonesty() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        try await withMock { server in
            let escalated = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--task", "extraction", "--ledger", ledger, "--base-url", server.baseURL,
                 "Extract the id from A-1 [[mock: stop=max_tokens models=haiku]]"], environment: key)
            #expect(escalated.status == 0, "\(escalated.stderr)")
            // A reply without usage: its cost is unknown (flagged usage_missing), never $0.
            let unpriced = try await CLIHarness.runAsync(
                ["send", "--policy", defaultPolicy, "--task", "reasoning", "--ledger", ledger,
                 "--base-url", server.baseURL, "Prove it [[mock: usage=missing]]"], environment: key)
            #expect(unpriced.status == 0, "\(unpriced.stderr)")
        }
        let json = try CLIHarness.run(["report", "--ledger", ledger, "--by", "model", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["schema_version"] as? Int == 1)
        let rows = try #require(object["rows"] as? [[String: Any]])
        // The escalated call is one row: the model that answered, with both attempts' cost.
        #expect(rows.map { $0["group"] as? String } == ["claude-opus-4-8", "claude-sonnet-4-6"])
        let sonnet = rows[1]
        #expect(sonnet["calls"] as? Int == 1 && sonnet["attempts"] as? Int == 2 && sonnet["escalated_calls"] as? Int == 1)
        // Its savings are against its own baseline, with the wasted Haiku attempt's cost in it
        // (here negative: Haiku ran to max_tokens before Sonnet answered).
        let cost = try #require((sonnet["cost_usd"] as? String).flatMap { Decimal(string: $0) })
        let baseline = try #require((sonnet["baseline_cost_usd"] as? String).flatMap { Decimal(string: $0) })
        let saved = try #require((sonnet["savings_usd"] as? String).flatMap { Decimal(string: $0) })
        let escalation = try #require((sonnet["escalation_cost_usd"] as? String).flatMap { Decimal(string: $0) })
        #expect(saved == baseline - cost)
        #expect(escalation > 0 && escalation < cost)
        let opus = rows[0]
        #expect(opus["cost_usd"] is NSNull)
        #expect(opus["unpriced_records"] as? Int == 1 && opus["flagged_records"] as? Int == 1)
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["cost_usd"] is NSNull)
        #expect((total["cost_lower_bound_usd"] as? String).map { $0 != "0" } == true)

        let table = try CLIHarness.run(["report", "--ledger", ledger, "--by", "model"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("unpriced"))
        #expect(table.stdout.contains("Total cost ≥ $"))
        let empty = try CLIHarness.run(["report", "--ledger", ledger, "--since", "2999-01-01"])
        #expect(empty.status == 0)
        #expect(empty.stdout.hasPrefix("no records in"))
    }

    @Test("eval HTML shows prompts, answers and attempt paths side by side; headless Chromium runs its filters")
    func evalHTMLInChromium() async throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "no Chromium: scripts/test.sh installs it (apt package chromium)")
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html").path
        let alternative = CLIHarness.path("policies/examples/ab-alternative.yaml")
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--policy", alternative,
                 "--base-url", server.baseURL, "--format", "html", "--output", page, "--resamples", "200"], environment: key)
            #expect(result.status == 1, "\(result.stderr)") // the mock's placeholder answers fail content checks
        }
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("This is a mock reply from claude-haiku-4-5")) // the answers themselves
        #expect(html.contains("haiku → sonnet")) // an escalation's path
        #expect(html.contains("class=\"failed differs\"") || html.contains("class=\"differs\""))
        #expect(html.contains("Answers from: http://127.0.0.1:") && html.contains("by claude-router 0."))
        // Rendered by a real browser: the inline script ran and filtered to the differences.
        for filter in ["differences", "failures"] {
            // Under timeout(1): a browser that hangs fails the test instead of the whole run.
            let dom = try await CLIHarness.runAsync(
                ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://\(page)#\(filter)"],
                executable: URL(fileURLWithPath: "/usr/bin/timeout"), directory: directory)
            #expect(dom.stdout.contains("data-show=\"\(filter)\""), "\(dom.stderr.suffix(500))")
            #expect(dom.stdout.contains("MOCK ANSWERS"))
        }
        let shot = directory.appendingPathComponent("report.png").path
        _ = try await CLIHarness.runAsync(
            ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1600",
             "--screenshot=\(shot)", "file://\(page)"], executable: URL(fileURLWithPath: "/usr/bin/timeout"), directory: directory)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.count > 20_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test("report: a missing ledger is a data error; a bad --since is a usage error")
    func reportFailures() throws {
        let missing = try CLIHarness.run(["report", "--ledger", "/nonexistent/ledger.sqlite"])
        #expect(missing.status == 65)
        #expect(missing.stderr == "error: ledger '/nonexistent/ledger.sqlite' does not exist\n")
        let badDate = try CLIHarness.run(["report", "--ledger", "x.sqlite", "--since", "yesterday"])
        #expect(badDate.status == 2)
    }

    @Test("mock-server prints its URL, says it is a MOCK, serves, and stops on SIGTERM")
    func mockServer() async throws {
        guard let binary = CLIHarness.binary else { throw CLIHarness.MissingBinary() }
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["mock-server", "--port", "0"]
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = FileHandle.nullDevice
        try startSerialized(process)
        var output = ""
        for _ in 0..<200 where !output.contains("listening on") {
            try await Task.sleep(for: .milliseconds(50))
            output = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        }
        #expect(output.contains("LOCAL MOCK"))
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("listening on ") })
        let baseURL = String(line.dropFirst("listening on ".count))
        #expect(baseURL.hasPrefix("http://127.0.0.1:"))
        let sent = try await CLIHarness.runAsync(["send", "--policy", defaultPolicy, "--base-url", baseURL, "Hello"], environment: key)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("mock reply"))
        process.terminate() // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("Live eval against the mock: paired runs, ledger tagged by variant, exit 1 on failed checks")
    func liveEval() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("eval.sqlite").path
        let fixture = directory.appendingPathComponent("mock.yaml").path
        // Checks written against the mock's documented reply: "This is a mock reply from <model>: …".
        try """
        cases:
          - id: mock-names-model
            task: classification
            prompt: Classify this.
            checks:
              - contains: mock reply
              - regex: 'claude-haiku'
              - max_latency_ms: 60000
          - id: fails-on-purpose
            task: qa
            prompt: What is the capital of France?
            checks:
              - contains: Paris is the capital
        """.write(toFile: fixture, atomically: true, encoding: .utf8)
        let alternative = CLIHarness.path("policies/examples/ab-alternative.yaml")
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", fixture, "--policy", defaultPolicy, "--policy", alternative,
                 "--base-url", server.baseURL, "--ledger", ledger, "--format", "json", "--resamples", "200"], environment: key)
            #expect(result.status == 1, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["dry_run"] as? Bool == false)
            let variants = try #require(object["variants"] as? [[String: Any]])
            #expect(variants.map { $0["passed"] as? Int } == [1, 1])
            #expect(variants.allSatisfy { $0["latency_p50_ms"] is Double })
            #expect(server.stats.requests(to: .messages) >= 4)
            // The mock's answers are said to be the mock's, in every format.
            #expect(object["mock_replies"] as? Int == 4 && object["answers"] as? Int == 4)
            for format in ["table", "markdown", "html"] {
                let text = try await CLIHarness.runAsync(
                    ["eval", "--fixtures", fixture, "--policy", defaultPolicy, "--base-url", server.baseURL,
                     "--format", format, "--resamples", "200"], environment: key)
                #expect(text.stdout.contains("MOCK ANSWERS: 2 of 2 answers came from claude-router"), "\(format)")
                #expect(text.stdout.contains("LOCAL MOCK server, not from Claude"), "\(format)")
            }
        }
        let report = try CLIHarness.run(["report", "--ledger", ledger, "--by", "variant", "--format", "csv"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("\r\nab-alternative,2,"))
        #expect(report.stdout.contains("\r\ndefault,2,"))
    }

    @Test("demo runs end to end offline and says its answers come from a local mock")
    func demo() async throws {
        let result = try CLIHarness.run(["demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("LOCAL MOCK"))
        #expect(result.stdout.contains("2. Cost report from the ledger"))
        #expect(result.stdout.contains("saved"))
        #expect(result.stdout.contains("haiku → sonnet")) // the scripted invalid-JSON escalation
        #expect(result.stdout.contains("A/B vs default"))
        #expect(result.stdout.contains("export ANTHROPIC_API_KEY"))
        #expect(!result.stdout.contains("as a page with charts"))  // its temporary ledger is gone
        // The first reply is quoted whole, or cut with an ellipsis.
        let quoted = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("The first reply, from the mock: ") })
        #expect(quoted.hasSuffix("…\"") || quoted.count <= "The first reply, from the mock: ".count + 112, "\(quoted)")

        // --ledger keeps the ledger, and the demo says how to render it.
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("demo.sqlite").path
        let kept = try CLIHarness.run(["demo", "--ledger", ledger])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("report --ledger \(ledger) --format html > report.html"))
        let page = try CLIHarness.run(["report", "--ledger", ledger, "--format", "html"])
        #expect(page.status == 0, "\(page.stderr)")
        #expect(page.stdout.contains("</html>"))
        // A second run on the same ledger reports its own calls, not the ledger's growing total.
        let again = try CLIHarness.run(["demo", "--ledger", ledger])
        // Calls, attempts, tokens, cost, baseline, savings (latencies differ between runs).
        func totalLine(_ text: String) -> [Substring]? {
            text.split(separator: "\n").first { $0.hasPrefix("TOTAL") }.map { Array($0.split(separator: " ").prefix(8)) }
        }
        #expect(again.status == 0 && totalLine(again.stdout) != nil && totalLine(again.stdout) == totalLine(kept.stdout),
                "\(String(describing: totalLine(again.stdout))) vs \(String(describing: totalLine(kept.stdout)))")

        // A PostgreSQL URL is refused before anything runs (mock-priced records do not belong in
        // a shared ledger), without printing the URL's password.
        let shared = try CLIHarness.run(["demo", "--ledger", "postgres://router:s3cret@127.0.0.1:1/fleet"])
        #expect(shared.status == 2, "\(shared.stderr)")
        #expect(shared.stderr.contains("not a PostgreSQL URL") && !shared.stderr.contains("s3cret") && shared.stdout.isEmpty)

        // A `.jsonl` path is a JSON Lines ledger, as for every other command (it was SQLite).
        let lines = directory.appendingPathComponent("demo.jsonl").path
        let jsonl = try CLIHarness.run(["demo", "--ledger", lines])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let text = try String(contentsOfFile: lines, encoding: .utf8)
        let records = text.split(separator: "\n")
        #expect(!records.isEmpty && records.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") }, "\(text.prefix(200))")
        let fromLines = try CLIHarness.run(["report", "--ledger", lines, "--by", "tier"])
        #expect(fromLines.status == 0 && fromLines.stdout.contains("TOTAL"), "\(fromLines.stderr)")

        // A hand-edited JSON Lines ledger whose costs sum past 2^63 picodollars: a clear error
        // (it trapped), exit 65, and the file untouched.
        let first = try #require(records.first.map(String.init))
        var edited: [String] = []
        for (index, id) in ["edited-1", "edited-2"].enumerated() {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
            object["id"] = id
            object["logicalCallID"] = "call-\(index)"
            object["cost"] = ["input": 5_000_000_000_000_000_000, "output": 0, "cacheRead": 0, "cacheWrite5m": 0,
                              "cacheWrite1h": 0, "total": 5_000_000_000_000_000_000]
            edited.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        let huge = directory.appendingPathComponent("edited.jsonl").path
        try (edited.joined(separator: "\n") + "\n").write(toFile: huge, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: huge))
        let overflow = try CLIHarness.run(["report", "--ledger", huge])
        #expect(overflow.status == 65, "\(overflow.stderr)")
        #expect(overflow.stderr.contains("integer_overflow") && overflow.stderr.contains("64-bit range"), "\(overflow.stderr)")
        #expect(!overflow.stderr.contains("Fatal") && !overflow.stderr.contains("Backtrace"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: huge)) == before)

        // The same sums in a SQLite ledger (summed inside SQLite): exit 65 as well, the error once.
        let sqlitePath = directory.appendingPathComponent("edited.sqlite").path
        let sqlite = try SQLiteLedger(path: sqlitePath)
        for (index, task) in ["qa", "code"].enumerated() {
            try await sqlite.record(LedgerRecord(id: "huge-\(index)", requestID: "req", task: task, model: "claude-opus-4-8",
                                                 cost: LedgerRecord.Cost(input: USDAmount(picodollars: 5_000_000_000_000_000_000))))
        }
        try await sqlite.close()
        let sqliteOverflow = try CLIHarness.run(["report", "--ledger", sqlitePath])
        #expect(sqliteOverflow.status == 65, "\(sqliteOverflow.stderr)")
        #expect(sqliteOverflow.stderr.contains("integer overflow"), "\(sqliteOverflow.stderr)")
        #expect(sqliteOverflow.stderr.components(separatedBy: sqlitePath).count == 2, "the path once: \(sqliteOverflow.stderr)")
    }

    @Test("A live eval against an unreachable API stops with exit 69; without a key, exit 77")
    func liveEvalFailures() async throws {
        let closed = try await withMock { server in server.baseURL }
        let unreachable = try await CLIHarness.runAsync(
            ["eval", "--fixtures", "evals/starter.yaml", "--policy", defaultPolicy, "--base-url", closed,
             "--concurrency", "2"], environment: key)
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        #expect(unreachable.stderr.hasPrefix("error: "))
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
        let noKey = try CLIHarness.run(["eval", "--fixtures", "evals", "--policy", defaultPolicy])
        #expect(noKey.status == 77)
    }
}
