import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// History trimming and exact pre-flight on deferred items: the same policy rules as a direct
/// call, applied before the batch is created, and recorded with each item's result.
@Suite("Router deferred items: history trimming and pre-flight", .serialized)
struct RouterDeferredLeversTests {
    /// The `requests[].params.messages` of the last batch the mock was asked to create.
    static func batchedMessages(_ server: MockAnthropicServer) throws -> [[[String: Any]]] {
        let body = try #require(server.stats.lastRequestBody)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let requests = try #require(object["requests"] as? [[String: Any]])
        return try requests.map { try #require(($0["params"] as? [String: Any])?["messages"] as? [[String: Any]]) }
    }

    @Test("a deferred conversation is trimmed and counted before it is batched; its record says so")
    func trimmedAndCounted() async throws {
        let harness = try await RouterHarness.start(
            policyYAML: RouterDeferredTests.policyYAML + "history: { max_messages: 3 }\npreflight: count_tokens\n",
            mock: .init(batchProcessingTime: .milliseconds(50)))
        defer { Task { await harness.stop() } }
        let conversation = RouterLeversTests.conversation(turns: 8)
        let items = [
            DeferredItem(customID: "long-1", request: conversation, options: CallOptions(task: "digest")),
            DeferredItem(customID: "short-1", request: RouterHarness.auto("Digest this."), options: CallOptions(task: "digest")),
        ]
        let submission = try await harness.router.submitDeferred(items)
        #expect(harness.server.stats.requests(to: .countTokens) == 2)
        #expect(try Self.batchedMessages(harness.server).map(\.count) == [3, 1])
        let expected = HistoryTrimmer.trim(conversation, settings: HistorySettings(maxMessages: 3))
        let context = try #require(submission.batches.first?.items["long-1"])
        #expect(context.trimmedInputTokens == expected.removedTokens)
        #expect((context.preflightInputTokens ?? 0) > 0)

        _ = try await harness.router.collectDeferred(submission, polling: BatchPolling(initialDelay: .milliseconds(5)))
        let records = try await harness.ledger.records(LedgerQuery())
        let long = try #require(records.first { $0.id.hasSuffix(":long-1") })
        #expect(long.trimmedInputTokens == expected.removedTokens)
        #expect(long.preflightInputTokens == context.preflightInputTokens)
        #expect(long.flags == ["batch"])
        let short = try #require(records.first { $0.id.hasSuffix(":short-1") })
        #expect(short.trimmedInputTokens == nil)
        #expect(short.preflightInputTokens != nil)
    }

    @Test("pre-flight makes the batch hold exact on input: a budget that refuses the byte bound admits the batch")
    func preflightTightensTheBatchHold() async throws {
        // 40,000 characters: ~10,000 tokens at the mock's count, 40,000 on the byte bound. Haiku's
        // worst case (dearest input rate, ×1.1) at the batch price: ~$0.045 held on the byte bound
        // (> $0.015), ~$0.012 on the exact count.
        let budget = "budgets:\n  - { name: cap, scope: global, period: day, hard_usd: \"0.015\", on_hard_limit: reject }\n"
        let item = DeferredItem(customID: "big-1", request: RouterHarness.auto(String(repeating: "x", count: 40_000)),
                                options: CallOptions(task: "digest"))
        let without = try await RouterHarness.start(policyYAML: RouterDeferredTests.policyYAML + budget)
        defer { Task { await without.stop() } }
        await #expect(throws: RouterError.self) { _ = try await without.router.submitDeferred([item]) }
        #expect(without.server.stats.requests(to: .createBatch) == 0)

        let with = try await RouterHarness.start(policyYAML: RouterDeferredTests.policyYAML + budget + "preflight: count_tokens\n")
        defer { Task { await with.stop() } }
        let submission = try await with.router.submitDeferred([item])
        #expect(with.server.stats.requests(to: .createBatch) == 1)
        #expect(submission.batches.first?.items["big-1"]?.preflightInputTokens == 10_000)
        let held = try #require(await with.router.budgetStatus().first)
        #expect(held.reserved > .zero && held.reserved <= USDAmount(picodollars: 15_000_000_000))
    }

    @Test("a batch hold in a SQLite store outlives the store's per-call reservation expiry until settled")
    func batchHoldOutlivesCallExpiry() async throws {
        let server = MockAnthropicServer()
        try await server.start()
        let client = AnthropicClient(configuration: .init(apiKey: "sk-ant-test-router", baseURL: server.baseURL, maxRetries: 0))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("batch-hold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            client.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
        var options = ModelRouter.Options()
        options.budgetStore = .sqlite(ledger, reservationExpiry: .milliseconds(200))
        let yaml = RouterDeferredTests.policyYAML
            + "budgets:\n  - { name: cap, scope: global, period: day, hard_usd: \"5\", on_hard_limit: reject }\n"
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: yaml, file: "hold.yaml")), client: client,
                                     ledger: ledger, options: options)
        let submission = try await router.submitDeferred(Array(RouterDeferredTests.workload.prefix(2)))
        try await Task.sleep(for: .milliseconds(500))
        let held = try #require(await router.budgetStatus().first)
        #expect(held.reserved == submission.batches.map(\.reserved).reduce(.zero, +))
        #expect(held.reserved > .zero)
        let results = try await router.collectDeferred(submission, polling: BatchPolling(initialDelay: .milliseconds(5)))
        let settled = try #require(await router.budgetStatus().first)
        #expect(settled.reserved == .zero)
        #expect(settled.spent == results.cost)
        try await ledger.close()
        await server.stop()
    }

    @Test("a hold saved at submit is settled by another router over the same SQLite file")
    func savedHoldSettledElsewhere() async throws {
        let yaml = RouterDeferredTests.policyYAML
            + "budgets:\n  - { name: cap, scope: global, period: day, hard_usd: \"5\", on_hard_limit: reject }\n"
        let harness = try await RouterHarness.start(policyYAML: yaml, mock: .init(batchProcessingTime: .milliseconds(20)))
        defer { Task { await harness.stop() } }
        let submission = try await harness.router.submitDeferred(Array(RouterDeferredTests.workload.prefix(2)))
        let batch = try #require(submission.batches.first)
        let saved = batch.holds.map(SavedBatchHold.init)
        let encoded = try JSONEncoder().encode(saved)
        #expect(try #require(await harness.router.budgetStatus().first).reserved == batch.reserved)

        // A second router (as `batch results` in another process) over the same ledger file.
        let ledger = try SQLiteLedger(path: harness.directory.appendingPathComponent("ledger.sqlite").path)
        let other = try ModelRouter(policy: .policy(try Policy.parse(yaml: yaml, file: "other.yaml")), client: harness.client,
                                    ledger: ledger)
        var holds: [BatchHold] = []
        for hold in try JSONDecoder().decode([SavedBatchHold].self, from: encoded) {
            holds.append(await other.restoreBatchHold(hold))
        }
        try await Task.sleep(for: .milliseconds(100))
        let remembered = DeferredBatch(id: batch.id, customIDs: batch.customIDs, items: batch.items,
                                       reserved: batch.reserved, holds: holds)
        let results = try await other.collect(remembered)
        let settled = try #require(await other.budgetStatus().first)
        #expect(settled.reserved == .zero)
        #expect(settled.spent == results.cost)
        try await ledger.close()
    }
}
