import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// Batch routing end to end against the mock's Message Batches: splitting, submitting, polling
/// with backoff, results mapped by custom id, the ledger at the batch price, budgets held and settled.
@Suite("Router deferred work through Message Batches", .serialized)
struct RouterDeferredTests {
    static let policyYAML = RouterHarness.policyYAML.replacingOccurrences(of: "tasks:\n", with: """
        tasks:
          digest: { tier: haiku, max_tokens: 256, deferrable: true }
          summary: { tier: sonnet, max_tokens: 256, deferrable: true }

        """)

    static func item(_ id: String, _ prompt: String, task: String, user: String = "u1") -> DeferredItem {
        DeferredItem(customID: id, request: RouterHarness.auto(prompt),
                     options: CallOptions(task: task, metadata: ["user": user]))
    }

    static let workload: [DeferredItem] = [
        item("d-1", "Digest the first report.", task: "digest"),
        item("d-2", "Digest the second report.", task: "digest", user: "u2"),
        item("s-1", "Summarize the quarter.", task: "summary"),
        item("d-3", "Digest this one [[mock: status=500]]", task: "digest"),
        item("d-4", "Digest later [[mock: batch=expired]]", task: "digest"),
        item("s-2", "Summarize the year.", task: "summary"),
        item("d-5", "Digest the last report.", task: "digest"),
    ]

    @Test("split at the limits, results mapped back, each recorded once at half the standard price")
    func endToEnd() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML,
                                                    mock: .init(batchProcessingTime: .milliseconds(150)))
        defer { Task { await harness.stop() } }
        let submission = try await harness.router.submitDeferred(Self.workload, limits: BatchLimits(maxRequests: 3))
        #expect(submission.batches.map(\.customIDs.count) == [3, 3, 1])
        #expect(submission.unsubmitted.isEmpty)
        #expect(harness.server.stats.requests(to: .createBatch) == 3)

        let sleeps = SleepLog()
        // Whatever waits the poll needed (none when the machine was slow enough) double, capped.
        let polling = BatchPolling(initialDelay: .milliseconds(20), maxDelay: .seconds(1), sleep: { delay in
            await sleeps.add(delay)
            try await Task.sleep(for: delay)
        })
        let results = try await harness.router.collectDeferred(submission, polling: polling)
        let waits = await sleeps.delays
        #expect(zip(waits, waits.dropFirst()).allSatisfy { $1 == min($0 * 2, .seconds(1)) })

        #expect(Set(results.outcomes.keys) == Set(Self.workload.map(\.customID)))
        #expect(results.failedIDs == ["d-3", "d-4"])
        if case .errored(let type, _)? = results.outcomes["d-3"] { #expect(type == "api_error") } else {
            Issue.record("d-3 should be errored: \(String(describing: results.outcomes["d-3"]))")
        }
        #expect(results.outcomes["d-4"] == .expired)
        if case .succeeded(let message, _)? = results.outcomes["s-1"] { #expect(message.model == "claude-sonnet-4-6") }

        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 7)
        #expect(results.recorded == 7)
        let prices = PriceBook.bundledDefault
        for record in records where record.outcome == .success {
            let batch = try #require(prices.cost(of: record.usage, model: record.model, at: record.time, batch: true))
            let standard = try #require(prices.cost(of: record.usage, model: record.model, at: record.time))
            #expect(record.cost?.total == batch.total)
            #expect(batch.total.picodollars * 2 == standard.total.picodollars)
            #expect(record.flags == ["batch"])
            #expect(record.task == (record.id.contains(":d-") ? "digest" : "summary"))
            #expect(record.baselineModel == "claude-opus-4-8")
        }
        let errored = try #require(records.first { $0.id.hasSuffix(":d-3") })
        #expect(errored.outcome == .error(code: "batch_errored:api_error"))
        #expect(errored.cost?.total == .zero)
        #expect(records.first { $0.id.hasSuffix(":d-4") }?.outcome == .error(code: "batch_expired"))
        #expect(records.first { $0.id.hasSuffix(":d-2") }?.metadata["user"] == "u2")
        #expect(results.cost == records.compactMap { $0.cost?.total }.reduce(.zero, +))

        // The report's levers see the batch saving (50%: the saving equals the cost).
        let levers = try await harness.ledger.leverSummary(LedgerQuery(), prices: prices)
        #expect(levers.batchRecords == 7 && levers.batchSaving == levers.batchCost && levers.batchCost == results.cost)

        // Fetching again records nothing twice.
        let again = try await harness.router.collectDeferred(submission, polling: polling)
        #expect(again.recorded == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).count == 7)
    }

    @Test("an item that names its model is measured against that model at the standard price; a routed one against the baseline tier")
    func namedModelBaseline() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML,
                                                    mock: .init(batchProcessingTime: .milliseconds(50)))
        defer { Task { await harness.stop() } }
        var named = RouterHarness.auto("Digest the named one.")
        named.model = "claude-sonnet-4-6"
        named.maxTokens = 200
        let items = [
            Self.item("r-1", "Digest the routed one.", task: "digest"),
            DeferredItem(customID: "n-1", request: named, options: CallOptions(task: "digest")),
        ]
        let submission = try await harness.router.submitDeferred(items)
        _ = try await harness.router.collectDeferred(submission, polling: BatchPolling(initialDelay: .milliseconds(5)))
        let records = try await harness.ledger.records(LedgerQuery())
        let prices = PriceBook.bundledDefault
        let namedRecord = try #require(records.first { $0.id.hasSuffix(":n-1") })
        #expect(namedRecord.model == "claude-sonnet-4-6")
        #expect(namedRecord.baselineModel == "claude-sonnet-4-6")
        let standard = try #require(prices.cost(of: namedRecord.usage, model: namedRecord.model, at: namedRecord.time))
        #expect(namedRecord.baselineCost == standard.total)
        // The batch discount is its only saving: half of the standard price.
        #expect(namedRecord.cost.map { $0.total.picodollars * 2 } == standard.total.picodollars)
        let routedRecord = try #require(records.first { $0.id.hasSuffix(":r-1") })
        #expect(routedRecord.baselineModel == "claude-opus-4-8")
    }

    @Test("polling backs off exponentially and gives up at its timeout, recording nothing unfinished")
    func backoffAndTimeout() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML,
                                                    mock: .init(batchProcessingTime: .seconds(3600)))
        defer { Task { await harness.stop() } }
        let submission = try await harness.router.submitDeferred(Array(Self.workload.prefix(2)))
        let sleeps = SleepLog()
        // A fake clock: the waits are recorded, not slept, so the sequence is exact on any machine.
        let polling = BatchPolling(initialDelay: .milliseconds(20), maxDelay: .milliseconds(100),
                                   timeout: .milliseconds(250), sleep: { await sleeps.add($0) })
        do {
            _ = try await harness.router.collectDeferred(submission, polling: polling)
            Issue.record("expected batch_not_ended")
        } catch let error as RouterError {
            #expect(error.code == .batchNotEnded)
            #expect(error.message.contains(submission.batches[0].id))
        }
        #expect(await sleeps.delays == [.milliseconds(20), .milliseconds(40), .milliseconds(80), .milliseconds(100),
                                        .milliseconds(100)])
        #expect(harness.server.stats.requests(to: .retrieveBatch) == 6)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
    }

    @Test("budgets hold the batch worst case at submit and settle to the recorded cost")
    func budgetsHeldAndSettled() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML + """
            budgets:
              - { name: cap, scope: global, period: day, hard_usd: "5", on_hard_limit: reject }

            """)
        defer { Task { await harness.stop() } }
        let items = Array(Self.workload.prefix(3))
        let submission = try await harness.router.submitDeferred(items)
        let held = try #require(await harness.router.budgetStatus().first)
        #expect(held.reserved > .zero)
        #expect(held.reserved == submission.batches.map(\.reserved).reduce(.zero, +))
        let results = try await harness.router.collectDeferred(submission, polling: BatchPolling(initialDelay: .milliseconds(5)))
        let settled = try #require(await harness.router.budgetStatus().first)
        #expect(settled.reserved == .zero)
        #expect(settled.spent == results.cost)
    }

    @Test("an item of unknown cost (a server-tool counter the book does not price) keeps the batch's whole hold as spend, never $0")
    func unknownItemCostKeepsHold() async throws {
        let policyYAML = Self.policyYAML + """
            budgets:
              - { name: cap, scope: global, period: day, hard_usd: "5", on_hard_limit: reject }

            """
        let harness = try await RouterHarness.start(policyYAML: policyYAML)
        defer { Task { await harness.stop() } }
        // The bundled book without its server_tools section.
        let text = try #require(BundledPolicies.text(named: BundledPolicies.directory + "/prices.yaml"))
        let start = try #require(text.range(of: "server_tools:"))
        let end = try #require(text.range(of: "\nmodels:", range: start.upperBound..<text.endIndex))
        let book = try PriceBook.parse(yaml: String(text[..<start.lowerBound]) + String(text[end.lowerBound...]), file: "b.yaml")
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: policyYAML, file: "p.yaml")),
                                     client: harness.client, ledger: harness.ledger, prices: book)
        let submission = try await router.submitDeferred([Self.item("d-1", "Digest the news [[mock: web-searches=2]]", task: "digest")])
        let held = try #require(await router.budgetStatus().first).reserved
        #expect(held > .zero)
        let results = try await router.collectDeferred(submission, polling: BatchPolling(initialDelay: .milliseconds(5)))
        #expect(results.cost == nil)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.cost == nil && record.flags?.contains { $0.hasPrefix("server_tool_unpriced: web_search_requests 2") } == true)
        let settled = try #require(await router.budgetStatus().first)
        // SQLite keeps the hold until it expires (its spend is the ledger's known costs); memory spends it.
        #expect(settled.spent + settled.reserved == held, "the worst case still counts: \(settled)")
    }

    @Test("a submission's anthropic-version and betas go with its batch; items that differ in them are refused before anything is sent")
    func requestOptionsGoWithTheBatch() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML)
        defer { Task { await harness.stop() } }
        func item(_ id: String, betas: [String]) -> DeferredItem {
            var options = CallOptions(task: "digest", metadata: ["user": "u1"])
            options.request = AnthropicClient.RequestOptions(betas: betas)
            return DeferredItem(customID: id, request: RouterHarness.auto("Digest it."), options: options)
        }
        let mixed = await #expect(throws: RouterError.self) {
            _ = try await harness.router.submitDeferred([item("a", betas: ["files-api-2025-04-14"]), item("b", betas: [])])
        }
        #expect(mixed?.code == .invalidBatch && mixed?.message.contains("anthropic-version/beta") == true)
        #expect(harness.server.stats.requests(to: .createBatch) == 0)
        _ = try await harness.router.submitDeferred([item("a", betas: ["files-api-2025-04-14"]), item("b", betas: ["files-api-2025-04-14"])])
        #expect(harness.server.stats.requests(to: .createBatch) == 1)
        let sent = try #require(harness.server.stats.recentRequests.last { $0.path == "/v1/messages/batches" })
        #expect(sent.anthropicBeta == "files-api-2025-04-14")
    }

    @Test("a budget that cannot hold the batch refuses it before anything is sent")
    func budgetRefusesBatch() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML + """
            budgets:
              - { name: cap, scope: global, period: day, hard_usd: "0.0001", on_hard_limit: reject }

            """)
        defer { Task { await harness.stop() } }
        await #expect(throws: RouterError.self) { _ = try await harness.router.submitDeferred(Self.workload) }
        #expect(harness.server.stats.totalRequests == 0)
    }

    @Test("non-deferrable tasks and bad or repeated custom ids refuse the whole submission")
    func refusals() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policyYAML)
        defer { Task { await harness.stop() } }
        let bad = [Self.item("ok-1", "Digest.", task: "digest"), Self.item("q-1", "Who?", task: "qa"),
                   Self.item("ok-1", "Again.", task: "digest"), Self.item("has space", "x", task: "digest")]
        do {
            _ = try await harness.router.submitDeferred(bad)
            Issue.record("expected invalid_batch")
        } catch let error as RouterError {
            #expect(error.code == .invalidBatch)
            #expect(error.message.contains("task 'qa' is not deferrable"))
            #expect(error.message.contains("'ok-1' is repeated"))
            #expect(error.message.contains("'has space' must be"))
        }
        #expect(harness.server.stats.totalRequests == 0)
    }

    @Test("splitting by bytes and count: in order, within both limits, a too-large item refused")
    func splitting() {
        let limits = BatchLimits(maxRequests: 3, maxBytes: 100)
        let ranges = limits.split([40, 40, 10, 10, 10, 10, 80])
        #expect(ranges == [0..<2, 2..<5, 5..<6, 6..<7])
        #expect(BatchLimits(maxRequests: 100, maxBytes: 100).split([90]) == nil)
        #expect(BatchLimits().split(Array(repeating: 1, count: 250_001))?.map(\.count) == [100_000, 100_000, 50_001])
    }
}

/// The waits a polling loop asked for, in order.
actor SleepLog {
    private(set) var delays: [Duration] = []
    func add(_ delay: Duration) { delays.append(delay) }
}
