import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// History trimming and exact pre-flight end to end: a router over loopback against the mock,
/// which records the request body it received, with a real SQLite ledger.
@Suite("Router cost levers: history trimming and pre-flight", .serialized)
struct RouterLeversTests {
    static func conversation(turns: Int, last: String = "And now the final question?") -> MessageRequest {
        var messages: [MessageParam] = []
        for index in 0..<turns {
            messages.append(index % 2 == 0 ? .user("Question \(index): tell me about item \(index).")
                                           : .assistant("Answer \(index): item \(index) is fine."))
        }
        messages.append(.user(last))
        return MessageRequest(model: "auto", maxTokens: 0, messages: messages)
    }

    /// The messages of the most recent request body the mock received.
    static func lastMessages(_ server: MockAnthropicServer) throws -> [[String: Any]] {
        let body = try #require(server.stats.lastRequestBody)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        return try #require(object["messages"] as? [[String: Any]])
    }

    @Test("max_messages trims what goes on the wire; the ledger records the tokens removed")
    func trimmedOnTheWire() async throws {
        let harness = try await RouterHarness.start(policyYAML: RouterHarness.policyYAML + "history: { max_messages: 3 }\n")
        defer { Task { await harness.stop() } }
        let request = Self.conversation(turns: 8)
        let reply = try await harness.router.send(request, options: CallOptions(task: "qa"))
        let sent = try Self.lastMessages(harness.server)
        #expect(sent.count == 3)
        #expect(sent.first?["role"] as? String == "user")
        let expected = HistoryTrimmer.trim(request, settings: HistorySettings(maxMessages: 3))
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 1)
        #expect(records.first?.trimmedInputTokens == expected.removedTokens)
        #expect((records.first?.trimmedInputTokens ?? 0) > 0)
        // The reply's input tokens are what the mock counted of the trimmed conversation.
        #expect(reply.message.usage.inputTokens < Self.conversationCharacters(request) / 4)
    }

    static func conversationCharacters(_ request: MessageRequest) -> Int {
        request.messages.flatMap(\.content).reduce(0) { total, block in
            if case .text(let text) = block { return total + text.text.count }
            return total
        }
    }

    @Test("summarize: the cheapest tier writes the summary, recorded as its own call; the summary is sent")
    func summarized() async throws {
        let harness = try await RouterHarness.start(
            policyYAML: RouterHarness.policyYAML + "history: { max_messages: 3, summarize: true }\n")
        defer { Task { await harness.stop() } }
        _ = try await harness.router.send(Self.conversation(turns: 8), options: CallOptions(task: "reasoning"))
        #expect(harness.server.stats.requests(to: .messages) == 2)
        let sent = try Self.lastMessages(harness.server)
        #expect(sent.count == 3)
        let firstContent = try #require(sent.first?["content"] as? [[String: Any]])
        #expect((firstContent.first?["text"] as? String)?.hasPrefix("[Summary of earlier turns") == true)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        let summary = try #require(records.first { $0.task == Policy.historySummaryTask })
        #expect(summary.tier == "haiku")
        #expect(summary.cost != nil)
        let main = try #require(records.first { $0.task == "reasoning" })
        #expect(main.tier == "opus")
        #expect(main.trimmedInputTokens != nil)
        let levers = try LeverSummary.of(records, prices: .bundledDefault)
        #expect(levers.summaryCalls == 1 && levers.trimmedAttempts == 1)
        #expect(levers.summaryCost == summary.cost?.total)
    }

    static let budgetYAML = RouterHarness.policyYAML + """
        budgets:
          - { name: cap, scope: global, period: day, hard_usd: "0.05", on_hard_limit: reject }

        """

    @Test("pre-flight counts the input exactly, so a budget that refuses the byte bound admits the call")
    func preflightTightensTheReservation() async throws {
        // 40,000 characters: ~10,000 tokens (the mock counts characters ÷ 4), ~40,000 bytes.
        // Haiku's worst case on the byte bound is ~$0.09 (> $0.05); on the exact count ~$0.025.
        let prompt = String(repeating: "x", count: 40_000)
        let without = try await RouterHarness.start(policyYAML: Self.budgetYAML)
        defer { Task { await without.stop() } }
        await #expect(throws: RouterError.self) {
            _ = try await without.router.send(RouterHarness.auto(prompt), options: CallOptions(task: "extraction"))
        }
        #expect(without.server.stats.totalRequests == 0)

        let with = try await RouterHarness.start(policyYAML: Self.budgetYAML + "preflight: count_tokens\n")
        defer { Task { await with.stop() } }
        let reply = try await with.router.send(RouterHarness.auto(prompt), options: CallOptions(task: "extraction"))
        #expect(reply.decision.estimatedInputTokens == 10_000)
        #expect(with.server.stats.requests(to: .countTokens) == 1)
        #expect(with.server.stats.requests(to: .messages) == 1)
        let record = try #require(try await with.ledger.records(LedgerQuery()).first)
        #expect(record.preflightInputTokens == 10_000)
        #expect(record.flags == nil)
    }

    @Test("a failed count falls back to the estimate, says so in the ledger, and the call still goes")
    func preflightFallback() async throws {
        let harness = try await RouterHarness.start(policyYAML: RouterHarness.policyYAML + "preflight: count_tokens\n")
        defer { Task { await harness.stop() } }
        harness.server.enqueue(.status(400))
        let reply = try await harness.router.send(RouterHarness.auto("Extract the id: A-1"),
                                                  options: CallOptions(task: "extraction"))
        #expect(reply.message.text.contains("mock reply"))
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.preflightInputTokens == nil)
        #expect(record.flags?.contains { $0.hasPrefix("preflight_fallback: count_tokens failed") } == true)
        #expect(try LeverSummary.of([record], prices: .bundledDefault).preflightFallbacks == 1)
    }

    @Test("near_limit does not count a small prompt")
    func nearLimitSkipsSmallPrompts() async throws {
        let harness = try await RouterHarness.start(
            policyYAML: RouterHarness.policyYAML + "preflight: { when: near_limit, margin: 0.1 }\n")
        defer { Task { await harness.stop() } }
        _ = try await harness.router.send(RouterHarness.auto("Extract the id: A-1"), options: CallOptions(task: "extraction"))
        #expect(harness.server.stats.requests(to: .countTokens) == 0)
    }

    @Test("the lever fields survive the SQLite ledger round trip and feed its SQL summary")
    func ledgerRoundTrip() async throws {
        let harness = try await RouterHarness.start(
            policyYAML: RouterHarness.policyYAML + "history: { max_messages: 3 }\npreflight: count_tokens\n")
        defer { Task { await harness.stop() } }
        _ = try await harness.router.send(Self.conversation(turns: 6), options: CallOptions(task: "qa"))
        let records = try await harness.ledger.records(LedgerQuery())
        let record = try #require(records.first)
        #expect(record.trimmedInputTokens != nil && record.preflightInputTokens != nil)
        #expect(record.metadata.keys.allSatisfy { !$0.hasPrefix("_router") })
        let sql = try await harness.ledger.leverSummary(LedgerQuery(), prices: .bundledDefault)
        #expect(try sql == LeverSummary.of(records, prices: .bundledDefault))
        #expect(sql.trimmedTokens == record.trimmedInputTokens && sql.preflightCounted == 1)
    }

    @Test("lever sums past the 64-bit range are integer_overflow errors, in memory and in SQLite, not a crash")
    func leverOverflow() async throws {
        func record(_ id: String, trimmed: Int) -> LedgerRecord {
            var record = LedgerRecord(id: id, requestID: "req", task: "qa", model: "claude-opus-4-8",
                                      cost: LedgerRecord.Cost(input: USDAmount(picodollars: 1)))
            record.trimmedInputTokens = trimmed
            return record
        }
        // Two trimmed-token counts whose sum passes Int.max.
        let counts = [record("a", trimmed: Int.max), record("b", trimmed: 1)]
        let summed = #expect(throws: LedgerError.self) { try LeverSummary.of(counts, prices: .bundledDefault) }
        #expect(summed?.code == .overflow)
        // One count whose value at Opus's input rate passes 2^63 − 1 picodollars.
        let valued = [record("c", trimmed: 10_000_000_000_000)]
        let priced = #expect(throws: LedgerError.self) { try LeverSummary.of(valued, prices: .bundledDefault) }
        #expect(priced?.code == .overflow && priced?.message.contains("trimmed tokens' value") == true)
        // The same record in SQLite: the SQL summary fails the same way.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("levers.sqlite"))
        try await ledger.record(valued[0])
        let sql = await #expect(throws: LedgerError.self) { try await ledger.leverSummary(LedgerQuery(), prices: .bundledDefault) }
        #expect(sql?.code == .overflow)
        // A negative count (no record of ours has one): an error, in memory and in SQLite.
        let negative = [record("n", trimmed: -5)]
        #expect(throws: LedgerError.self) { try LeverSummary.of(negative, prices: .bundledDefault) }
        let other = try SQLiteLedger(path: directory.path("negative.sqlite"))
        try await other.record(negative[0])
        await #expect(throws: LedgerError.self) { try await other.leverSummary(LedgerQuery(), prices: .bundledDefault) }
        try await other.close()
        // Within range: the exact value (the bundled Opus input rate times the tokens).
        let fine = try LeverSummary.of([record("d", trimmed: 1_000)], prices: .bundledDefault)
        #expect(fine.trimmedTokens == 1_000 && fine.trimmedTokensValue.picodollars > 0)
        try await ledger.close()
    }
}
