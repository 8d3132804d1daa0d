import Foundation
import Router
import RouterPolicies
import Testing

/// `SQLiteLedger.report` (GROUP BY inside SQLite) against `LedgerReport.aggregate` (every record
/// loaded): the same rows, field for field, on the hand-checked dataset and on generated ledgers.
@Suite("Ledger report in SQL")
struct LedgerReportSQLTests {
    /// A reproducible ledger: single calls, escalations of two and three attempts (some linked to
    /// a first attempt outside a `since` window), unpriced attempts, calls without a baseline,
    /// errors, flagged usage, users, variants, tiers, days around midnight and before 1970, and
    /// batch results (id `BATCH_ID:CUSTOM_ID`, request id the batch id) — priced or not — with
    /// and without web-search fees, as plain calls may have too.
    static func generated(count: Int, seed: UInt64) -> [LedgerRecord] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407 // a 64-bit LCG (Knuth MMIX)
            return Int((state >> 33) % UInt64(bound))
        }
        let models = ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-8", "mystery-model"]
        let tasks: [String?] = ["qa", "code", "reasoning", nil, "a|b,\"c\""]
        var records: [LedgerRecord] = []
        var time = Date(timeIntervalSince1970: -86_400 * 2) // two days before 1970
        var call = 0
        while records.count < count {
            call += 1
            let batchID = next(8) == 0 ? "msgbatch_\(next(4))" : nil  // a batch result: one record
            let attempts = batchID != nil ? 1 : [1, 1, 1, 1, 2, 3][next(6)]
            let firstID = batchID.map { "\($0):c-\(call)" } ?? "call-\(call)"
            for attempt in 1...attempts {
                time += Double(next(40_000)) + Double(next(1_000_000)) / 1_000_000
                if next(50) == 0 { time += 86_400 * 400 } // a jump: some days and the 1970 boundary
                let model = models[next(models.count)]
                let priced = model != "mystery-model" && next(40) != 0
                let isLast = attempt == attempts
                let outcome: LedgerRecord.Outcome = !isLast ? .escalated(reason: "max_tokens")
                    : next(15) == 0 ? .error(code: "overloaded") : .success
                let cost = Int64(next(9_000_000))
                let searches = next(3) == 0 ? 1 + next(40) : 0  // web searches at $0.01 (10^10 picodollars)
                var record = LedgerRecord(
                    id: attempt == 1 ? firstID : "\(firstID)-\(attempt)", time: time, requestID: batchID ?? "req",
                    attempt: attempt, parentID: attempt == 1 ? nil : firstID, task: tasks[next(tasks.count)],
                    variant: next(3) == 0 ? "b" : nil, tier: next(6) == 0 ? nil : ["fast", "strong"][next(2)], model: model,
                    usage: TokenUsage(input: next(5000), output: next(900), cacheWrite5m: next(3) == 0 ? next(400) : 0,
                                      cacheWrite1h: next(9) == 0 ? next(400) : 0, cacheRead: next(2) == 0 ? next(3000) : 0),
                    cost: priced ? LedgerRecord.Cost(input: pico(cost / 2), output: pico(cost - cost / 2),
                                                     serverTools: pico(Int64(searches) * 10_000_000_000)) : nil,
                    baselineModel: "claude-opus-4-8", baselineCost: next(30) == 0 ? nil : pico(Int64(next(30_000_000))),
                    latencyMs: next(4) == 0 ? 100 * next(30) : next(20_000), outcome: outcome,
                    metadata: next(3) == 0 ? ["user": "u\(next(7))"] : [:],
                    flags: next(25) == 0 ? ["usage_missing: test"] : nil)
                if searches > 0 { record.usage.serverToolUse = ["web_search_requests": searches] }
                records.append(record)
            }
        }
        return records
    }

    func compare(_ records: [LedgerRecord], queries: [LedgerQuery]) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("report.sqlite"), durability: .batched(maxRecords: 10_000, maxDelay: .seconds(5)))
        for record in records { try await ledger.record(record) }
        try await ledger.flush()
        for query in queries {
            let loaded = try await ledger.records(query)
            for key in LedgerReport.GroupKey.allCases {
                let inSQL = try await ledger.report(query, by: key)
                let inMemory = try LedgerReport.aggregate(loaded, by: key)
                #expect(inSQL.map(\.group) == inMemory.map(\.group), "by \(key), since \(String(describing: query.since))")
                for (sql, memory) in zip(inSQL, inMemory) {
                    #expect(sql == memory, "by \(key), group \(memory.group)")
                }
                // The total merged from the groups of one pass equals the `.all` aggregate.
                let withTotal = try await ledger.reportWithTotal(query, by: key)
                #expect(withTotal.rows == inSQL)
                #expect(try withTotal.total == LedgerReport.aggregate(loaded, by: .all).first, "total, by \(key)")
            }
            // Every grouping from the same scans (a key repeated, the day grouping mixed with text
            // ones): each equals the in-memory aggregate by that key alone.
            let keys = LedgerReport.GroupKey.allCases.reversed() + [.task]
            let together = try await ledger.reports(query, by: keys)
            #expect(together.count == keys.count)
            #expect(try await ledger.reports(query, by: []).isEmpty)
            for (key, result) in zip(keys, together) {
                #expect(try result.rows == LedgerReport.aggregate(loaded, by: key), "together, by \(key)")
                #expect(try result.total == LedgerReport.aggregate(loaded, by: .all).first, "together, total by \(key)")
            }
            // The cost levers summed inside SQLite equal those of the loaded records (batch results
            // with web-search fees among them: the fees are cost, never batch saving).
            let levers = try await ledger.leverSummary(query, prices: .bundledDefault)
            #expect(try levers == LeverSummary.of(loaded, prices: .bundledDefault), "levers, since \(String(describing: query.since))")
        }
        try await ledger.close()
    }

    @Test("the hand-checked dataset: identical rows for every grouping")
    func dataset() async throws {
        try await compare(LedgerReportTests.dataset, queries: [.all, LedgerQuery(since: utc("2026-03-01T10:00:00Z") + 0.5)])
    }

    @Test("generated ledgers: identical rows for every grouping, with and without a since window")
    func generatedLedgers() async throws {
        for seed: UInt64 in [1, 2, 3] {
            let records = Self.generated(count: 1_500, seed: seed)
            #expect(records.contains { $0.id.hasPrefix($0.requestID + ":") && $0.cost?.serverTools != nil },
                    "batch results with server-tool fees are generated (seed \(seed))")
            let middle = records[records.count / 2].time
            try await compare(records, queries: [.all, LedgerQuery(since: middle),
                                                 LedgerQuery(since: middle, until: middle + 86_400 * 500, task: "qa")])
        }
    }

    @Test("a sum past Int64 picodollars is an error, not a wrapped total")
    func overflow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("overflow.sqlite"))
        let huge = LedgerRecord.Cost(input: pico(Int64.max / 2 + 1))
        let start = utc("2026-03-01T10:00:00Z")
        for (offset, id) in ["a", "b"].enumerated() {
            try await ledger.record(LedgerRecord(id: id, time: start + Double(offset) * 60, requestID: "req",
                                                 model: "claude-opus-4-8", cost: huge))
        }
        let error = await #expect(throws: LedgerError.self) { _ = try await ledger.report(.all, by: .task) }
        #expect(error?.message.contains("integer overflow") == true)
        // Several groupings in one pass: the overflow under any of them fails the report.
        let together = await #expect(throws: LedgerError.self) { _ = try await ledger.reports(.all, by: [.day, .model]) }
        #expect(together?.message.contains("integer overflow") == true)
        // Either record alone sums fine.
        let alone = try await ledger.report(LedgerQuery(since: start + 30), by: .task)
        #expect(alone.first?.cost == huge.total)
        // Groups that each sum fine (by task) but whose total does not: an error, not a crash (the
        // model grouping overflows on its own as well).
        try await ledger.record(LedgerRecord(id: "c", time: start + 120, requestID: "req", task: "other",
                                             model: "claude-opus-4-8", cost: huge))
        let apart = LedgerQuery(since: start + 30)  // "b" (no task) and "c" (task "other")
        for keys: [LedgerReport.GroupKey] in [[.task], [.task, .task], [.model, .task]] {
            let total = await #expect(throws: LedgerError.self) { _ = try await ledger.reports(apart, by: keys) }
            #expect(total?.message.contains("integer overflow") == true, "\(keys)")
        }
        try await ledger.close()
    }

    @Test("an empty selection has no rows")
    func empty() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("empty.sqlite"))
        #expect(try await ledger.report(.all, by: .all).isEmpty)
        #expect(try await ledger.report(.all, by: .day).isEmpty)
        try await ledger.close()
    }
}
