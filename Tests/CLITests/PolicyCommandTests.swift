import Foundation
import Testing

/// `validate`, `explain`, `prices` and usage errors, run through the real binary.
@Suite("CLI: validate, explain, prices, usage")
struct PolicyCommandTests {
    let defaultPolicy = CLIHarness.path("policies/default.yaml")
    let prices = CLIHarness.path("policies/prices.yaml")

    @Test("validate: a good policy and a good price book exit 0")
    func validateGood() throws {
        let result = try CLIHarness.run(["validate", defaultPolicy, prices])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("default.yaml: ok (policy 'default'"))
        #expect(result.stdout.contains("prices.yaml: ok (price book"))
        #expect(result.stderr.isEmpty)
    }

    @Test("validate: `default` names the bundled policy, as for every command taking a policy")
    func validateBundledDefault() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLIHarness.run(["validate", "default"], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "default: ok (bundled policy 'default', 3 tiers, baseline opus)\n")
    }

    @Test("validate: a directory or a missing path says which, exit 65")
    func validateNotAFile() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try CLIHarness.run(["validate", directory.path])
        #expect(folder.status == 65)
        #expect(folder.stderr.contains("it is a directory"), "\(folder.stderr)")
        let missing = try CLIHarness.run(["validate", directory.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("no such file"), "\(missing.stderr)")
    }

    @Test("explain with a learned scorer: features headed as such, negative contributions signed once")
    func explainLearnedFeatures() throws {
        let result = try CLIHarness.run(["explain", "--policy", CLIHarness.path("policies/learned.yaml"),
                                         "What is the capital of France?"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("features:   (learned score; contributions in logit units)"))
        #expect(!result.stdout.contains("+-"))
        #expect(result.stdout.contains(" -0."))
    }

    @Test("validate: a bad policy prints FILE:LINE:COLUMN, the line and a caret; exit 65")
    func validateBadPolicy() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try String(contentsOfFile: defaultPolicy, encoding: .utf8)
        let body = text.hasSuffix("\n") ? text : text + "\n"
        let file = directory.appendingPathComponent("typo.yaml").path
        try (body + "escalatoin: {}\n").write(toFile: file, atomically: true, encoding: .utf8)
        let line = body.split(separator: "\n", omittingEmptySubsequences: false).count
        let result = try CLIHarness.run(["validate", file])
        #expect(result.status == 65)
        #expect(result.stderr == """
        \(file):\(line):1: error: unknown key 'escalatoin' in policy; did you mean 'escalation'?
        escalatoin: {}
        ^

        """)
        #expect(result.stdout.isEmpty)
    }

    @Test("validate: a bad price book is detected by content and reported at its line")
    func validateBadPrices() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("p.yaml").path
        try "models:\n  claude-x:\n    pricez: []\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["validate", file])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("\(file):3:5: error: unknown key 'pricez'"))
        #expect(result.stderr.contains("    pricez: []\n    ^"))
    }

    @Test("validate --kind prices forces the price-book schema")
    func validateKind() throws {
        let result = try CLIHarness.run(["validate", "--kind", "prices", defaultPolicy])
        #expect(result.status == 65)
        let lines = try String(contentsOfFile: defaultPolicy, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let nameLine = try #require(lines.firstIndex { $0.hasPrefix("name:") }) + 1
        #expect(result.stderr.contains("\(defaultPolicy):\(nameLine):1: error: unknown key 'name' in the price file"))
    }

    @Test("validate: a missing file is a data error naming it")
    func validateMissing() throws {
        let result = try CLIHarness.run(["validate", "/nonexistent/policy.yaml"])
        #expect(result.status == 65)
        #expect(result.stderr == "/nonexistent/policy.yaml: error: no such file\n")
    }

    @Test("explain: text output names tier, task and reason")
    func explainText() throws {
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy,
                                         "Classify the sentiment of this review: great product"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("tier:       haiku (claude-haiku-4-5)"))
        #expect(result.stdout.contains("task:       classification"))
        #expect(result.stdout.contains("reason:"))
    }

    @Test("explain --file reads the whole file as the prompt; a missing file is exit 65")
    func explainFile() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("prompt.txt").path
        try "Extract all dates from this text:\nMeet on 3 March.".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["explain", "--policy", "default", "--file", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("task:       extraction"))
        let missing = try CLIHarness.run(["explain", "--policy", "default", "--file", "/nonexistent.txt"])
        #expect(missing.status == 65)
        #expect(missing.stderr == "error: cannot read '/nonexistent.txt'\n")
    }

    @Test("explain --json: one JSON object with the decision")
    func explainJSON() throws {
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--task", "reasoning", "--json",
                                         "Prove that there are infinitely many primes."])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["tier"] as? String == "opus")
        #expect(object["task"] as? String == "reasoning")
        #expect(object["policy"] as? String == "default")
        #expect(object["escalation_path"] is [Any])
    }

    @Test("explain --jsonl: one decision per line; bad lines reported as F:LINE and exit 65")
    func explainJSONL() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("in.jsonl").path
        try """
        {"prompt": "Classify the sentiment: I love it", "id": "a"}
        {"prompt": "Prove the theorem", "task": "reasoning", "metadata": {"user": "u1"}}

        {"prompt": 3}
        not json
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--jsonl", file])
        #expect(result.status == 65)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["line"] as? Int == 1 && first["id"] as? String == "a" && first["tier"] as? String == "haiku")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["line"] as? Int == 2 && second["task"] as? String == "reasoning")
        #expect(result.stderr == "\(file):4: error: \"prompt\" must be a string\n\(file):5: error: not valid JSON\n")
    }

    @Test("prices: the table, an alias, a dated id, and an unknown model")
    func pricesCommand() throws {
        let table = try CLIHarness.run(["prices"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("claude-haiku-4-5"))
        #expect(table.stdout.contains("$1.00")) // Haiku 4.5 input, docs/ANTHROPIC-API.md
        #expect(table.stdout.contains("$0.125")) // Haiku 5.5 5-minute cache write
        let dated = try CLIHarness.run(["prices", "--model", "claude-haiku-4-5-20251001"])
        #expect(dated.status == 0, "\(dated.stderr)")
        #expect(dated.stdout.contains("resolves:   dated id of claude-haiku-4-5"))
        #expect(dated.stdout.contains("output:         $5.00 / MTok"))
        let unknown = try CLIHarness.run(["prices", "--model", "gpt-4"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.hasPrefix("error: unknown model 'gpt-4' in "))
        #expect(unknown.stderr.split(separator: "\n").count == 1)
    }

    @Test("Usage errors exit 2 with the usage line, never 64")
    func usageErrors() throws {
        for arguments in [["explain", "--policy"], ["eval", "--fixtures", "evals", "--policy", "p", "--concurrency", "0"],
                          ["frobnicate"], ["validate"], ["explain", "--policy", "x", "--jsonl", "a", "b"],
                          ["send", "--policy", defaultPolicy, "--base-url", "ftp://x", "hi"]] {
            let result = try CLIHarness.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Usage:") || result.stderr.contains("Error:"), "\(arguments)")
        }
        let empty = try CLIHarness.run(["explain", "  "])
        #expect(empty.status == 2 && empty.stderr.contains("the prompt is empty"))
        // --policy defaults to the bundled policy.
        let bundled = try CLIHarness.run(["explain", "Hello there"])
        #expect(bundled.status == 0, "\(bundled.stderr)")
        #expect(bundled.stdout.contains("haiku") || bundled.stdout.contains("sonnet"))
        let dry = try CLIHarness.run(["eval", "--fixtures", "evals/starter.yaml", "--dry-run", "--case", "sentiment-positive"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("default"))
        let help = try CLIHarness.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("SUBCOMMANDS"))
    }

    @Test("explain --task with a name the policy lacks warns on stderr, naming the policy's tasks")
    func unknownTaskWarns() throws {
        let typo = try CLIHarness.run(["explain", "--policy", "default", "--task", "clasification", "hi"])
        #expect(typo.status == 0)
        #expect(typo.stderr.contains("warning: --task 'clasification' is not a task of policy 'default'"))
        #expect(typo.stderr.contains("classification"))
        let known = try CLIHarness.run(["explain", "--policy", "default", "--task", "classification", "hi"])
        #expect(known.status == 0)
        #expect(!known.stderr.contains("warning"))
    }
}
