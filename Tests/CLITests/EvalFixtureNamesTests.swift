import Foundation
import Testing

@Suite("CLI: misspelt names (fixture tasks and tiers, subcommands)")
struct EvalFixtureNamesTests {
    @Test("a misspelt task and expected_tier are errors at their FILE:LINE:COLUMN with a suggestion, exit 65, before any call")
    func misspeltNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("t.yaml").path
        try """
        cases:
          - id: one
            prompt: "Review this diff: - a + b"
            task: code-reveiw
            checks:
              - expected_tier: sonet
          - id: two
            prompt: "hi"
            task: qa
            checks:
              - expected_tier: haiku

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["eval", "--fixtures", file, "--dry-run"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(file):4:11: error: case 'one': no policy defines task 'code-reveiw'; did you mean 'code-review'?"))
        #expect(result.stderr.contains("\(file):6:9: error: case 'one': expected_tier 'sonet' is not a tier of any policy; did you mean 'sonnet'?"))
        // Each quotes its source line with a caret under the value, as YAML errors do.
        #expect(result.stderr.contains("\n    task: code-reveiw\n          ^\n"))
        #expect(result.stderr.contains("\n      - expected_tier: sonet\n        ^\n"))
        #expect(!result.stderr.contains("case 'two'"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a misspelt subcommand is a usage error (exit 2) that suggests the subcommand; an unrelated word suggests nothing")
    func misspeltSubcommand() throws {
        let typo = try CLIHarness.run(["expalin", "hello"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("Did you mean 'explain'?"))
        let other = try CLIHarness.run(["bogus"])
        #expect(other.status == 2)
        #expect(!other.stderr.contains("Did you mean"))
    }
}
