import ClaudeMockServer
import Foundation
import Testing

/// What a promptfoo user expects of `eval`, through the real binary against the mock server in
/// this process: progress lines, Ctrl-C's partial report, the result cache and `--resume`.
@Suite("CLI: eval UX", .serialized)
struct EvalUXTests {
    let policy = CLIHarness.path("policies/default.yaml")
    let key = ["ANTHROPIC_API_KEY": "sk-ant-test-evalux"]

    func messages(_ server: MockAnthropicServer) -> Int { server.stats.requests(to: .messages) }

    /// A fixture of `prompts` as classification cases `c0`, `c1`, … each checking `check`.
    func fixture(_ prompts: [String], check: String = "mock reply", in directory: URL, name: String = "f.yaml") throws -> String {
        var yaml = "suite: ux\ncases:\n"
        for (index, prompt) in prompts.enumerated() {
            yaml += "  - id: c\(index)\n    task: classification\n    prompt: \"\(prompt)\"\n    checks:\n      - contains: \(check)\n"
        }
        let path = directory.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("Two policies run side by side within --concurrency: 2 → both in flight at once; 1 → one after the other")
    func policiesConcurrently() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Each reply held 1.5 s: the second policy's request starts well inside the first's even
        // when a loaded machine delays it (600 ms was not always enough).
        let file = try fixture(["Classify this [[mock: delay-ms=1500]]"], in: directory)
        for (concurrency, expected) in [(2, 2), (1, 1)] {
            try await MockAnthropicServer.withLoopbackServer { server in
                let result = try await CLIHarness.runAsync(
                    ["eval", "--fixtures", file, "--policy", policy, "--policy", policy, "--no-cache",
                     "--concurrency", "\(concurrency)", "--base-url", server.baseURL], environment: key)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(messages(server) == 2)
                #expect(server.stats.maxConcurrentRequests == expected, "--concurrency \(concurrency)")
            }
        }
    }

    @Test("Off a terminal, plain progress lines: done/total, percent, elapsed, ETA, spent, passes")
    func progressLines() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try fixture((0..<6).map { "Classify \($0) [[mock: delay-ms=150]]" }, in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--concurrency", "1", "--progress-interval", "0.1",
                 "--base-url", server.baseURL], environment: key)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
            #expect(lines.count >= 2, "\(result.stderr)")
            let pattern = #/progress: (\d)/6 (\d+)% \[default\] elapsed \d+:\d\d(, ETA \d+:\d\d)?, spent \$0\.\d+, passed (\d)/(\d)/#
            for line in lines {
                let match = try #require(try pattern.wholeMatch(in: String(line)), "\(line)")
                let done = Int(match.output.1)!
                #expect(Int(match.output.2)! == done * 100 / 6)
                #expect(match.output.5 == match.output.1 && match.output.4 == match.output.1) // every mock answer passes
                // An ETA while cases remain, none once all are done (a periodic line can land after
                // the last case on a loaded machine, so "all lines but the last" is not the rule).
                #expect((match.output.3 != nil) == (done < 6), "\(line)")
            }
            // The default interval (10 s) prints nothing on a run this short.
            let quiet = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--base-url", server.baseURL], environment: key)
            #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        }
    }

    @Test("Ctrl-C mid-run: progress so far, then the partial report, exit 130")
    func interruptPrintsPartialReport() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = (0..<3).map { "Quick \($0)" } + (0..<5).map { "Slow \($0) [[mock: delay-ms=20000]]" }
        let file = try fixture(prompts, in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let child = try RunningCLI(["eval", "--fixtures", file, "--policy", policy, "--concurrency", "1",
                                        "--progress-interval", "0.001", "--base-url", server.baseURL], environment: key)
            let deadline = Date().addingTimeInterval(20)
            while messages(server) < 4, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(messages(server) >= 4, "the slow call never started")
            try await Task.sleep(for: .milliseconds(200))
            child.send(SIGINT)
            let result = try await child.finish()
            #expect(result.status == 130, "\(result.stderr)")
            #expect(result.stderr.contains("progress: 3/8 37% [default]"), "\(result.stderr)")
            #expect(result.stderr.contains("interrupted by SIGINT"))
            // The partial report: three answered cases pass, the one in flight was cancelled (a
            // failure), and the four never started are left out of the rate and the tier mix.
            #expect(result.stdout.contains("3/4 (4 not run)"), "\(result.stdout)")
            #expect(result.stdout.contains(" 75% "), "\(result.stdout)")
            #expect(result.stdout.contains("not run: interrupted by SIGINT"))
            #expect(messages(server) == 4)
        }
    }

    @Test("A rerun of an unchanged suite makes zero calls, costs $0 and says so; --no-cache calls again")
    func cachedRerun() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.jsonl").path
        let file = try fixture(["Classify one", "Classify two", "Classify three"], in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let base = ["eval", "--fixtures", file, "--policy", policy, "--ledger", ledger, "--base-url", server.baseURL]
            let first = try await CLIHarness.runAsync(base, environment: key)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(!first.stdout.contains("CACHED"))
            let called = messages(server)
            #expect(called >= 3)
            #expect(FileManager.default.fileExists(atPath: ledger + ".eval-cache.sqlite"))

            let second = try await CLIHarness.runAsync(base + ["--format", "json"], environment: key)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(messages(server) == called) // zero network calls
            let object = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
            let outcomes = try #require((object["runs"] as? [[String: Any]])?.first?["outcomes"] as? [[String: Any]])
            #expect(outcomes.count == 3 && outcomes.allSatisfy { $0["cached"] as? Bool == true })
            for format in ["table", "markdown", "html"] {
                let text = try await CLIHarness.runAsync(base + ["--format", format, "--answers"], environment: key)
                #expect(text.stdout.contains("CACHED: all 3 answers came from the result cache: this run made no API calls and cost $0"),
                        "\(format)")
                #expect(text.stdout.contains(format == "html" ? "class=\"cached\"" : "(cached: no call this run)"), "\(format)")
            }
            #expect(messages(server) == called)
            // The ledger holds only the first run's calls: a cache hit is not a paid call.
            let lines = try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == called)

            // An edited check re-judges the stored answers, still without a call.
            let strict = try fixture(["Classify one", "Classify two", "Classify three"], check: "Paris", in: directory,
                                     name: "strict.yaml")
            let rejudged = try await CLIHarness.runAsync(
                ["eval", "--fixtures", strict, "--policy", policy, "--ledger", ledger, "--base-url", server.baseURL], environment: key)
            #expect(rejudged.status == 1)
            #expect(rejudged.stdout.contains("contains: \"Paris\" not found in the reply"))
            #expect(messages(server) == called)

            let uncached = try await CLIHarness.runAsync(base + ["--no-cache"], environment: key)
            #expect(uncached.status == 0, "\(uncached.stderr)")
            #expect(messages(server) == 2 * called)
            #expect(!uncached.stdout.contains("CACHED"))
        }
    }

    @Test("Errors and truncated replies are never cached; a different base URL never reuses an answer")
    func whatIsNotCached() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache.sqlite").path
        let file = try fixture(["Fine", "Broken [[mock: status=400]]", "Cut [[mock: stop=max_tokens]]"], in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let base = ["eval", "--fixtures", file, "--policy", policy, "--cache", cache, "--base-url", server.baseURL]
            _ = try await CLIHarness.runAsync(base, environment: key)
            let afterFirst = messages(server)
            let second = try await CLIHarness.runAsync(base + ["--format", "json"], environment: key)
            let outcomes = try #require(((try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])?["runs"]
                as? [[String: Any]])?.first?["outcomes"] as? [[String: Any]])
            #expect(outcomes.map { $0["cached"] as? Bool } == [true, false, false])
            #expect(messages(server) - afterFirst == afterFirst - 1) // all but the fine case called again
            #expect(second.stdout.contains("\"cached\" : true"))
        }
        // Another API (here a second mock) never gets the first one's answers.
        try await MockAnthropicServer.withLoopbackServer { other in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--cache", cache, "--base-url", other.baseURL], environment: key)
            #expect(!result.stdout.contains("CACHED"), "\(result.stdout)")
            #expect(messages(other) >= 3)
        }
    }

    @Test("--resume finishes an interrupted run and refuses when there is nothing to resume")
    func resume() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache.sqlite").path
        let prompts = (0..<3).map { "Quick \($0)" } + ["Slow [[mock: delay-ms=3000]]"]
            + (0..<2).map { "Later \($0)" }
        let file = try fixture(prompts, in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let base = ["eval", "--fixtures", file, "--policy", policy, "--cache", cache, "--concurrency", "1",
                        "--base-url", server.baseURL]
            let fresh = try await CLIHarness.runAsync(base + ["--resume"], environment: key)
            #expect(fresh.status == 65 && fresh.stderr.contains("nothing to resume: the cache"), "\(fresh.stderr)")
            #expect(messages(server) == 0)

            let child = try RunningCLI(base, environment: key)
            let deadline = Date().addingTimeInterval(20)
            while messages(server) < 4, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            child.send(SIGINT)
            let interrupted = try await child.finish()
            #expect(interrupted.status == 130, "\(interrupted.stderr)")
            let before = messages(server)

            // The resumed run calls only the unfinished cases (the slow one is cancelled, not cached).
            let resumed = try await CLIHarness.runAsync(
                base + ["--resume", "--format", "json"], environment: key)
            #expect(resumed.stderr.contains("resuming the run started"), "\(resumed.stderr)")
            let outcomes = try #require(((try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])?["runs"]
                as? [[String: Any]])?.first?["outcomes"] as? [[String: Any]])
            #expect(outcomes.map { $0["cached"] as? Bool } == [true, true, true, false, false, false])
            #expect(messages(server) - before == 3)

            let again = try await CLIHarness.runAsync(base + ["--resume"], environment: key)
            #expect(again.status == 65 && again.stderr.contains("finished; run again without --resume"), "\(again.stderr)")
        }
    }

    @Test("A --cache that is not a cache stops before any call; --resume needs a cache")
    func unusableCache() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try fixture(["Classify one"], in: directory)
        let notACache = try write("this is not SQLite\n", to: directory.appendingPathComponent("notes.txt"))
        try await MockAnthropicServer.withLoopbackServer { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--cache", notACache, "--base-url", server.baseURL], environment: key)
            #expect(result.status == 70 && result.stderr.contains("error: eval cache '\(notACache)'"), "\(result.stderr)")
            #expect(messages(server) == 0)
            let both = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--resume", "--no-cache", "--base-url", server.baseURL], environment: key)
            #expect(both.status == 2, "\(both.stderr)")
            let noPlace = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--resume", "--base-url", server.baseURL], environment: key)
            #expect(noPlace.status == 2 && noPlace.stderr.contains("--resume needs the result cache"), "\(noPlace.stderr)")
            #expect(messages(server) == 0)
        }
    }

    func write(_ text: String, to url: URL) throws -> String {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
