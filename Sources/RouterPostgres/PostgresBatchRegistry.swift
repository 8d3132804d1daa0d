import Foundation
import Logging
import PostgresNIO
public import Router

/// A ``BatchRegistry`` in the PostgreSQL ledger's database, table `batch_submissions`: every
/// gateway and process sharing the database knows every batch any of them submitted, whose it
/// is, and hands its budget hold out once (an `UPDATE … RETURNING` on the locked row).
///
/// The table is created when missing by the first registry opened on the database (under the
/// ledger's migration lock, so openers never race), outside the ledger's versioned schema: a
/// database that has it still opens with every version of the ledger.
public final class PostgresBatchRegistry: BatchRegistry {
    let store: PostgresStore
    let place: String

    /// The registry in `ledger`'s database (and schema), creating its table when missing.
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`).
    public init(ledger: PostgresLedger) async throws {
        store = ledger.store
        place = "\(ledger.url)"
        let (logger, schema) = (store.logger, ledger.url.schema ?? "public")
        try await store.run("creating the batch table") { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresLedgerSchema.advisoryLockClass), hashtext(\(schema)))",
                    logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS batch_submissions (
                        batch_id TEXT NOT NULL PRIMARY KEY,
                        owner TEXT,
                        metadata TEXT NOT NULL DEFAULT '{}',
                        hold TEXT,
                        created_us BIGINT NOT NULL
                    )
                    """, logger: logger)
            }
        }
    }

    /// Remembers `submission` unless its batch id is already remembered.
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`, `encoding`).
    public func remember(_ submission: BatchSubmission) async throws {
        let metadata = try SQLiteBatchRegistry.text(submission.metadata)
        let hold = try submission.hold.map { hold throws(LedgerError) in try SQLiteBatchRegistry.text(hold) }
        let created = LedgerRecord.microseconds(of: submission.createdAt)
        let logger = store.logger
        _ = try await store.run("remembering a batch") { client in
            try await client.query("""
                INSERT INTO batch_submissions (batch_id, owner, metadata, hold, created_us)
                VALUES (\(submission.batchID), \(submission.owner), \(metadata), \(hold), \(created))
                ON CONFLICT (batch_id) DO NOTHING
                """, logger: logger)
        }
    }

    /// The remembered submissions among `batchIDs` (one query).
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`, `corruptRecord`).
    public func submissions(_ batchIDs: [String]) async throws -> [String: BatchSubmission] {
        guard !batchIDs.isEmpty else { return [:] }
        let ids = Array(Set(batchIDs))
        let logger = store.logger
        let rows = try await store.run("reading batches") { client in
            var rows: [(String, String?, String, String?, Int64)] = []
            for try await row in try await client.query("""
                SELECT batch_id, owner, metadata, hold, created_us FROM batch_submissions WHERE batch_id = ANY(\(ids))
                """, logger: logger).decode((String, String?, String, String?, Int64).self) {
                rows.append(row)
            }
            return rows
        }
        var found: [String: BatchSubmission] = [:]
        for (id, owner, metadata, hold, created) in rows {
            found[id] = BatchSubmission(
                batchID: id, owner: owner,
                metadata: try SQLiteBatchRegistry.decode([String: String].self, metadata, id: id, place: place),
                hold: try hold.map { text throws(LedgerError) in
                    try SQLiteBatchRegistry.decode(SavedBatchHold.self, text, id: id, place: place)
                },
                createdAt: LedgerRecord.microsecondDate(created))
        }
        return found
    }

    /// The batch's hold, once across every process sharing the database.
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`, `corruptRecord`).
    public func takeHold(batchID: String) async throws -> SavedBatchHold? {
        let logger = store.logger
        let text = try await store.run("taking a batch hold") { client in
            var taken: String?
            for try await hold in try await client.query("""
                UPDATE batch_submissions AS b SET hold = NULL
                FROM (SELECT batch_id, hold FROM batch_submissions
                      WHERE batch_id = \(batchID) AND hold IS NOT NULL FOR UPDATE) AS old
                WHERE b.batch_id = old.batch_id
                RETURNING old.hold
                """, logger: logger).decode(String.self) {
                taken = hold
            }
            return taken
        }
        return try text.map { text throws(LedgerError) in
            try SQLiteBatchRegistry.decode(SavedBatchHold.self, text, id: batchID, place: place)
        }
    }
}
