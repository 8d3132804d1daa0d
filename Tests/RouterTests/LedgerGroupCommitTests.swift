import Foundation
@testable import Router
import RouterPolicies
import Testing

/// Durable mode's group commit: concurrent writers share transactions, and every `record`
/// still returns only after its own record is committed.
@Suite("SQLite ledger group commit")
struct LedgerGroupCommitTests {
    @Test("records that arrive during a commit are committed together, each caller answered after it")
    func concurrentDurableRecordsShareOneTransaction() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("group.sqlite")
        let probe = WriterProbe()
        let ledger = try SQLiteLedger(path: path, durability: .durable, busyTimeout: .seconds(5),
                                      schemaVersion: SQLiteLedgerSchema.latestVersion,
                                      instrumentation: probe.instrumentation)
        // Hold the queue so that all 50 arrive before the first commit can run.
        probe.suspend()
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<50 {
                    group.addTask { try await ledger.record(fullRecord(id: "group-\(index)")) }
                }
                try await group.waitForAll()
            }
        }
        while probe.submitted < 50 { await Task.yield() }
        probe.resume()
        try await writers.value

        #expect(probe.groupCommits.count == 1)
        // Every caller has returned, so every record must already be committed: a second
        // connection sees all of them without any flush.
        let reader = try SQLiteLedger(path: path)
        let ids = Set(try await reader.records(LedgerQuery()).map(\.id))
        #expect(ids == Set((0..<50).map { "group-\($0)" }))
        try await reader.close()
        try await ledger.close()
    }

    @Test("a rejected record fails only its own caller; the rest of its group commits")
    func rejectionIsPerRecord() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let probe = WriterProbe()
        let ledger = try SQLiteLedger(path: directory.path("reject.sqlite"), durability: .durable,
                                      busyTimeout: .seconds(5), schemaVersion: SQLiteLedgerSchema.latestVersion,
                                      instrumentation: probe.instrumentation)
        probe.suspend()
        // The schema rejects attempt numbers below 1 (a CHECK constraint).
        let good = Task { try await ledger.record(fullRecord(id: "good")) }
        let bad = Task { try await ledger.record(fullRecord(id: "bad", attempt: 0)) }
        while probe.submitted < 2 { await Task.yield() }
        probe.resume()
        try await good.value
        await #expect(throws: LedgerError.self) { try await bad.value }
        #expect(probe.groupCommits.count == 1)
        #expect(try await ledger.records(LedgerQuery()).map(\.id) == ["good"])
        #expect(await ledger.failedWrites == 1)
        try await ledger.close()
    }
}
