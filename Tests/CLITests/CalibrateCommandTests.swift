import Foundation
import Testing

/// `calibrate` end to end through the real binary: outcomes in, a policy + sidecar out that
/// `validate` accepts and `explain` uses.
@Suite("CLI: calibrate")
struct CalibrateCommandTests {
    /// 90 synthetic outcome lines: proofs fail on haiku and pass on opus; lookups pass everywhere.
    static func outcomes() -> String {
        var lines: [String] = []
        for i in 0..<90 {
            let hard = i % 3 == 0
            let prompt = hard ? "prove the lemma by induction on n, case \(i % 5)" : "what is the capital of country \(i % 5)"
            lines.append(#"{"prompt": "\#(prompt)", "passed": {"haiku": \#(!hard), "sonnet": \#(!hard || i % 2 == 0), "opus": true}}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("calibrate writes a policy and sidecar that validate and explain use; the report compares routings")
    func endToEnd() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("outcomes.jsonl").path
        try Self.outcomes().write(toFile: input, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("tuned.yaml").path
        let result = try CLIHarness.run(["calibrate", "--policy", CLIHarness.path("policies/default.yaml"), "--outcomes", input,
                                         "--target-quality-ratio", "0.95", "--output", output, "--folds", "3",
                                         "--price-date", "2026-11-01"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tuned.scorer.json").path))
        #expect(result.stdout.contains("held-out report (18 lines"))
        for row in ["base policy", "calibrated", "all haiku", "all opus", "oracle"] { #expect(result.stdout.contains(row)) }
        #expect(result.stdout.contains("vs base policy"))
        let yaml = try String(contentsOfFile: output, encoding: .utf8)
        #expect(yaml.contains("scorer:"))
        #expect(yaml.contains("  model: tuned.scorer.json"))

        let validate = try CLIHarness.run(["validate", output])
        #expect(validate.status == 0, "\(validate.stderr)")
        let explain = try CLIHarness.run(["explain", "--policy", output, "--json", "prove the lemma by induction on n, case 2"])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("ngram:"))
        #expect(explain.stdout.contains("\"tier\" : \"opus\"") || explain.stdout.contains("\"tier\": \"opus\""))

        // Same input, same bytes.
        let again = directory.appendingPathComponent("again.yaml").path
        let second = try CLIHarness.run(["calibrate", "--policy", CLIHarness.path("policies/default.yaml"), "--outcomes", input,
                                         "--target-quality-ratio", "0.95", "--output", again, "--folds", "3",
                                         "--price-date", "2026-11-01"])
        #expect(second.status == 0)
        let first = try Data(contentsOf: directory.appendingPathComponent("tuned.scorer.json"))
        let repeated = try Data(contentsOf: directory.appendingPathComponent("again.scorer.json"))
        #expect(first == repeated)
    }

    @Test("bad outcome lines: FILE:LINE: error for each, exit 65")
    func badLines() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("bad.jsonl").path
        try (Self.outcomes() + "{\"prompt\": \"x\", \"passed\": {\"gpt\": true}}\n{oops\n").write(toFile: input, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["calibrate", "--outcomes", input, "--target-pass-rate", "0.5",
                                         "--output", directory.appendingPathComponent("o.yaml").path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(input):91: error: 'passed' names tier 'gpt'"))
        #expect(result.stderr.contains("\(input):92: error: invalid JSON"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.yaml").path))
    }

    @Test("an unreachable target exits 3 and says what is reachable")
    func unreachable() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("outcomes.jsonl").path
        // Every fifth prompt fails on every tier, so no routing passes more than 80%.
        let text = Self.outcomes().split(separator: "\n").enumerated().map { index, line in
            index % 5 == 0 ? line.replacingOccurrences(of: "\"opus\": true", with: "\"opus\": false")
                .replacingOccurrences(of: "\"haiku\": true", with: "\"haiku\": false")
                .replacingOccurrences(of: "\"sonnet\": true", with: "\"sonnet\": false") : String(line)
        }.joined(separator: "\n")
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["calibrate", "--outcomes", input, "--target-pass-rate", "0.99", "--holdout", "0",
                                         "--folds", "3", "--output", directory.appendingPathComponent("o.yaml").path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("no thresholds reach a pass rate of 99.0%"))
        #expect(result.stderr.contains("reachable: pass rate up to 80.0%"))
    }
}
