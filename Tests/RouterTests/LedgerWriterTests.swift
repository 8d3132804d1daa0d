import Foundation
import Router
import RouterPolicies
import Testing

/// A storage whose commits can be made to fail, to drive ``LedgerWriter``'s error paths.
final class FlakyStorage: LedgerStorage, @unchecked Sendable {
    // @unchecked Sendable: the writer confines every instance call to its serial queue, and the
    // test reads `committed` only after the writer has answered (a happens-before edge).
    var failNextCommits = 0
    /// Reject these record ids on their own (like a constraint), committing the rest.
    var rejectIDs: Set<String> = []
    private(set) var committed: [LedgerRecord] = []
    private(set) var commits = 0

    static func entry(for record: LedgerRecord) -> LedgerRecord { record }

    func append(_ batch: [LedgerRecord]) throws(LedgerError) -> [Int: LedgerError] {
        commits += 1
        if failNextCommits > 0 {
            failNextCommits -= 1
            throw LedgerError(code: .io, message: "disk full (simulated)", file: "flaky")
        }
        var rejected: [Int: LedgerError] = [:]
        for (index, record) in batch.enumerated() {
            if rejectIDs.contains(record.id) {
                rejected[index] = LedgerError(code: .encoding, message: "record \(record.id) rejected (simulated)")
            } else {
                committed.append(record)
            }
        }
        return rejected
    }

    func records(_ query: LedgerQuery) throws(LedgerError) -> [LedgerRecord] { query.apply(to: committed) }
}

@Suite("Ledger writer")
struct LedgerWriterTests {
    @Test("durable: a failed commit fails each caller in it, is counted, and the next write succeeds")
    func durableFailureReachesEveryCaller() async throws {
        let storage = FlakyStorage()
        let probe = WriterProbe()
        let writer = try LedgerWriter(storage: storage, path: "flaky", durability: .durable,
                                      instrumentation: probe.instrumentation)
        storage.failNextCommits = 1
        let failures = LockedBox(0)
        try await probe.writeTogether(3) { index in
            do { try await writer.record(fullRecord(id: "lost-\(index)")) } catch let error as LedgerError {
                #expect(error.code == .io)
                #expect(error.message.contains("disk full"))
                failures.mutate { $0 += 1 }
            }
        }
        #expect(failures.get() == 3)
        #expect(probe.groupCommits == [3])
        #expect(await writer.failedWrites == 3)

        try await writer.record(fullRecord(id: "kept"))
        #expect(try await writer.records(.all).map(\.id) == ["kept"])
        try await writer.flush() // nothing deferred in durable mode
        try await writer.close()
    }

    @Test("batched: a failed batch is reported once, by the next record or flush, with its count")
    func batchedFailureIsDeferredOnce() async throws {
        let storage = FlakyStorage()
        let writer = try LedgerWriter(storage: storage, path: "flaky",
                                      durability: .batched(maxRecords: 2, maxDelay: .seconds(3600)))
        storage.failNextCommits = 1
        try await writer.record(fullRecord(id: "1"))
        // The second record fills the batch; its commit fails and this very call reports it.
        let error = await #expect(throws: LedgerError.self) { try await writer.record(fullRecord(id: "2")) }
        #expect(error?.code == .batchCommitFailed)
        #expect(error?.message.hasPrefix("2 of 2 queued records were not written") == true)
        #expect(error?.file == "flaky")
        #expect(await writer.failedWrites == 2)
        // Reported once: the next calls succeed.
        try await writer.record(fullRecord(id: "3"))
        try await writer.flush()
        #expect(try await writer.records(.all).map(\.id) == ["3"])
        try await writer.close()
    }

    @Test("batched: a record rejected on its own is counted and reported by flush; the rest commit")
    func batchedRejectionIsDeferred() async throws {
        let storage = FlakyStorage()
        storage.rejectIDs = ["bad"]
        let writer = try LedgerWriter(storage: storage, path: "flaky",
                                      durability: .batched(maxRecords: 10, maxDelay: .seconds(3600)))
        try await writer.record(fullRecord(id: "good"))
        try await writer.record(fullRecord(id: "bad"))
        let error = await #expect(throws: LedgerError.self) { try await writer.flush() }
        #expect(error?.code == .batchCommitFailed)
        #expect(error?.message.hasPrefix("1 of 2 queued records were not written") == true)
        #expect(await writer.failedWrites == 1)
        try await writer.flush()
        #expect(try await writer.records(.all).map(\.id) == ["good"])
        try await writer.close()
    }

    @Test("the batching window commits without a flush")
    func batchingWindowCommits() async throws {
        let storage = FlakyStorage()
        let writer = try LedgerWriter(storage: storage, path: "flaky",
                                      durability: .batched(maxRecords: 100, maxDelay: .milliseconds(20)))
        try await writer.record(fullRecord(id: "windowed"))
        // Polled through the writer's queue, so reading `commits` is ordered after the commit.
        var waited = 0
        while try await writer.withStorage({ $0.commits }) == 0, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(try await writer.withStorage { $0.committed.map(\.id) } == ["windowed"])
        try await writer.close()
    }

    @Test("a closed writer refuses writes with `closed`", arguments: [LedgerDurability.durable,
                                                                    .batched(maxRecords: 2, maxDelay: .seconds(1))])
    func closedRefuses(durability: LedgerDurability) async throws {
        let writer = try LedgerWriter(storage: FlakyStorage(), path: "flaky", durability: durability)
        try await writer.close()
        try await writer.close() // idempotent
        let error = await #expect(throws: LedgerError.self) { try await writer.record(fullRecord()) }
        #expect(error?.code == .closed)
    }
}

/// JSON Lines gets the same group commit as SQLite through the shared writer.
@Suite("JSON lines group commit")
struct LedgerJSONLinesGroupCommitTests {
    @Test("concurrent durable writers share one write+fsync, and each record is on disk when its call returns")
    func concurrentWritersShareACommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("group.jsonl")
        let probe = WriterProbe()
        let ledger = try JSONLinesLedger(path: path, durability: .durable, instrumentation: probe.instrumentation)
        try await probe.writeTogether(40) { index in
            try await ledger.record(fullRecord(id: "jsonl-\(index)"))
            // Read straight from the file, bypassing the ledger: the line must already be there.
            let onDisk = Set(try JSONLinesLedger.readAll(path: path).map(\.id))
            #expect(onDisk.contains("jsonl-\(index)"))
        }
        #expect(probe.groupCommits == [40])
        #expect(Set(try JSONLinesLedger.readAll(path: path).map(\.id)) == Set((0..<40).map { "jsonl-\($0)" }))
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 40)
        try await ledger.close()
    }

    @Test("unheld concurrent writers: every record durable before return, none lost or torn")
    func manyWritersWithoutHolding() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("free.jsonl")
        let probe = WriterProbe()
        let ledger = try JSONLinesLedger(path: path, durability: .durable, instrumentation: probe.instrumentation)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    try await ledger.record(fullRecord(id: "free-\(index)"))
                    #expect(try JSONLinesLedger.readAll(path: path).contains { $0.id == "free-\(index)" })
                }
            }
            try await group.waitForAll()
        }
        #expect(probe.groupCommits.reduce(0, +) == 64)
        #expect(probe.groupCommits.count <= 64)
        #expect(try JSONLinesLedger.readAll(path: path).count == 64)
        try await ledger.close()
    }
}
