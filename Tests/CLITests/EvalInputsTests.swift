import ClaudeMockServer
import Foundation
import Testing

/// Fixture variables, the `command` and `judge` checks, eval's JSON style and CSV, and `-` for
/// standard input, through the real binary (against the mock server in this process where a
/// call is needed).
@Suite("CLI: eval inputs and checks", .serialized)
struct EvalInputsTests {
    let policy = CLIHarness.path("policies/default.yaml")
    let key = ["ANTHROPIC_API_KEY": "sk-ant-test-evalinputs"]

    func write(_ text: String, name: String = "f.yaml", in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text.prefix(500))")
    }

    func outcomes(_ object: [String: Any], run: Int = 0) throws -> [[String: Any]] {
        try #require(((object["runs"] as? [[String: Any]])?[run])?["outcomes"] as? [[String: Any]])
    }

    static let varsFixture = """
    suite: vars
    vars:
      tone: formal
    cases:
      - id: greet
        task: classification
        vars:
          lang: [French, German]
          n: ["1", "2"]
        prompt: "Say hello in {{lang}} ({{ tone }}), {{n}} times"
        checks:
          - contains: "{{lang}}"
      - id: plain
        prompt: No variables here
    """

    @Test("vars: a cartesian matrix with stable id suffixes and substituted prompts and checks")
    func varsMatrix() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try write(Self.varsFixture, in: directory)
        let result = try CLIHarness.run(["eval", "--fixtures", file, "--policy", policy, "--dry-run", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        #expect(object["case_ids"] as? [String] == ["greet[lang=French,n=1]", "greet[lang=French,n=2]",
                                                    "greet[lang=German,n=1]", "greet[lang=German,n=2]", "plain"])
        let prompts = try outcomes(object).map { $0["prompt"] as? String }
        #expect(prompts.first == "Say hello in French (formal), 1 times")
        #expect(prompts.last == "No variables here")
        // --case takes a suffixed id.
        let one = try CLIHarness.run(["eval", "--fixtures", file, "--policy", policy, "--dry-run", "--format", "json",
                                      "--case", "greet[lang=German,n=2]"])
        #expect(try outcomes(json(one.stdout)).map { $0["prompt"] as? String } == ["Say hello in German (formal), 2 times"])
    }

    @Test("An unknown variable is an error at FILE:LINE:COLUMN of its {{")
    func unknownVariable() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try write("""
        cases:
          - id: a
            vars:
              name: [Ada, Grace]
            prompt: "Hi {{nme}}"
        """, in: directory)
        let result = try CLIHarness.run(["eval", "--fixtures", file, "--policy", policy, "--dry-run"])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("\(file):5:17: error: unknown variable 'nme'; did you mean 'name'?"), "\(result.stderr)")
    }

    @Test("command checks: the answer on stdin, exit 0 passes, a timeout fails; dry runs leave them not evaluated")
    func commandChecks() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try write("""
        cases:
          - id: passes
            task: classification
            prompt: Classify this.
            checks:
              - command: cat > seen.txt && grep -q 'mock reply' seen.txt && test "$EVAL_CASE_ID" = passes
          - id: fails
            task: classification
            prompt: Classify that.
            checks:
              - command: {run: "echo no Paris here; grep -q Paris", timeout_s: 5}
          - id: slow
            task: classification
            prompt: Classify slowly.
            checks:
              - command: {run: "sleep 5", timeout_s: 0.3}
        """, in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--base-url", server.baseURL, "--format", "json"], environment: key)
            #expect(result.status == 1, "\(result.stderr)")
            let cases = try outcomes(json(result.stdout))
            #expect(cases.map { $0["passed"] as? Bool } == [true, false, false])
            #expect((cases[1]["failures"] as? [String]) == ["command: 'echo no Paris here; grep -q Paris' exited 1: no Paris here"])
            #expect((cases[2]["failures"] as? [String]) == ["command: 'sleep 5' timed out after 0.3 s"])
        }
        // The command ran in the fixture's directory with the answer on its standard input.
        let seen = try String(contentsOfFile: directory.appendingPathComponent("seen.txt").path, encoding: .utf8)
        #expect(seen.contains("mock reply"))
        let dry = try CLIHarness.run(["eval", "--fixtures", file, "--policy", policy, "--dry-run", "--format", "json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try outcomes(json(dry.stdout)).allSatisfy { $0["not_evaluated"] as? Bool == true })
    }

    @Test("judge checks: graded by the named tier, recorded in the ledger as eval_judge, cost shown apart")
    func judgeChecks() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.jsonl").path
        // The rubric's mock directive scripts the grader's verdict (the case's own call never sees it).
        let file = try write("""
        judge: {tier: opus}
        cases:
          - id: graded-pass
            task: classification
            prompt: Say hi.
            checks:
              - judge: "Greets the user [[mock: reply=PASS]]"
          - id: graded-fail
            task: classification
            prompt: Say bye.
            checks:
              - judge: {rubric: "Says goodbye [[mock: reply=FAIL:_no_goodbye]]", tier: sonnet}
        """, in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--base-url", server.baseURL, "--ledger", ledger,
                 "--format", "json", "--no-cache"], environment: key)
            #expect(result.status == 1, "\(result.stderr)")
            let object = try json(result.stdout)
            let cases = try outcomes(object)
            #expect(cases.map { $0["passed"] as? Bool } == [true, false])
            #expect((cases[1]["failures"] as? [String]) == ["judge: fails the rubric: FAIL: no goodbye"])
            let judgeCosts = cases.compactMap { ($0["judge_cost_usd"] as? String).flatMap { Double($0) } }
            #expect(judgeCosts.count == 2 && judgeCosts.allSatisfy { $0 > 0 })
            let total = try #require((object["judge_cost_usd"] as? String).flatMap { Double($0) })
            #expect(abs(total - judgeCosts.reduce(0, +)) < 1e-12)
            // The routed cost does not include the judge's.
            let routed = try #require(((object["variants"] as? [[String: Any]])?.first?["total_cost_usd"] as? String).flatMap { Double($0) })
            let perCase = cases.compactMap { ($0["cost_usd"] as? String).flatMap { Double($0) } }.reduce(0, +)
            #expect(abs(routed - perCase) < 1e-12)
            let table = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--base-url", server.baseURL, "--no-cache"], environment: key)
            #expect(table.stdout.contains("JUDGE: the judge checks' grading calls cost $"), "\(table.stdout)")
            let answers = try await CLIHarness.runAsync(
                ["eval", "--fixtures", file, "--policy", policy, "--base-url", server.baseURL, "--no-cache", "--answers"], environment: key)
            #expect(answers.stdout.contains("[default] pass, haiku, $") && answers.stdout.contains(", judge $"), "\(answers.stdout)")
            // With the cache, the second run reuses answers and verdicts: no call at all, $0.
            let cache = directory.appendingPathComponent("cache.sqlite").path
            let base = ["eval", "--fixtures", file, "--policy", policy, "--base-url", server.baseURL, "--cache", cache]
            _ = try await CLIHarness.runAsync(base, environment: key)
            let before = server.stats.requests(to: .messages)
            let rerun = try await CLIHarness.runAsync(base + ["--format", "json"], environment: key)
            #expect(server.stats.requests(to: .messages) == before)
            let again = try json(rerun.stdout)
            #expect(again["spent_this_run_usd"] as? String == "0" && again["judge_cost_usd"] as? String == "0")
            #expect(try outcomes(again).map { $0["passed"] as? Bool } == [true, false])
        }
        let records = try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let judged = records.filter { $0["task"] as? String == "eval_judge" }
        #expect(judged.count == 2)
        #expect(judged.allSatisfy { ($0["metadata"] as? [String: String])?["eval_judge"] == "true" && $0["variant"] as? String == "eval-judge" })
        #expect(Set(judged.compactMap { $0["tier"] as? String }) == ["opus", "sonnet"])
        #expect(records.count - judged.count >= 2)
    }

    @Test("The shipped example of vars, command and judge checks loads and dry-runs")
    func shippedExample() throws {
        let result = try CLIHarness.run(["eval", "--fixtures", "evals/examples/checks-and-vars.yaml", "--dry-run", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = try #require(try json(result.stdout)["case_ids"] as? [String])
        #expect(ids.count == 8 && ids.first == "translate[lang=French,format=sentence]")
    }

    @Test("A judge tier the policy lacks, or none at all, is refused before any call")
    func judgeTierChecked() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let none = try write("cases:\n  - id: a\n    prompt: hi\n    checks:\n      - judge: is polite\n", name: "none.yaml", in: directory)
        let result = try CLIHarness.run(["eval", "--fixtures", none, "--policy", policy], environment: key)
        #expect(result.status == 65 && result.stderr.contains("\(none):5:9: error: this judge check names no tier"), "\(result.stderr)")
        let bad = try write("judge: gpt\ncases:\n  - id: a\n    prompt: hi\n    checks:\n      - judge: is polite\n", name: "bad.yaml", in: directory)
        let unknown = try CLIHarness.run(["eval", "--fixtures", bad, "--policy", policy], environment: key)
        #expect(unknown.status == 65 && unknown.stderr.contains("judge tier 'gpt' is not a tier of policy"), "\(unknown.stderr)")
    }

    @Test("eval JSON: snake_case keys, decimal-dollar strings, schema_version; CSV one row per case and policy")
    func jsonStyleAndCSV() throws {
        let alternative = CLIHarness.path("policies/examples/ab-alternative.yaml")
        let base = ["eval", "--fixtures", "evals/starter.yaml", "--policy", policy, "--policy", alternative, "--dry-run",
                    "--resamples", "200"]
        let result = try CLIHarness.run(base + ["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        #expect(object["schema_version"] as? Int == 2)
        // Every key at every depth is snake_case; every money field is an exact decimal string.
        var keys = Set<String>()
        func walk(_ value: Any) {
            if let dictionary = value as? [String: Any] {
                for (key, inner) in dictionary {
                    keys.insert(key)
                    if key.hasSuffix("_usd") { #expect(inner is NSNull || (inner as? String)?.wholeMatch(of: #/-?[0-9]+(\.[0-9]+)?/#) != nil, "\(key)") }
                    walk(inner)
                }
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(object)
        #expect(keys.allSatisfy { $0 == $0.lowercased() }, "\(keys.filter { $0 != $0.lowercased() })")
        #expect(keys.isSuperset(of: ["total_cost_usd", "cost_usd", "case_ids", "dry_run", "pass_rate", "p_value"]))
        let csv = try CLIHarness.run(base + ["--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let cases = (object["case_ids"] as? [Any])?.count ?? 0
        #expect(lines.first?.hasPrefix("case_id,variant,task,verdict,tier_path,tier,model,cost_usd,") == true)
        #expect(lines.count == 1 + 2 * cases)
        #expect(lines.dropFirst().allSatisfy { $0.contains(",not evaluated,") })
    }

    @Test("'-' reads fixtures, a prompt or a JSONL workload from standard input; send --file")
    func standardInput() async throws {
        let fixtures = try CLIHarness.run(["eval", "--fixtures", "-", "--policy", policy, "--dry-run", "--format", "json"],
                                          stdin: Self.varsFixture)
        #expect(fixtures.status == 0, "\(fixtures.stderr)")
        #expect((try json(fixtures.stdout)["case_ids"] as? [Any])?.count == 5)
        let broken = try CLIHarness.run(["eval", "--fixtures", "-", "--policy", policy, "--dry-run"],
                                        stdin: "cases:\n  - id: a\n    prompt: hi\n    checks:\n      - containz: x\n")
        #expect(broken.status == 65 && broken.stderr.hasPrefix("<stdin>:5:9: error: unknown check kind 'containz'"), "\(broken.stderr)")
        let explained = try CLIHarness.run(["explain", "--policy", policy, "--json", "-"], stdin: "Prove the theorem step by step.")
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(try json(explained.stdout)["tier"] != nil)
        let lines = try CLIHarness.run(["explain", "--policy", policy, "--jsonl", "-"],
                                       stdin: "{\"prompt\": \"hi\", \"id\": \"a\"}\n{\"prompt\": 3}\n")
        #expect(lines.status == 65 && lines.stderr.contains("<stdin>:2: error:"), "\(lines.stderr)")
        #expect(lines.stdout.contains("\"id\":\"a\""))
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let promptFile = try write("Classify this review: great product", name: "prompt.txt", in: directory)
        try await MockAnthropicServer.withLoopbackServer { server in
            let fromFile = try await CLIHarness.runAsync(["send", "--policy", policy, "--base-url", server.baseURL, "--file", promptFile],
                                                         environment: key)
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(fromFile.stdout.contains("mock reply"))
            let both = try CLIHarness.run(["send", "--policy", policy, "--file", promptFile, "hello"], environment: key)
            #expect(both.status == 2 && both.stderr.contains("exactly one of PROMPT or --file"))
        }
        let empty = try CLIHarness.run(["send", "--policy", policy, "-"], environment: key, stdin: "  \n")
        #expect(empty.status == 2 && empty.stderr.contains("the prompt is empty"), "\(empty.stderr)")
    }
}
