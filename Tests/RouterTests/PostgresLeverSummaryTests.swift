import Foundation
import Router
import RouterPolicies
import RouterPostgres
import Testing

/// `PostgresLedger.leverSummary` (on the server) against `LeverSummary.of` (records loaded).
@Suite("PostgreSQL cost-levers summary", .enabled(if: PostgresTestServer.shouldRun, "needs CLAUDE_ROUTER_TEST_POSTGRES_URL"))
struct PostgresLeverSummaryTests {
    @Test("batch results, trimmed attempts, summaries and pre-flight counts sum as in memory; untouched rows are ignored")
    func summaryMatchesInMemory() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledger = try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout)
        let start = utc("2026-03-01T10:00:00Z")
        func cost(_ picodollars: Int64) -> LedgerRecord.Cost { LedgerRecord.Cost(input: pico(picodollars)) }
        var records: [LedgerRecord] = []
        // Two batch results (id BATCH:CUSTOM, request id the batch id), one plain call.
        for (offset, custom) in ["a-1", "a-2"].enumerated() {
            records.append(LedgerRecord(id: "msgbatch_1:\(custom)", time: start + Double(offset), requestID: "msgbatch_1",
                                        model: "claude-sonnet-4-6", cost: cost(1_000_000)))
        }
        records.append(LedgerRecord(id: "plain", time: start + 5, requestID: "req_1", model: "claude-sonnet-4-6",
                                    cost: cost(2_000_000)))
        // Trimmed attempts on two models, one counted exactly, one pre-flight fallback.
        var trimmed = LedgerRecord(id: "t-1", time: start + 10, requestID: "req_2", model: "claude-haiku-4-5",
                                   cost: cost(500_000), flags: ["preflight_fallback: count_tokens failed"])
        trimmed.trimmedInputTokens = 1_200
        var counted = LedgerRecord(id: "t-2", time: start + 11, requestID: "req_3", model: "claude-opus-4-8",
                                   cost: cost(9_000_000))
        counted.trimmedInputTokens = 300
        counted.preflightInputTokens = 4_321
        records += [trimmed, counted]
        // A history summary call.
        records.append(LedgerRecord(id: "s-1", time: start + 12, requestID: "req_4", task: Policy.historySummaryTask,
                                    model: "claude-haiku-4-5", cost: cost(70_000)))
        for record in records { try await ledger.record(record) }
        let onServer = try await ledger.leverSummary(LedgerQuery(), prices: .bundledDefault)
        let inMemory = try LeverSummary.of(try await ledger.records(LedgerQuery()), prices: .bundledDefault)
        #expect(onServer == inMemory)
        #expect(onServer.batchRecords == 2 && onServer.trimmedAttempts == 2 && onServer.trimmedTokens == 1_500)
        #expect(onServer.summaryCalls == 1 && onServer.preflightCounted == 1 && onServer.preflightFallbacks == 1)
        // A time window applies on the server too.
        let later = try await ledger.leverSummary(LedgerQuery(since: start + 10), prices: .bundledDefault)
        #expect(later.batchRecords == 0 && later.trimmedAttempts == 2)
        try await ledger.close()
        await PostgresTestServer.dropSchema(of: url)
    }
}
