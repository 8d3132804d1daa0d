import Foundation
@testable import Router
import RouterPolicies
import Testing

@Suite("SQLite ledger")
struct LedgerSQLiteTests {
    @Test("a version-1 file is migrated to the latest version (3) on open, keeping its records")
    func migratesVersion1File() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("old.sqlite")
        let old = try SQLiteLedger(path: path, durability: .durable, busyTimeout: .seconds(5), schemaVersion: 1)
        let records = [fullRecord(id: "v1-a"), fullRecord(id: "v1-b", attempt: 2, parentID: "v1-a")]
        for record in records { try await old.record(record) }
        #expect(try await old.schemaVersion() == 1)
        #expect(!(try await old.indexNames()).contains("ledger_time"))
        try await old.close()

        let upgraded = try SQLiteLedger(path: path)
        #expect(try await upgraded.schemaVersion() == 3)
        let indexes = try await upgraded.indexNames()
        #expect(indexes.contains("ledger_time"))
        #expect(indexes.contains("ledger_task_time"))
        #expect(indexes.contains("ledger_parent"))
        #expect(try await upgraded.records(.all) == records)
        try await upgraded.record(fullRecord(id: "v2-c"))
        #expect(try await upgraded.records(.all).count == 3)
        try await upgraded.close()
    }

    @Test("a file from a newer schema is refused, not damaged")
    func refusesNewerSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("future.sqlite")
        do {
            let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 1000)
            try connection.execute("PRAGMA user_version = 99")
        }
        let error = #expect(throws: LedgerError.self) { try SQLiteLedger(path: path) }
        #expect(error?.code == .unsupportedSchema)
        #expect(error?.file == path)
    }

    @Test("batched mode commits when maxRecords are queued and on close")
    func batchedCommitsOnMaxRecordsAndClose() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("batched.sqlite")
        let writer = try SQLiteLedger(path: path, durability: .batched(maxRecords: 3, maxDelay: .seconds(3600)))
        // A second connection sees only committed rows.
        let observer = try SQLiteLedger(path: path)

        try await writer.record(fullRecord(id: "1"))
        try await writer.record(fullRecord(id: "2"))
        #expect(try await observer.records(.all).isEmpty, "two of three queued: nothing committed yet")
        try await writer.record(fullRecord(id: "3"))
        #expect(try await observer.records(.all).map(\.id) == ["1", "2", "3"])

        try await writer.record(fullRecord(id: "4"))
        #expect(try await observer.records(.all).count == 3)
        try await writer.close()
        #expect(try await observer.records(.all).count == 4, "close commits the partial batch")
        #expect(await writer.failedWrites == 0)
        try await observer.close()
    }

    @Test("batched mode commits after maxDelay without a flush")
    func batchedCommitsAfterDelay() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("delay.sqlite")
        let writer = try SQLiteLedger(path: path, durability: .batched(maxRecords: 1000, maxDelay: .milliseconds(20)))
        let observer = try SQLiteLedger(path: path)
        try await writer.record(fullRecord(id: "late"))
        // Polls (no timing assertion): the timer must commit eventually on its own.
        var seen: [LedgerRecord] = []
        for _ in 0..<500 where seen.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            seen = try await observer.records(.all)
        }
        #expect(seen.map(\.id) == ["late"])
        try await writer.close()
        try await observer.close()
    }

    @Test("flush commits everything queued")
    func flushCommits() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("flush.sqlite")
        let writer = try SQLiteLedger(path: path, durability: .batched(maxRecords: 50, maxDelay: .seconds(3600)))
        let observer = try SQLiteLedger(path: path)
        for index in 0..<7 { try await writer.record(fullRecord(id: "r\(index)")) }
        try await writer.flush()
        #expect(try await observer.records(.all).count == 7)
        try await writer.close()
        try await observer.close()
    }

    @Test("durable mode: a rejected write throws to the caller and is counted")
    func durableWriteFailureSurfaces() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("fail.sqlite"))
        // attempt 0 violates the schema's CHECK (attempt >= 1): a real write failure in SQLite.
        let error = await #expect(throws: LedgerError.self) { try await ledger.record(fullRecord(id: "bad", attempt: 0)) }
        #expect(error?.code == .sqlite)
        #expect(error.flatMap(\.sqliteResultCode).map { $0 & 0xFF } == 19) // SQLITE_CONSTRAINT
        #expect(error?.message.contains("bad") == true)
        #expect(await ledger.failedWrites == 1)
        try await ledger.record(fullRecord(id: "good"))
        #expect(try await ledger.records(.all).map(\.id) == ["good"])
        try await ledger.close()
    }

    @Test("batched mode: a rejected write reaches the next flush and the counter, the rest commit")
    func batchedWriteFailureSurfaces() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("batched-fail.sqlite")
        let ledger = try SQLiteLedger(path: path, durability: .batched(maxRecords: 10, maxDelay: .seconds(3600)))
        try await ledger.record(fullRecord(id: "ok-1"))
        try await ledger.record(fullRecord(id: "bad", attempt: 0))
        try await ledger.record(fullRecord(id: "ok-2"))
        let error = await #expect(throws: LedgerError.self) { try await ledger.flush() }
        #expect(error?.code == .batchCommitFailed)
        #expect(error?.message.contains("1 of 3") == true)
        #expect(await ledger.failedWrites == 1)
        try await ledger.flush() // reported once
        try await ledger.close()
        let reopened = try SQLiteLedger(path: path)
        #expect(try await reopened.records(.all).map(\.id) == ["ok-1", "ok-2"])
        try await reopened.close()
    }

    @Test("batched mode: a failure found by the maxRecords commit is thrown by that record call")
    func batchedFailureOnRecordCall() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("f.sqlite"), durability: .batched(maxRecords: 2, maxDelay: .seconds(3600)))
        try await ledger.record(fullRecord(id: "bad", attempt: 0))
        let error = await #expect(throws: LedgerError.self) { try await ledger.record(fullRecord(id: "ok")) }
        #expect(error?.code == .batchCommitFailed)
        #expect(await ledger.failedWrites == 1)
        try await ledger.close()
    }

    @Test("money is stored as exact integer picodollars")
    func exactMoney() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("money.sqlite"))
        let huge = LedgerRecord.Cost(input: pico(9_000_000_000_000_001), output: pico(1))
        try await ledger.record(fullRecord(id: "m", cost: huge))
        let read = try await ledger.records(.all)
        #expect(read.first?.cost?.total == pico(9_000_000_000_000_002))
        try await ledger.close()
    }
}
