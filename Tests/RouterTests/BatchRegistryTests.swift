import Foundation
import Router
import RouterPolicies
import RouterPostgres
import Testing

/// Every ``BatchRegistry`` remembers a batch's first submission and hands its hold out once,
/// to whichever process sharing the store asks first.
@Suite("Batch registries")
struct BatchRegistryTests {
    static func submission(_ id: String, owner: String?, hold: Bool = true) -> BatchSubmission {
        BatchSubmission(
            batchID: id, owner: owner, metadata: ["user": owner ?? "", "team": "research"],
            hold: hold ? SavedBatchHold(id: "hold-\(id)", amount: USDAmount(picodollars: 1_234_567), ruleNames: ["daily"],
                                        task: "qa", metadata: ["user": owner ?? ""]) : nil,
            createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    /// The checks, on two registries sharing one store (two processes; the same one for memory).
    static func conformance(_ first: any BatchRegistry, _ second: any BatchRegistry) async throws {
        try await first.remember(submission("msgbatch_1", owner: "alice"))
        try await first.remember(submission("msgbatch_2", owner: nil, hold: false))
        // A second submission of the same id keeps the first.
        try await second.remember(submission("msgbatch_1", owner: "bob"))
        let found = try await second.submissions(["msgbatch_1", "msgbatch_2", "msgbatch_3"])
        #expect(Set(found.keys) == ["msgbatch_1", "msgbatch_2"])
        #expect(found["msgbatch_1"] == submission("msgbatch_1", owner: "alice"))
        #expect(found["msgbatch_2"] == submission("msgbatch_2", owner: nil, hold: false))
        #expect(try await first.submission("msgbatch_3") == nil)
        #expect(try await second.submissions([]).isEmpty)

        #expect(try await second.takeHold(batchID: "msgbatch_1") == submission("msgbatch_1", owner: "alice").hold)
        #expect(try await first.takeHold(batchID: "msgbatch_1") == nil)
        #expect(try await first.takeHold(batchID: "msgbatch_2") == nil)
        #expect(try await first.takeHold(batchID: "msgbatch_3") == nil)
        // The owner and metadata stay once the hold is taken.
        #expect(try await first.submission("msgbatch_1")?.owner == "alice")
        #expect(try await first.submission("msgbatch_1")?.hold == nil)
    }

    @Test("in memory")
    func inMemory() async throws {
        let registry = InMemoryBatchRegistry()
        try await Self.conformance(registry, registry)
    }

    @Test("SQLite: two registries on one ledger file (two processes, or one restarted)")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("batch-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let ledger = try SQLiteLedger(path: path)
        try await Self.conformance(try SQLiteBatchRegistry(path: path), try SQLiteBatchRegistry(path: path))
        // The ledger is untouched by the table beside it.
        #expect(try await ledger.schemaVersion() == 3)
        #expect(try await ledger.records(LedgerQuery()).isEmpty)
        try await ledger.close()
    }

    @Test("PostgreSQL: two registries on one database", .enabled(if: PostgresTestServer.shouldRun))
    func postgres() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        defer { Task { await PostgresTestServer.dropSchema(of: url) } }
        let ledgers = [try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout),
                       try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout)]
        try await Self.conformance(try await PostgresBatchRegistry(ledger: ledgers[0]),
                                   try await PostgresBatchRegistry(ledger: ledgers[1]))
        #expect(try await ledgers[0].schemaVersion() == 3)
        for ledger in ledgers { try await ledger.close() }
    }
}
