import ClaudeMockServer
import Foundation
import Testing

/// `claude-router batch submit|status|results` through the real binary against the mock's
/// Message Batches, and `explain`'s lever lines.
@Suite("CLI: batch")
struct BatchCommandTests {
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    static let policy = """
        name: batch-cli
        baseline_tier: opus
        tiers:
          - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
          - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
        tasks:
          qa: { min_tier: haiku }
          digest: { tier: haiku, max_tokens: 256, deferrable: true }
        classifier: { fallback_task: qa }
        history: { max_messages: 2 }
        preflight: { when: near_limit, margin: 0.5 }

        """

    func files() throws -> (URL, String) {
        let directory = try CLIHarness.temporaryDirectory()
        let policy = directory.appendingPathComponent("policy.yaml").path
        try Self.policy.write(toFile: policy, atomically: true, encoding: .utf8)
        return (directory, policy)
    }

    @Test("bad JSONL lines are reported as FILE:LINE and nothing is submitted")
    func badInput() async throws {
        let (directory, policy) = try files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let work = directory.appendingPathComponent("work.jsonl").path
        try """
            {"custom_id": "a-1", "prompt": "Digest this.", "task": "digest"}
            {"custom_id": "a-2", "prompt": "x", "task": "qa"}
            not json
            {"prompt": "no id", "task": "digest"}
            {"custom_id": "a-1", "prompt": "again", "task": "digest"}
            {"custom_id": "a-3", "task": "digest"}

            """.write(toFile: work, atomically: true, encoding: .utf8)
        try await MockAnthropicServer.withLoopbackServer { server in
            let result = try await CLIHarness.runAsync(
                ["batch", "submit", "--policy", policy, "--input", work, "--base-url", server.baseURL], environment: key)
            #expect(result.status == 65, "\(result.stderr)")
            #expect(result.stderr.contains("\(work):2: error: task 'qa' is not deferrable: true in the policy"))
            #expect(result.stderr.contains("\(work):3: error: not a JSON object"))
            #expect(result.stderr.contains("\(work):4: error: missing \"custom_id\""))
            #expect(result.stderr.contains("\(work):5: error: custom_id 'a-1' repeats line 1"))
            #expect(result.stderr.contains("\(work):6: error: give exactly one of \"prompt\" or \"params\""))
            #expect(server.stats.totalRequests == 0)
        }
    }

    @Test("submit prints the batch ids; status and results read them back; results go to the ledger at the batch price")
    func submitStatusResults() async throws {
        let (directory, policy) = try files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let work = directory.appendingPathComponent("work.jsonl").path
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        let output = directory.appendingPathComponent("out.jsonl").path
        try """
            {"custom_id": "a-1", "prompt": "Digest report one.", "task": "digest", "metadata": {"user": "ann"}}
            {"custom_id": "a-2", "prompt": "Digest report two [[mock: status=500]]", "task": "digest"}
            {"custom_id": "a-3", "params": {"messages": [{"role": "user", "content": "Digest three."}]}, "task": "digest"}

            """.write(toFile: work, atomically: true, encoding: .utf8)
        try await MockAnthropicServer.withLoopbackServer { server in
            let submitted = try await CLIHarness.runAsync(
                ["batch", "submit", "--policy", policy, "--input", work, "--ledger", ledger, "--max-requests", "2",
                 "--base-url", server.baseURL], environment: key)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let ids = submitted.stdout.split(separator: "\n").map(String.init)
            #expect(ids.count == 2 && ids.allSatisfy { $0.hasPrefix("msgbatch_") })
            let status = try await CLIHarness.runAsync(
                ["batch", "status", "--ledger", ledger, "--base-url", server.baseURL], environment: key)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("\(ids[0])  ended"))
            let results = try await CLIHarness.runAsync(
                ["batch", "results", ids[0], "--ledger", ledger, "--output", output, "--base-url", server.baseURL],
                environment: key)
            #expect(results.status == 0, "\(results.stderr)")
            #expect(results.stderr.contains("1 succeeded, 1 not (a-2)"))
            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].contains(#""custom_id":"a-1""#) && lines[0].contains(#""outcome":"succeeded""#))
            #expect(lines[1].contains(#""outcome":"errored""#))
            let again = try await CLIHarness.runAsync(
                ["batch", "results", ids[0], "--ledger", ledger, "--output", output, "--base-url", server.baseURL],
                environment: key)
            #expect(again.stderr.contains("0 records written"))
        }
        let report = try CLIHarness.run(["report", "--ledger", ledger])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("digest"))
        #expect(report.stdout.contains("batch:     2 results at the batch price"))
    }

    @Test("status and results ask the server the batch was submitted to, unless --base-url names another")
    func rememberedBaseURL() async throws {
        let (directory, policy) = try files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let work = directory.appendingPathComponent("work.jsonl").path
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        let output = directory.appendingPathComponent("out.jsonl").path
        try #"{"custom_id": "b-1", "prompt": "Digest this.", "task": "digest"}"#
            .appending("\n").write(toFile: work, atomically: true, encoding: .utf8)
        // Nothing listens on port 9 of loopback: a command that went there would fail to connect.
        var elsewhere = key
        elsewhere["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9"
        try await MockAnthropicServer.withLoopbackServer { server in
            let submitted = try await CLIHarness.runAsync(
                ["batch", "submit", "--policy", policy, "--input", work, "--ledger", ledger, "--base-url", server.baseURL],
                environment: key)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let state = try String(contentsOfFile: ledger + ".batches.json", encoding: .utf8)
            #expect(state.contains(server.baseURL.replacingOccurrences(of: "/", with: "\\/")) || state.contains(server.baseURL))

            let status = try await CLIHarness.runAsync(["batch", "status", "--ledger", ledger], environment: elsewhere)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("\(id)  ended"))
            let results = try await CLIHarness.runAsync(
                ["batch", "results", id, "--ledger", ledger, "--output", output], environment: elsewhere)
            #expect(results.status == 0, "\(results.stderr)")
            #expect(results.stderr.contains("1 succeeded"))

            let redirected = try await CLIHarness.runAsync(
                ["batch", "status", "--ledger", ledger, "--base-url", "http://127.0.0.1:9"], environment: key)
            #expect(redirected.status == 69, "\(redirected.stderr)")
            #expect(server.stats.requestsByEndpoint.values.reduce(0, +) == server.stats.totalRequests)
        }
    }

    @Test("explain shows what history trimming and pre-flight would do")
    func explainLevers() throws {
        let (directory, policy) = try files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let request = directory.appendingPathComponent("request.json").path
        try #"{"messages": [{"role": "user", "content": "one"}, {"role": "assistant", "content": "two"}, "#
            .appending(#"{"role": "user", "content": "three"}, {"role": "assistant", "content": "four"}, "#)
            .appending(#"{"role": "user", "content": "five"}]}"#)
            .write(toFile: request, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["explain", "--policy", policy, "--task", "digest", "--request", request])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("history:    trimmed 4 of 5 messages"))
        #expect(result.stdout.contains("preflight:  would not run count_tokens — when: near_limit"))
        #expect(result.stdout.contains("deferrable: yes"))
        let prompt = try CLIHarness.run(["explain", "--policy", policy, "--task", "qa", "Who are you?"])
        #expect(prompt.stdout.contains("history:    within the caps (max_messages 2): 0 tokens removed"))
    }
}
