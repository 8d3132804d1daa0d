import Foundation
import Testing
import ClaudeRouterTestSupport

/// `calibrate --fixtures` and per-task thresholds through the real binary; the fixtures run
/// against a real `claude-router mock-server` process, whose reply directives decide the passes.
@Suite("CLI: calibrate --fixtures and per-task thresholds")
struct CalibrateFixturesTests {
    let defaultPolicy = CLIHarness.path("policies/default.yaml")
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    /// Starts `claude-router mock-server --port 0`, runs `body` with its URL, then stops it.
    func withMockProcess<T>(_ body: (String) async throws -> T) async throws -> T {
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
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var output = ""
        for _ in 0..<400 where !output.contains("listening on") {
            try await Task.sleep(for: .milliseconds(50))
            output = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        }
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("listening on ") })
        return try await body(String(line.dropFirst("listening on ".count)))
    }

    /// Twelve cases in three kinds, four of each: which tiers' replies pass is set by
    /// `[[mock: models=… reply=…]]` directives (the other tiers get the mock's echo reply).
    static let fixture: String = {
        var text = "suite: tiers\ncases:\n"
        for i in 0..<4 {
            text += """
              - id: sum-\(i)
                task: qa
                prompt: "What is \(i) plus forty? [[mock: models=sonnet,opus reply=answer_\(40 + i)]]"
                checks:
                  - contains: "answer \(40 + i)"
                  - expected_tier: haiku
              - id: proof-\(i)
                task: qa
                prompt: "Which proof technique fits case \(i)? [[mock: models=opus reply=induction]]"
                checks:
                  - contains: induction
              - id: hello-\(i)
                task: qa
                prompt: Say hello to user \(i).
                checks:
                  - contains: mock reply

            """
        }
        return text
    }()

    @Test("--fixtures runs every case on every tier of the mock, records real passes and costs, and feeds calibration")
    func fixturesAgainstMock() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = directory.appendingPathComponent("tiers.yaml").path
        try Self.fixture.write(toFile: fixture, atomically: true, encoding: .utf8)
        let saved = directory.appendingPathComponent("outcomes.jsonl").path
        let ledger = directory.appendingPathComponent("calls.sqlite").path
        let output = directory.appendingPathComponent("tuned.yaml").path
        try await withMockProcess { baseURL in
            let result = try await CLIHarness.runAsync(
                ["calibrate", "--policy", defaultPolicy, "--fixtures", fixture, "--save-outcomes", saved,
                 "--ledger", ledger, "--base-url", baseURL, "--concurrency", "3", "--target-quality-ratio", "0.9",
                 "--folds", "2", "--holdout", "0", "--output", output, "--price-date", "2026-11-01"], environment: key)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("ran 12 cases on 3 tiers (36 calls) in "))
            #expect(result.stderr.contains("passed: haiku 4/12, sonnet 8/12, opus 12/12"))
            #expect(result.stderr.contains("wrote 12 outcome lines to \(saved)"))
            #expect(result.stdout.contains("trained on 12 lines (12 with every tier)"))
        }
        // Each tier's pass is what the mock's replies earned (expected_tier is not counted).
        let lines = try String(contentsOfFile: saved, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 12)
        var passedByCase: [String: [String: Bool]] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            passedByCase[id] = object["passed"] as? [String: Bool]
            let costs = try #require(object["cost_usd"] as? [String: String])
            #expect(costs.keys.sorted() == ["haiku", "opus", "sonnet"])
            // Real usage priced: the opus call costs more than the haiku call for the same prompt.
            #expect(try #require(Decimal(string: costs["opus"]!)) > (try #require(Decimal(string: costs["haiku"]!))))
            #expect(object["task"] as? String == "qa")
        }
        for i in 0..<4 {
            #expect(passedByCase["sum-\(i)"] == ["haiku": false, "sonnet": true, "opus": true])
            #expect(passedByCase["proof-\(i)"] == ["haiku": false, "sonnet": false, "opus": true])
            #expect(passedByCase["hello-\(i)"] == ["haiku": true, "sonnet": true, "opus": true])
        }
        // Every call is in the ledger, by tier.
        let report = try CLIHarness.run(["report", "--ledger", ledger, "--by", "tier", "--format", "csv"])
        #expect(report.status == 0, "\(report.stderr)")
        for tier in ["haiku", "sonnet", "opus"] { #expect(report.stdout.contains("\r\n\(tier),12,12,")) }
        // The saved lines are valid --outcomes input for a later run, and the policy was written.
        let again = try CLIHarness.run(["calibrate", "--policy", defaultPolicy, "--outcomes", saved, "--target-quality-ratio", "0.9",
                                        "--folds", "2", "--holdout", "0", "--output", directory.appendingPathComponent("again.yaml").path,
                                        "--price-date", "2026-11-01"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try CLIHarness.run(["validate", output]).status == 0)
    }

    @Test("--fixtures evals/ runs the starter suite on every tier of the mock")
    func starterSuite() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let saved = directory.appendingPathComponent("starter.jsonl").path
        try await withMockProcess { baseURL in
            let result = try await CLIHarness.runAsync(
                ["calibrate", "--policy", defaultPolicy, "--fixtures", "evals", "--save-outcomes", saved, "--base-url", baseURL,
                 "--target-quality-ratio", "0.9", "--folds", "2", "--output", directory.appendingPathComponent("s.yaml").path,
                 "--price-date", "2026-11-01"], environment: key)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("ran 47 cases on 3 tiers (141 calls)"))
        }
        let lines = try String(contentsOfFile: saved, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 47)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((object["passed"] as? [String: Bool])?.count == 3)
        }
    }

    @Test("--fixtures without an API key exits 77; --save-outcomes alone is a usage error")
    func fixtureFailures() throws {
        let noKey = try CLIHarness.run(["calibrate", "--fixtures", "evals", "--target-pass-rate", "0.5", "--output", "/tmp/x.yaml"])
        #expect(noKey.status == 77, "\(noKey.stderr)")
        let usage = try CLIHarness.run(["calibrate", "--outcomes", "o.jsonl", "--save-outcomes", "s.jsonl",
                                        "--target-pass-rate", "0.5", "--output", "/tmp/x.yaml"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--save-outcomes needs --fixtures or --from-dev-data"))
    }

    /// 240 outcome lines of task qa and 60 of task generation. In qa, proofs fail on haiku and
    /// sonnet and pass on opus; lookups pass everywhere; every 13th line fails everywhere.
    static func taskOutcomes() -> String {
        var lines: [String] = []
        for i in 0..<300 {
            let task = i < 240 ? "qa" : "generation"
            let hard = i % 3 == 0, impossible = i % 13 == 0
            let prompt = hard ? "prove the lemma by induction on n, variant \(i % 7)" : "what is the capital of country \(i % 7)"
            let haiku = !hard && !impossible, sonnet = (!hard || i % 2 == 0) && !impossible, opus = !impossible
            lines.append(#"{"prompt": "\#(prompt)", "task": "\#(task)", "passed": {"haiku": \#(haiku), "sonnet": \#(sonnet), "opus": \#(opus)}}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("per-task thresholds: written under the task, validated, applied and shown by explain; the name is new")
    func perTaskThresholds() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("outcomes.jsonl").path
        try Self.taskOutcomes().write(toFile: input, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("tasks.yaml").path
        let result = try CLIHarness.run(["calibrate", "--policy", defaultPolicy, "--outcomes", input, "--target-quality-ratio", "0.95",
                                         "--min-task-rows", "100", "--folds", "3", "--output", output,
                                         "--price-date", "2026-11-01", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // The project's JSON style: snake_case, money as decimal-dollar strings, schema_version.
        #expect(summary["schema_version"] as? Int == 1)
        #expect((summary["training_cost_per_call_usd"] as? String)?.hasPrefix("0.") == true)
        #expect(summary["trainingRows"] == nil && summary["training_rows"] as? Int != nil)
        let tasks = try #require(summary["task_thresholds"] as? [[String: Any]])
        let qa = try #require(tasks.first { $0["task"] as? String == "qa" })
        let generation = try #require(tasks.first { $0["task"] as? String == "generation" })
        #expect((generation["note"] as? String)?.hasPrefix("global: ") == true)
        #expect((generation["note"] as? String)?.contains("< 100") == true)
        let own = try #require(qa["thresholds"] as? [String: Double], "qa: \(qa)")
        let yaml = try String(contentsOfFile: output, encoding: .utf8)
        #expect(yaml.contains("\nname: default-calibrated\n"))
        // The bundled default's no-evidence guard carries over; its blend weight does not, and says so.
        #expect(yaml.contains("  no_signal_fallback: true\n  min_known_fraction: 0.3\n"))
        #expect(!yaml.contains("heuristic_weight"))
        #expect(result.stderr.contains("note: the base policy's heuristic_weight 0.95 is not carried over"))
        let qaLine = try #require(yaml.split(separator: "\n").first { $0.hasPrefix("  qa:") })
        #expect(qaLine.contains("thresholds: { haiku: "))
        #expect(own["haiku"] == 0)
        let report = try #require(summary["report"] as? [String: Any])
        let rows = try #require(report["summaries"] as? [[String: Any]])
        #expect(rows.contains { $0["name"] as? String == "calibrated, task thresholds removed" })

        #expect(try CLIHarness.run(["validate", output]).status == 0)
        let explained = try CLIHarness.run(["explain", "--policy", output, "--task", "qa", "prove the lemma by induction on n, variant 3"])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("policy:     default-calibrated"))
        #expect(explained.stdout.contains("thresholds: thresholds of task qa (haiku 0.00"))
        let other = try CLIHarness.run(["explain", "--policy", output, "--task", "generation", "prove the lemma by induction on n, variant 5"])
        #expect(other.stdout.contains("thresholds: the policy's ("))

        // --name overrides the default name.
        let named = directory.appendingPathComponent("named.yaml").path
        let renamed = try CLIHarness.run(["calibrate", "--policy", defaultPolicy, "--outcomes", input, "--target-quality-ratio", "0.95",
                                          "--folds", "3", "--output", named, "--name", "support-v2", "--price-date", "2026-11-01"])
        #expect(renamed.status == 0, "\(renamed.stderr)")
        #expect(try String(contentsOfFile: named, encoding: .utf8).contains("\nname: support-v2\n"))
    }
}
