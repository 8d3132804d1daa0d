import ClaudeMockServer
import Foundation
import Testing

/// `batch results` in one process settles the budget hold `batch submit` took in another, and
/// `--response-cache` puts the response cache where it is told.
@Suite("CLI: batch holds and the response cache file")
struct BatchHoldCLITests {
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    /// A budget that holds one two-item batch's worst case (~$0.0016 at the batch price) but not two.
    static let policy = """
        name: batch-hold-cli
        baseline_tier: opus
        tiers:
          - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
          - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
        tasks:
          qa: { min_tier: haiku }
          digest: { tier: haiku, max_tokens: 256, deferrable: true }
          faq: { tier: haiku, max_tokens: 256, response_cache: { ttl: 10m } }
        classifier: { fallback_task: qa }
        budgets:
          - { name: cap, scope: global, period: day, hard_usd: "0.0025", on_hard_limit: reject }

        """

    @Test("a second submit is refused while the first batch is held; results in another process settle it")
    func resultsSettleTheSubmitHold() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try Self.policy.write(toFile: policy, atomically: true, encoding: .utf8)
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        func workload(_ name: String) throws -> String {
            let path = directory.appendingPathComponent("\(name).jsonl").path
            try """
                {"custom_id": "\(name)-1", "prompt": "Digest report one.", "task": "digest"}
                {"custom_id": "\(name)-2", "prompt": "Digest report two.", "task": "digest"}

                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        try await MockAnthropicServer.withLoopbackServer { server in
            func submit(_ name: String) async throws -> CLIResult {
                try await CLIHarness.runAsync(["batch", "submit", "--policy", policy, "--input", try workload(name),
                                               "--ledger", ledger, "--base-url", server.baseURL], environment: key)
            }
            let first = try await submit("a")
            #expect(first.status == 0, "\(first.stderr)")
            let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let state = try String(contentsOfFile: ledger + ".batches.json", encoding: .utf8)
            #expect(state.contains("\"holds\"") && state.contains("\"ruleNames\""))

            // The first batch's hold is still counted by a new process: no room for a second.
            let refused = try await submit("b")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("cap"), "\(refused.stderr)")
            #expect(server.stats.requests(to: .createBatch) == 1)

            let results = try await CLIHarness.runAsync(
                ["batch", "results", id, "--ledger", ledger, "--base-url", server.baseURL,
                 "--output", directory.appendingPathComponent("out.jsonl").path], environment: key)
            #expect(results.status == 0, "\(results.stderr)")
            #expect(results.stderr.contains("2 succeeded"))

            // Settled to the (much smaller) recorded cost: the same batch fits again.
            let admitted = try await submit("c")
            #expect(admitted.status == 0, "\(admitted.stderr)")
            #expect(server.stats.requests(to: .createBatch) == 2)
        }
    }

    @Test("--response-cache keeps answers in the given file, also without a ledger")
    func responseCacheFile() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try Self.policy.replacingOccurrences(of: "budgets:\n  - { name: cap, scope: global, period: day, hard_usd: \"0.0025\", on_hard_limit: reject }\n", with: "")
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let cache = directory.appendingPathComponent("answers.sqlite").path
        try await MockAnthropicServer.withLoopbackServer { server in
            for _ in 0..<2 {
                let sent = try await CLIHarness.runAsync(
                    ["send", "--policy", policy, "--task", "faq", "--metadata", "user=ann", "--response-cache", cache,
                     "--base-url", server.baseURL, "When do you open?"], environment: key)
                #expect(sent.status == 0, "\(sent.stderr)")
                #expect(sent.stdout.contains("mock reply"))
            }
            #expect(server.stats.requestsByEndpoint[.messages] == 1)
        }
        #expect(FileManager.default.fileExists(atPath: cache))
    }
}
