import ClaudeMockServer
import Foundation
import Testing

/// Caching through the real binary: `send` answers a repeated question from the response cache
/// beside the ledger, `report` shows it in every format, `explain` prints the caching lines.
@Suite("CLI: caching")
struct CachingCLITests {
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    static let policy = """
        name: caching-cli
        tiers:
          - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
          - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
        tasks:
          faq: { tier: haiku, max_tokens: 256, response_cache: { ttl: 10m } }
          support: { tier: opus, max_tokens: 256, caching: { ttl: 5m } }
        classifier: { fallback_task: faq }

        """

    @Test("a repeated send is answered from LEDGER.responses.sqlite; report counts the hit and the avoided cost")
    func responseCacheThroughSend() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try Self.policy.write(toFile: policy, atomically: true, encoding: .utf8)
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        try await MockAnthropicServer.withLoopbackServer { server in
            for _ in 0..<2 {
                let sent = try await CLIHarness.runAsync(
                    ["send", "--policy", policy, "--task", "faq", "--metadata", "user=ann", "--ledger", ledger,
                     "--base-url", server.baseURL, "When do you open?"], environment: key)
                #expect(sent.status == 0, "\(sent.stderr)")
                #expect(sent.stdout.contains("mock reply"))
            }
            #expect(server.stats.requestsByEndpoint[.messages] == 1)
        }
        #expect(FileManager.default.fileExists(atPath: ledger + ".responses.sqlite"))
        let json = try CLIHarness.run(["report", "--ledger", ledger, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["calls"] as? Int == 2)
        #expect(total["response_cache_hits"] as? Int == 1)
        #expect((total["avoided_cost_usd"] as? String).map { $0 != "0" } == true)
        #expect(total["cache_saving_usd"] as? String == "0")
        let csv = try CLIHarness.run(["report", "--ledger", ledger, "--format", "csv"])
        #expect(csv.stdout.split(separator: "\r\n").first?.hasSuffix("cache_hit_rate,cache_saving_usd,response_cache_hits,avoided_cost_usd") == true)
        let table = try CLIHarness.run(["report", "--ledger", ledger])
        #expect(table.stdout.contains("1 call(s) were answered from the response cache"))
        let markdown = try CLIHarness.run(["report", "--ledger", ledger, "--format", "markdown"])
        #expect(markdown.stdout.contains("resp. cache hits"))
    }

    @Test("explain prints the model's minimum cacheable prefix and when the 1-hour TTL pays off")
    func explainCaching() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml").path
        try Self.policy.write(toFile: policy, atomically: true, encoding: .utf8)
        let support = try CLIHarness.run(["explain", "--policy", policy, "--task", "support", "Where is my parcel?"])
        #expect(support.status == 0, "\(support.stderr)")
        #expect(support.stdout.contains("caching:    ttl 5m, prefixes tools, system, documents, conversation; claude-opus-4-8 caches prefixes of ≥ 1024 tokens"))
        #expect(support.stdout.contains("(below the minimum: nothing is cached)"))
        #expect(support.stdout.contains("ttl:        1h TTL pays off when at least one reuse an hour comes more than 5 min after the previous use: k > (w1 − w5)/(w5 − r) = 0.65 (writes $6.25/M (5m) vs $10/M (1h), reads $0.5/M)"))
        let faq = try CLIHarness.run(["explain", "--policy", policy, "--task", "faq", "When do you open?"])
        #expect(faq.stdout.contains("response:   replies cached for 600s, partitioned by metadata 'user'"))
        #expect(!faq.stdout.contains("caching:"))
    }
}
