import Foundation
import Router
import RouterPolicies
import Testing

/// `CacheSavingCoverage`: which cached attempts recorded prompt caching's saving, counted in
/// SQLite and from loaded records alike.
@Suite("Ledger: caching-saving coverage")
struct CacheSavingCoverageTests {
    @Test("SQLite counts what the records say: cached and priced attempts, and those with a saving; filters apply")
    func sqliteMatchesRecords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("ledger.sqlite"))
        var records: [LedgerRecord] = []
        for index in 0..<12 {
            var record = fullRecord(time: utc("2026-03-01T10:00:00Z").addingTimeInterval(Double(index) * 3600),
                                    task: index % 2 == 0 ? "chat" : "qa")
            switch index % 4 {
            case 0: record.cacheSaving = pico(Int64(100 + index)) // cached, saving recorded
            case 1: break // cached, older record: no saving
            case 2: record.usage = TokenUsage(input: 50, output: 5) // nothing cached
            default: record.cost = nil // unpriced: not counted (its cost, and so its saving, is unknown anyway)
            }
            records.append(record)
            try await ledger.record(record)
        }
        try await ledger.flush()
        let all = try await ledger.cacheSavingCoverage(LedgerQuery())
        #expect(all == CacheSavingCoverage.of(records))
        #expect(all.cachedAttempts == 6 && all.recordedAttempts == 3 && all.unrecordedAttempts == 3)
        let chat = try await ledger.cacheSavingCoverage(LedgerQuery(task: "chat"))
        #expect(chat == CacheSavingCoverage.of(records.filter { $0.task == "chat" }))
        #expect(chat.cachedAttempts == 3 && chat.recordedAttempts == 3)
        let later = try await ledger.cacheSavingCoverage(LedgerQuery(since: utc("2026-03-01T16:00:00Z")))
        #expect(later == CacheSavingCoverage.of(records.filter { $0.time >= utc("2026-03-01T16:00:00Z") }))
        #expect(try await ledger.cacheSavingCoverage(LedgerQuery(since: utc("2030-01-01T00:00:00Z"))) == CacheSavingCoverage())
        try await ledger.close()
    }
}
