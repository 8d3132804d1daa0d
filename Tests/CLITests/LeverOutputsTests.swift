import ClaudeMockServer
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The cost levers in the machine-readable and page outputs, through the real binary:
/// `explain --json`/`--jsonl`/`--request` carry what the text `explain` says, and `report`
/// carries the levers block in json, csv, markdown and html.
@Suite("CLI: cost levers in explain and report outputs")
struct LeverOutputsTests {
    let key = ["ANTHROPIC_API_KEY": "test-key-not-real"]

    static let policy = """
        name: levers-cli
        tiers:
          - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
          - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
        thresholds: { haiku: 0.0, opus: 0.99 }
        tasks:
          plain: { tier: haiku, max_tokens: 256 }
          docs: { tier: opus, max_tokens: 256, caching: { ttl: 5m } }
          chat: { min_tier: haiku, max_tier: opus, max_tokens: 512, expected_output_tokens: 10, caching: { ttl: 1h } }
          faq: { tier: haiku, max_tokens: 256, response_cache: { ttl: 10m } }
          nightly: { tier: opus, max_tokens: 256, deferrable: true, preflight: { use: count_tokens, when: always } }
          long: { tier: haiku, max_tokens: 256, history: { max_messages: 2 } }
        classifier: { fallback_task: plain }

        """

    /// ~2,200 estimated tokens of prose: above claude-opus-4-8's 1,024-token minimum.
    static let document = String(repeating: "The warehouse ledger lists every parcel by its route and day. ", count: 140)

    func writePolicy(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("policy.yaml").path
        try Self.policy.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func explainJSON(_ policy: String, _ arguments: [String]) throws -> [String: Any] {
        let result = try CLIHarness.run(["explain", "--policy", policy, "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try object(result.stdout)
    }

    @Test("explain --json carries each lever the text shows; a policy without levers adds no key")
    func explainJSON() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = try writePolicy(in: directory)

        let docs = try explainJSON(policy, ["--task", "docs", Self.document])
        let levers = try #require(docs["levers"] as? [String: Any])
        #expect(Set(levers.keys) == ["caching", "cache_aware_routing"])
        let caching = try #require(levers["caching"] as? [String: Any])
        #expect(caching["ttl"] as? String == "5m" && caching["minimum_cacheable_tokens"] as? Int == 1024)
        #expect(caching["minimum_from_price_book"] as? Bool == true && caching["long_enough"] as? Bool == true)
        #expect(caching["prefixes"] as? [String] == ["tools", "system", "documents", "conversation"])
        let breakpoints = try #require(caching["breakpoints"] as? [[String: Any]])
        #expect(breakpoints.count == 1)
        #expect(breakpoints.first?["prefix"] as? String == "documents")
        #expect(breakpoints.first?["location"] as? String == "messages[0].content[0]")
        #expect(breakpoints.first?["prefix_tokens"] as? Int == docs["estimated_input_tokens"] as? Int)
        let breakEven = try #require(caching["ttl_break_even"] as? [String: Any])
        #expect(breakEven["write_5m_usd_per_mtok"] as? String == "6.25" && breakEven["write_1h_usd_per_mtok"] as? String == "10")
        #expect(breakEven["read_usd_per_mtok"] as? String == "0.5" && breakEven["minimum_late_reuses_per_hour"] as? Int == 1)
        let aware = try #require(levers["cache_aware_routing"] as? [String: Any])
        #expect(aware["session_key"] as? String == "session" && aware["verdict"] as? String == "not_applicable")
        let text = try CLIHarness.run(["explain", "--policy", policy, "--task", "docs", Self.document]).stdout
        #expect(text.contains("caching:    ttl 5m") && text.contains("(long enough to cache)"))
        #expect(text.contains("ttl:        " + (breakEven["explanation"] as? String ?? "missing")))

        // A short prompt: below the minimum, so no breakpoint, and the skip says why.
        let short = try #require(try explainJSON(policy, ["--task", "docs", "Where is my parcel?"])["levers"] as? [String: Any])
        let shortCaching = try #require(short["caching"] as? [String: Any])
        #expect((shortCaching["breakpoints"] as? [Any])?.isEmpty == true && shortCaching["long_enough"] as? Bool == false)

        let anonymous = try #require(try explainJSON(policy, ["--task", "faq", "When do you open?"])["levers"] as? [String: Any])
        let closed = try #require(anonymous["response_cache"] as? [String: Any])
        #expect(closed["eligible"] as? Bool == false && closed["partition_by"] as? String == "user" && closed["ttl_seconds"] as? Int == 600)
        let ann = try explainJSON(policy, ["--task", "faq", "--metadata", "user=ann", "When do you open?"])
        let open = try #require((ann["levers"] as? [String: Any])?["response_cache"] as? [String: Any])
        #expect(open["eligible"] as? Bool == true)

        let nightly = try #require(try explainJSON(policy, ["--task", "nightly", "Summarise the day."])["levers"] as? [String: Any])
        #expect(Set(nightly.keys) == ["deferrable", "preflight"])
        let deferrable = try #require(nightly["deferrable"] as? [String: Any])
        #expect(deferrable["batch_discount"] as? String == "0.5" && deferrable["input_usd_per_mtok"] as? String == "5")
        for (batch, standard) in [("batch_input_usd_per_mtok", "input_usd_per_mtok"), ("batch_output_usd_per_mtok", "output_usd_per_mtok")] {
            let half = try #require(Decimal(string: deferrable[batch] as? String ?? "")), whole = try #require(Decimal(string: deferrable[standard] as? String ?? ""))
            #expect(half * 2 == whole && whole > 0)
        }
        let preflight = try #require(nightly["preflight"] as? [String: Any])
        #expect(preflight["would_run"] as? Bool == true && preflight["when"] as? String == "always")
        #expect(preflight["reason"] as? String == "when: always" && (preflight["byte_bound_tokens"] as? Int ?? 0) > 0)
        let nightlyText = try CLIHarness.run(["explain", "--policy", policy, "--task", "nightly", "Summarise the day."]).stdout
        #expect(nightlyText.contains("preflight:  would run count_tokens — when: always") && nightlyText.contains("deferrable: yes"))

        // No lever for the task, or none in the policy: no key at all.
        #expect(try explainJSON(policy, ["--task", "plain", "Hello"])["levers"] == nil)
        #expect(try explainJSON(CLIHarness.path("policies/default.yaml"), [Self.document])["levers"] == nil)
    }

    @Test("explain --jsonl writes the same levers (and decision) as --json, line for line")
    func explainLines() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = try writePolicy(in: directory)
        let cases: [(task: String, user: String?, prompt: String)] = [
            ("docs", nil, Self.document), ("faq", "ann", "When do you open?"), ("faq", nil, "When do you open?"),
            ("nightly", nil, "Summarise the day."), ("plain", nil, "Hello"), ("chat", nil, Self.document),
        ]
        var lines: [String] = []
        for (index, item) in cases.enumerated() {
            var request: [String: Any] = ["id": index, "prompt": item.prompt, "task": item.task]
            if let user = item.user { request["metadata"] = ["user": user] }
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self))
        }
        let file = directory.appendingPathComponent("requests.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let bulk = try CLIHarness.run(["explain", "--policy", policy, "--jsonl", file])
        #expect(bulk.status == 0, "\(bulk.stderr)")
        let outputs = bulk.stdout.split(separator: "\n").map(String.init)
        #expect(outputs.count == cases.count)
        for (index, item) in cases.enumerated() where index < outputs.count {
            var line = try object(outputs[index])
            #expect(line.removeValue(forKey: "line") as? Int == index + 1)
            #expect(line.removeValue(forKey: "id") as? String == "\(index)")
            let single = try explainJSON(policy, ["--task", item.task] + (item.user.map { ["--metadata", "user=\($0)"] } ?? [])
                                         + [item.prompt])
            #expect(NSDictionary(dictionary: line).isEqual(to: single), "line \(index + 1) (\(item.task))")
            #expect((line["levers"] == nil) == (item.task == "plain"))
        }
    }

    @Test("explain --request shows trimming in JSON; --previous-tier shows cache-aware routing keep or switch, with its costs")
    func requestAndStickiness() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = try writePolicy(in: directory)
        let turns = (0..<5).map { index in
            ["role": index % 2 == 0 ? "user" : "assistant", "content": "Turn \(index): " + String(repeating: "words ", count: 200)]
        }
        let request = directory.appendingPathComponent("request.json").path
        try JSONSerialization.data(withJSONObject: ["messages": turns]).write(to: URL(fileURLWithPath: request))
        let json = try explainJSON(policy, ["--task", "long", "--request", request])
        let history = try #require((json["levers"] as? [String: Any])?["history"] as? [String: Any])
        let removed = try #require(history["messages_removed"] as? Int), remaining = try #require(history["messages_kept"] as? Int)
        #expect(history["trimmed"] as? Bool == true && removed > 0 && removed + remaining == 5 && history["max_messages"] as? Int == 2)
        let tokens = try #require(history["tokens_removed"] as? Int)
        #expect(tokens == (history["original_tokens"] as? Int ?? 0) - (history["kept_tokens"] as? Int ?? 0) && tokens > 0)
        let text = try CLIHarness.run(["explain", "--policy", policy, "--task", "long", "--request", request]).stdout
        #expect(text.contains("history:    trimmed \(removed) of 5 messages, ~\(tokens) tokens removed"))

        // A warm 1,000-token prefix on opus outweighs haiku's cheaper tokens: the conversation stays.
        let prompt = String(repeating: "Carry on with the parcel report. ", count: 140) // ~1,150 tokens
        let base = ["--task", "chat", "--metadata", "session=s1", "--previous-tier", "opus"]
        let kept = try explainJSON(policy, base + ["--cached-prefix-tokens", "1000", prompt])
        let keptAware = try #require((kept["levers"] as? [String: Any])?["cache_aware_routing"] as? [String: Any])
        #expect(kept["tier"] as? String == "opus" && keptAware["verdict"] as? String == "kept")
        #expect(keptAware["policy_tier"] as? String == "haiku" && keptAware["session_present"] as? Bool == true)
        let stay = try #require(Decimal(string: keptAware["stay_cost_usd"] as? String ?? ""))
        let move = try #require(Decimal(string: keptAware["switch_cost_usd"] as? String ?? ""))
        #expect(stay < move)
        #expect((kept["reason"] as? String)?.contains("kept the conversation on opus") == true)
        // A 100-token prefix does not: the turn moves to haiku, re-writing 100 tokens at $2/M (1-hour write).
        let moved = try explainJSON(policy, base + ["--cached-prefix-tokens", "100", prompt])
        let movedAware = try #require((moved["levers"] as? [String: Any])?["cache_aware_routing"] as? [String: Any])
        #expect(moved["tier"] as? String == "haiku" && movedAware["verdict"] as? String == "switched")
        #expect(movedAware["rewrite_cost_usd"] as? String == "0.0002")
        let bad = try CLIHarness.run(["explain", "--policy", policy, "--previous-tier", "sonnet", "--task", "chat", "x"])
        #expect(bad.status != 0 && bad.stderr.contains("--previous-tier 'sonnet' is not a tier"))
    }

    /// A ledger with prompt caching (a write, then a read), a response-cache hit and a pre-flight count.
    func leverLedger(in directory: URL, policy: String) async throws -> String {
        let ledger = directory.appendingPathComponent("ledger.sqlite").path
        try await MockAnthropicServer.withLoopbackServer { server in
            // The mock's directives script the cache usage (a write, then a read of the same prefix).
            let sends: [[String]] = [["--task", "docs", Self.document + " [[mock: cache-write-5m=2000]]"],
                                     ["--task", "docs", Self.document + " [[mock: cache-read=2000]]"],
                                     ["--task", "faq", "--metadata", "user=ann", "When do you open?"],
                                     ["--task", "faq", "--metadata", "user=ann", "When do you open?"],
                                     ["--task", "nightly", "Summarise the day."]]
            for arguments in sends {
                let sent = try await CLIHarness.runAsync(
                    ["send", "--policy", policy, "--ledger", ledger, "--base-url", server.baseURL] + arguments, environment: key)
                #expect(sent.status == 0, "\(sent.stderr)")
            }
        }
        return ledger
    }

    @Test("report json, csv, markdown and html carry the levers; cache reads without a recorded saving are unknown, not $0")
    func reportFormats() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = try writePolicy(in: directory)
        let ledger = try await leverLedger(in: directory, policy: policy)

        let json = try object(try CLIHarness.run(["report", "--ledger", ledger, "--format", "json"]).stdout)
        let levers = try #require(json["levers"] as? [String: Any])
        let total = try #require(json["total"] as? [String: Any])
        let caching = try #require(levers["prompt_caching"] as? [String: Any])
        #expect((caching["cache_read_tokens"] as? Int ?? 0) > 0 && (caching["cache_write_5m_tokens"] as? Int ?? 0) > 0)
        #expect(caching["saving_state"] as? String == "recorded" && caching["saving_usd"] as? String == total["cache_saving_usd"] as? String)
        #expect(caching["cached_attempts"] as? Int == 2 && caching["saving_recorded_attempts"] as? Int == 2)
        #expect((levers["response_cache"] as? [String: Any])?["hits"] as? Int == 1)
        #expect((levers["preflight"] as? [String: Any])?["counted_attempts"] as? Int == 1)
        #expect((levers["batch"] as? [String: Any])?["records"] as? Int == 0)

        let csv = try CLIHarness.run(["report", "--ledger", ledger, "--format", "csv"]).stdout
        let rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
        let header = try #require(rows.first)
        #expect(header.suffix(4) == ["cache_hit_rate", "cache_saving_usd", "response_cache_hits", "avoided_cost_usd"])
        let totalRow = try #require(rows.last)
        func cell(_ name: String, _ row: [String]) -> String? { header.firstIndex(of: name).map { row[$0] } }
        #expect(cell("preflight_counted", totalRow) == "1" && cell("cache_saving_recorded_attempts", totalRow) == "2")
        #expect(cell("cache_read_tokens", totalRow) == "\(caching["cache_read_tokens"] as? Int ?? -1)")
        #expect(rows.dropFirst().dropLast().allSatisfy { cell("preflight_counted", $0) == "" }) // levers are ledger-wide

        let markdown = try CLIHarness.run(["report", "--ledger", ledger, "--format", "markdown"]).stdout
        #expect(markdown.contains("## Cost levers") && markdown.contains("| Pre-flight | 1 attempts counted exactly"))
        #expect(markdown.contains("| Response cache | 1 calls answered without a request |"))
        let html = try CLIHarness.run(["report", "--ledger", ledger, "--format", "html"]).stdout
        #expect(html.contains("<h2>Cost levers</h2>") && html.contains("<td>History trimming</td>"))
        let parser = XMLParser(data: Data(html.utf8))
        #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
        let table = try CLIHarness.run(["report", "--ledger", ledger]).stdout
        #expect(table.contains("Prompt caching saved $") && table.contains("preflight: 1 attempts counted exactly"))

        // Older records: cache reads and writes, but no recorded saving. Unknown, never "$0".
        let sqlite = try #require(["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                  "needs the sqlite3 shell (apt package sqlite3)")
        func strip(_ condition: String) throws {
            let sql = "UPDATE ledger SET metadata = json_remove(metadata, '$._router_cache_saving') WHERE \(condition);"
            let done = try CLIHarness.run([ledger, sql], executable: URL(fileURLWithPath: sqlite))
            #expect(done.status == 0, "\(done.stderr)")
        }
        try strip("rowid = (SELECT MIN(rowid) FROM ledger WHERE cache_read_tokens + cache_write_5m_tokens > 0)")
        let partly = try CLIHarness.run(["report", "--ledger", ledger]).stdout
        #expect(partly.contains("on the 1 attempt(s) that recorded it") && partly.contains("1 older attempt(s)"))
        try strip("1")
        let old = try CLIHarness.run(["report", "--ledger", ledger]).stdout
        #expect(old.contains("Prompt caching's saving is not recorded: 2 attempt(s) with cache reads or writes"))
        #expect(!old.contains("Prompt caching saved"))
        let oldJSON = try object(try CLIHarness.run(["report", "--ledger", ledger, "--format", "json"]).stdout)
        let oldCaching = try #require((oldJSON["levers"] as? [String: Any])?["prompt_caching"] as? [String: Any])
        #expect(oldCaching["saving_state"] as? String == "not_recorded" && oldCaching["saving_usd"] is NSNull)
        let oldMarkdown = try CLIHarness.run(["report", "--ledger", ledger, "--format", "markdown"]).stdout
        #expect(oldMarkdown.contains("| Prompt caching |") && oldMarkdown.contains("| not recorded |"))
    }
}
