import Foundation
import Router
import RouterPolicies
import RouterPostgres
import Testing

/// Every ledger a router can write to, for the conformance suite.
enum ConformanceLedger: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, jsonl, sqlite, postgres

    var testDescription: String { rawValue }

    /// The kinds to test: PostgreSQL only when its server is configured (or in CI, where a
    /// missing server fails the test instead of skipping it).
    static var available: [ConformanceLedger] {
        PostgresTestServer.shouldRun ? allCases : [.memory, .jsonl, .sqlite]
    }

    /// Where a kind keeps its records between opens.
    struct Place: Sendable {
        var directory: TemporaryDirectory
        var url: String?

        func remove() async {
            directory.remove()
            if let url { await PostgresTestServer.dropSchema(of: url) }
        }
    }

    func place() throws -> Place? {
        let directory = try TemporaryDirectory()
        guard self == .postgres else { return Place(directory: directory, url: nil) }
        guard let url = PostgresTestServer.freshURL() else {
            directory.remove()
            return nil
        }
        return Place(directory: directory, url: url)
    }

    func open(_ place: Place, durability: LedgerDurability = .durable) async throws -> any CostLedger {
        switch self {
        case .memory: InMemoryLedger()
        case .jsonl: try JSONLinesLedger(path: place.directory.path("ledger.jsonl"), durability: durability)
        case .sqlite: try SQLiteLedger(path: place.directory.path("ledger.sqlite"), durability: durability)
        case .postgres: try await PostgresLedger(url: place.url ?? "", durability: durability,
                                                 operationTimeout: PostgresTestServer.operationTimeout)
        }
    }

    /// The ledger's own report (SQL aggregates for SQLite and PostgreSQL), or the in-memory one.
    func report(_ ledger: any CostLedger, _ query: LedgerQuery, by key: LedgerReport.GroupKey)
        async throws -> (rows: [LedgerReport.Row], total: LedgerReport.Row?) {
        if let sqlite = ledger as? SQLiteLedger { return try await sqlite.reportWithTotal(query, by: key) }
        if let postgres = ledger as? PostgresLedger { return try await postgres.reportWithTotal(query, by: key) }
        let records = try await ledger.records(query)
        return (try LedgerReport.aggregate(records, by: key), try LedgerReport.aggregate(records, by: .all).first)
    }

    /// The ledger's own cost-levers summary (SQL for SQLite and PostgreSQL), or the one of its
    /// records loaded (what `report` shows for the others), at the bundled prices.
    func levers(_ ledger: any CostLedger, _ query: LedgerQuery) async throws -> LeverSummary {
        if let sqlite = ledger as? SQLiteLedger { return try await sqlite.leverSummary(query, prices: .bundledDefault) }
        if let postgres = ledger as? PostgresLedger { return try await postgres.leverSummary(query, prices: .bundledDefault) }
        return try LeverSummary.of(try await ledger.records(query), prices: .bundledDefault)
    }
}

/// The one contract every ``CostLedger`` keeps — in memory, JSON Lines, SQLite and PostgreSQL:
/// exact round trips, idempotence on the id, query semantics, batched queues drained by
/// `flush`/`close`, concurrent writers, refusal after close, and a report equal to the in-memory
/// aggregate of the same records.
@Suite("Ledger conformance")
struct LedgerConformanceTests {
    @Test("returns exactly what was written, also after reopening", arguments: ConformanceLedger.available)
    func roundTrip(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let records = LedgerRoundTripTests.sampleRecords()
        let ledger = try await kind.open(place)
        for record in records { try await ledger.record(record) }
        #expect(try await ledger.records(.all) == records)
        try await ledger.close()
        if kind != .memory {
            let reopened = try await kind.open(place)
            let read = try await reopened.records(.all)
            #expect(read == records)
            #expect(read[2].cost == nil, "unpriced stays nil, never $0")
            try await reopened.close()
        }
        await place.remove()
    }

    @Test("writing the same id twice keeps the first record", arguments: ConformanceLedger.available)
    func idempotent(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place)
        let original = fullRecord(id: "same-id")
        var changed = original
        changed.model = "claude-opus-4-5"
        try await ledger.record(original)
        try await ledger.record(changed)
        try await ledger.record(original)
        #expect(try await ledger.records(.all) == [original])
        try await ledger.close()
        await place.remove()
    }

    @Test("queries filter by time, task, model and variant, order by time and honour limit",
          arguments: ConformanceLedger.available)
    func queries(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place)
        for record in LedgerRoundTripTests.sampleRecords().reversed() { try await ledger.record(record) }
        let ids = { (query: LedgerQuery) in try await ledger.records(query).map(\.id) }
        #expect(try await ids(.all) == ["A1", "A2", "B1"], "ordered by time, not insertion")
        #expect(try await ids(LedgerQuery(since: utc("2026-03-01T10:00:05Z"))) == ["A2", "B1"])
        #expect(try await ids(LedgerQuery(until: utc("2026-03-02T00:00:00Z"))) == ["A1", "A2"])
        #expect(try await ids(LedgerQuery(task: "chat")) == ["A1", "A2"])
        #expect(try await ids(LedgerQuery(model: "mystery-model")) == ["B1"])
        #expect(try await ids(LedgerQuery(variant: "A")) == [])
        #expect(try await ids(LedgerQuery(limit: 2)) == ["A1", "A2"])
        #expect(try await ids(LedgerQuery(limit: 2, newestFirst: true)) == ["B1", "A2"])
        try await ledger.close()
        await place.remove()
    }

    @Test("equal times keep insertion order", arguments: ConformanceLedger.available)
    func equalTimes(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place)
        let time = utc("2026-03-03T00:00:00Z")
        let ids = (0..<20).map { "same-time-\(19 - $0)" }
        for id in ids { try await ledger.record(fullRecord(id: id, time: time)) }
        #expect(try await ledger.records(.all).map(\.id) == ids)
        #expect(try await ledger.records(LedgerQuery(newestFirst: true)).map(\.id) == ids.reversed())
        try await ledger.close()
        await place.remove()
    }

    @Test("batched: flush makes queued records readable and close drains the rest",
          arguments: ConformanceLedger.available.filter { $0 != .memory })
    func batched(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place, durability: .batched(maxRecords: 1_000, maxDelay: .seconds(60)))
        let first = (0..<25).map { fullRecord(id: "b-\($0)", time: utc("2026-03-01T10:00:00Z") + Double($0)) }
        for record in first { try await ledger.record(record) }
        try await ledger.flush()
        #expect(try await ledger.records(.all) == first)
        let second = (25..<40).map { fullRecord(id: "b-\($0)", time: utc("2026-03-01T10:00:00Z") + Double($0)) }
        for record in second { try await ledger.record(record) }
        try await ledger.close()
        let reopened = try await kind.open(place)
        #expect(try await reopened.records(.all) == first + second, "close wrote every queued record")
        try await reopened.close()
        await place.remove()
    }

    @Test("64 concurrent writers: every record stored once", arguments: ConformanceLedger.available)
    func concurrentWriters(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place)
        let records = (0..<256).map { fullRecord(id: "c-\($0)", time: utc("2026-03-01T10:00:00Z") + Double($0)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<64 {
                group.addTask {
                    for index in stride(from: writer, to: records.count, by: 64) {
                        try await ledger.record(records[index])
                        try await ledger.record(records[index]) // a retry of the same id changes nothing
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await ledger.records(.all) == records)
        try await ledger.close()
        await place.remove()
    }

    @Test("a closed ledger refuses writes with .closed", arguments: ConformanceLedger.available)
    func closed(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place)
        try await ledger.close()
        let error = await #expect(throws: LedgerError.self) { try await ledger.record(fullRecord()) }
        #expect(error?.code == .closed)
        await place.remove()
    }

    @Test("a total past 2^63 picodollars over groups that each sum fine is an error, not a crash",
          arguments: ConformanceLedger.available)
    func reportTotalOverflow(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place)
        let huge = LedgerRecord.Cost(input: pico(Int64.max / 2 + 1))
        let start = utc("2026-03-01T10:00:00Z")
        for (offset, task) in ["qa", "code"].enumerated() {
            try await ledger.record(LedgerRecord(id: "r\(offset)", time: start + Double(offset) * 60, requestID: "req",
                                                 task: task, model: "claude-opus-4-8", cost: huge))
        }
        let error = await #expect(throws: LedgerError.self) { _ = try await kind.report(ledger, .all, by: .task) }
        if kind == .sqlite || kind == .postgres {
            #expect(error?.message.contains("integer overflow") == true, "\(String(describing: error))")
        } else {
            // Aggregated in memory (LedgerReport.aggregate): the total's group is named.
            #expect(error?.code == .overflow && error?.message.contains("group 'all'") == true, "\(String(describing: error))")
        }
        // Each group alone is fine.
        let one = try await kind.report(ledger, LedgerQuery(task: "qa"), by: .task)
        #expect(one.total?.cost == huge.total)
        try await ledger.close()
        await place.remove()
    }

    @Test("sums no record of ours can make (negative, or prompt tokens past Int.max) fail every report as integer_overflow",
          arguments: ConformanceLedger.available)
    func reportImpossibleSums(kind: ConformanceLedger) async throws {
        let start = utc("2026-03-01T10:00:00Z")
        let cases: [(String, LedgerRecord)] = [
            ("negative cost", LedgerRecord(id: "n", time: start, requestID: "req", task: "qa", model: "claude-opus-4-8",
                                           cost: LedgerRecord.Cost(input: pico(-5)))),
            ("prompt tokens", LedgerRecord(id: "p", time: start, requestID: "req", task: "qa", model: "claude-opus-4-8",
                                           usage: TokenUsage(input: Int.max - 1, cacheRead: 2), cost: LedgerRecord.Cost(input: pico(5)))),
        ]
        for (name, record) in cases {
            guard let place = try kind.place() else { return }
            let ledger = try await kind.open(place)
            try await ledger.record(record)
            let error = await #expect(throws: LedgerError.self, "\(name)") { _ = try await kind.report(ledger, .all, by: .task) }
            #expect(error?.code == .overflow && error?.message.contains("group 'qa' by task") == true,
                    "\(name): \(String(describing: error))")
            try await ledger.close()
            await place.remove()
        }
    }

    @Test("the ledger's report equals the in-memory aggregate of the same records, for every grouping",
          arguments: ConformanceLedger.available)
    func report(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await kind.open(place, durability: .batched(maxRecords: 5_000, maxDelay: .seconds(60)))
        let records = LedgerReportSQLTests.generated(count: 1_200, seed: 7) + LedgerReportTests.dataset
        for record in records { try await ledger.record(record) }
        try await ledger.flush()
        let middle = records[records.count / 2].time
        for query in [LedgerQuery.all, LedgerQuery(since: middle),
                      LedgerQuery(since: middle, until: middle + 86_400 * 500, task: "qa")] {
            let loaded = try await ledger.records(query)
            for key in LedgerReport.GroupKey.allCases {
                let (rows, total) = try await kind.report(ledger, query, by: key)
                let expected = try LedgerReport.aggregate(loaded, by: key)
                #expect(rows.map(\.group) == expected.map(\.group), "by \(key)")
                for (row, memory) in zip(rows, expected) { #expect(row == memory, "by \(key), group \(memory.group)") }
                #expect(try total == LedgerReport.aggregate(loaded, by: .all).first, "total by \(key)")
            }
            // So do the cost levers (batch results with web-search fees among the records).
            #expect(try await kind.levers(ledger, query) == LeverSummary.of(loaded, prices: .bundledDefault))
        }
        try await ledger.close()
        await place.remove()
    }

    @Test("server-tool uses and their cost round-trip exactly, also after reopening; the total and report include them",
          arguments: ConformanceLedger.available)
    func serverToolsRoundTrip(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let searches = USDAmount(dollars: "1")!  // 100 web searches at $0.01
        var searched = fullRecord(id: "S1", cost: LedgerRecord.Cost(input: pico(10), output: pico(40), serverTools: searches))
        searched.usage.serverToolUse = ["web_search_requests": 100, "web_fetch_requests": 2]
        var unpriced = fullRecord(id: "S2", time: utc("2026-03-01T11:00:00Z"), cost: nil)
        unpriced.usage.serverToolUse = ["code_execution_requests": 1]
        let plain = fullRecord(id: "S3", time: utc("2026-03-01T12:00:00Z"))
        let records = [searched, unpriced, plain]
        #expect(searched.cost?.total == searches + pico(50))
        let ledger = try await kind.open(place)
        for record in records { try await ledger.record(record) }
        #expect(try await ledger.records(.all) == records)
        try await ledger.close()
        let reopened = try await kind.open(place)
        if kind != .memory {
            let read = try await reopened.records(.all)
            #expect(read == records)
            #expect(read[0].cost?.serverTools == searches && read[0].cost?.total == searches + pico(50))
            #expect(read[1].cost == nil && read[1].usage.serverToolUse == ["code_execution_requests": 1])
            #expect(read[2].usage.serverToolUse == nil && read[2].cost?.serverTools == nil)
            // Reserved keys never leak into the caller's metadata.
            #expect(read.allSatisfy { $0.metadata.keys.allSatisfy { !$0.hasPrefix("_router") } })
            let (_, total) = try await kind.report(reopened, .all, by: .all)
            #expect(total?.cost == records.compactMap(\.cost?.total).sum())
        }
        try await reopened.close()
        await place.remove()
    }

    @Test("a batch result's web-search fees are cost, not batch saving: $1.00 of fees and $0.10 of tokens save $0.10",
          arguments: ConformanceLedger.available)
    func batchSavingExcludesServerTools(kind: ConformanceLedger) async throws {
        guard let place = try kind.place() else { return }
        let fees = USDAmount(dollars: "1")!  // 100 web searches at $0.01, not discounted in a batch
        let tokens = USDAmount(dollars: "0.10")!  // input and output at the batch price (50% off)
        var result = LedgerRecord(id: "msgbatch_01:item-1", time: utc("2026-03-01T10:00:00Z"), requestID: "msgbatch_01",
                                  task: "digest", model: "claude-haiku-4-5",
                                  cost: LedgerRecord.Cost(input: pico(40_000_000_000), output: pico(60_000_000_000),
                                                          serverTools: fees))
        result.usage.serverToolUse = ["web_search_requests": 100]
        // A plain call with fees: neither its cost nor its fees are batch figures.
        var plain = fullRecord(id: "plain-1", time: utc("2026-03-01T10:01:00Z"),
                               cost: LedgerRecord.Cost(input: pico(10), serverTools: fees))
        plain.usage.serverToolUse = ["web_search_requests": 100]
        #expect(result.cost?.total == fees + tokens)
        let ledger = try await kind.open(place)
        for record in [result, plain] { try await ledger.record(record) }
        let levers = try await kind.levers(ledger, .all)
        #expect(levers.batchRecords == 1)
        #expect(levers.batchCost == fees + tokens, "the batch cost includes the fees")
        #expect(levers.batchSaving == tokens, "saving \(levers.batchSaving), not \(fees + tokens)")
        #expect(try levers == LeverSummary.of(try await ledger.records(.all), prices: .bundledDefault))
        try await ledger.close()
        await place.remove()
    }
}
