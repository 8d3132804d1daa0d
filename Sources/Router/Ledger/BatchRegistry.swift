public import Foundation
import Synchronization

/// What the submitter of a Message Batch knows about it that the API does not keep: who
/// submitted it, the metadata its results are recorded with, and its budget hold until the
/// results settle it.
public struct BatchSubmission: Sendable, Hashable, Codable {
    /// The API's batch id (`msgbatch_…`).
    public var batchID: String
    /// Who submitted it: an identity the submitter chooses (the gateway uses the caller's
    /// `user`), or `nil` when there was none (a gateway without keys).
    public var owner: String?
    /// The metadata every record of its results carries (the submitter's, as its budget hold
    /// was reserved under), whoever fetches the results.
    public var metadata: [String: String]
    /// The budget hold to settle when its results are recorded; `nil` once taken
    /// (``BatchRegistry/takeHold(batchID:)``) or when none was held.
    public var hold: SavedBatchHold?
    /// When it was submitted.
    public var createdAt: Date

    /// A submission.
    public init(batchID: String, owner: String?, metadata: [String: String], hold: SavedBatchHold?, createdAt: Date) {
        self.batchID = batchID
        self.owner = owner
        self.metadata = metadata
        self.hold = hold
        self.createdAt = createdAt
    }
}

/// Where submitted Message Batches are remembered (``BatchSubmission``), so that the process
/// that lists, reads or fetches a batch (after a restart, or another process sharing the
/// ledger) knows whose it is, records its results under its submitter's metadata and settles
/// its hold exactly once.
///
/// Implementations: ``InMemoryBatchRegistry`` (one process), ``SQLiteBatchRegistry`` (a table
/// in a SQLite file: every process on the host using it), and the PostgreSQL ledger's
/// (every process on every host sharing the database).
public protocol BatchRegistry: Sendable {
    /// Remembers a submission; a batch id already remembered keeps its first submission.
    /// - Throws: the store's own error (``LedgerError`` for SQLite and PostgreSQL).
    func remember(_ submission: BatchSubmission) async throws

    /// The submissions of those of `batchIDs` that are remembered, by batch id.
    /// - Throws: the store's own error.
    func submissions(_ batchIDs: [String]) async throws -> [String: BatchSubmission]

    /// The batch's budget hold, handed out once: the first caller gets it and it is forgotten
    /// (atomically, for every process sharing the store), later callers get `nil`.
    /// - Throws: the store's own error.
    func takeHold(batchID: String) async throws -> SavedBatchHold?
}

extension BatchRegistry {
    /// The submission of `batchID`, or `nil` when it is not remembered.
    /// - Throws: the store's own error.
    public func submission(_ batchID: String) async throws -> BatchSubmission? {
        try await submissions([batchID])[batchID]
    }
}

/// A ``BatchRegistry`` in this process's memory: forgotten at exit.
public final class InMemoryBatchRegistry: BatchRegistry {
    private let entries = Mutex<[String: BatchSubmission]>([:])

    /// An empty registry.
    public init() {}

    /// Remembers `submission` unless its batch id is already remembered.
    public func remember(_ submission: BatchSubmission) async throws {
        entries.withLock { entries in
            if entries[submission.batchID] == nil { entries[submission.batchID] = submission }
        }
    }

    /// The remembered submissions among `batchIDs`.
    public func submissions(_ batchIDs: [String]) async throws -> [String: BatchSubmission] {
        entries.withLock { entries in
            var found: [String: BatchSubmission] = [:]
            for id in batchIDs { if let entry = entries[id] { found[id] = entry } }
            return found
        }
    }

    /// The batch's hold, once.
    public func takeHold(batchID: String) async throws -> SavedBatchHold? {
        entries.withLock { entries in
            let hold = entries[batchID]?.hold
            entries[batchID]?.hold = nil
            return hold
        }
    }
}

/// A ``BatchRegistry`` in a SQLite file, table `batch_submissions` (created when missing, outside
/// the ledger's versioned schema, so the file stays readable by every version of the ledger):
/// shared by every process on the host that opens the same file, and kept across restarts. The
/// gateway keeps it in its SQLite ledger file (beside a JSON Lines ledger, in
/// `LEDGER.batches.sqlite`). Metadata and the hold are JSON text; the hold's amount is
/// picodollars, exact. Thread-safe: one connection behind a lock.
public final class SQLiteBatchRegistry: BatchRegistry {
    /// The file.
    public let path: String
    private let connection: Mutex<SQLiteConnection>

    /// Opens (creating if needed) the table in the SQLite file at `path`.
    /// - Throws: ``LedgerError`` (`sqlite`) when the file cannot be opened or the table created.
    public init(path: String) throws {
        self.path = path
        let db = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 5000)
        if path != ":memory:" { try db.execute("PRAGMA journal_mode = WAL;") }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS batch_submissions (
                batch_id TEXT NOT NULL PRIMARY KEY,
                owner TEXT,
                metadata TEXT NOT NULL DEFAULT '{}',
                hold TEXT,
                created_us INTEGER NOT NULL
            );
            """)
        connection = Mutex(db)
    }

    /// Remembers `submission` unless its batch id is already remembered.
    /// - Throws: ``LedgerError`` (`sqlite`, `encoding`).
    public func remember(_ submission: BatchSubmission) async throws {
        let metadata = try Self.text(submission.metadata)
        let hold = try submission.hold.map(Self.text)
        try connection.withLock { db throws(LedgerError) in
            let insert = try db.statement("""
                INSERT INTO batch_submissions (batch_id, owner, metadata, hold, created_us) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (batch_id) DO NOTHING
                """)
            insert.bind(submission.batchID, at: 1)
            insert.bind(submission.owner, at: 2)
            insert.bind(metadata, at: 3)
            insert.bind(hold, at: 4)
            insert.bind(LedgerRecord.microseconds(of: submission.createdAt), at: 5)
            try insert.run()
        }
    }

    /// The remembered submissions among `batchIDs`.
    /// - Throws: ``LedgerError`` (`sqlite`; `corruptRecord` for a row whose JSON does not decode).
    public func submissions(_ batchIDs: [String]) async throws -> [String: BatchSubmission] {
        let rows = try connection.withLock { db throws(LedgerError) -> [(String, String?, String, String?, Int64)] in
            let select = try db.statement(
                "SELECT batch_id, owner, metadata, hold, created_us FROM batch_submissions WHERE batch_id = ?1")
            var rows: [(String, String?, String, String?, Int64)] = []
            for id in Set(batchIDs) {
                select.reset()
                select.bind(id, at: 1)
                if try select.step() {
                    rows.append((select.string(0) ?? id, select.string(1), select.string(2) ?? "{}", select.string(3),
                                 select.int64(4) ?? 0))
                }
            }
            select.reset()
            return rows
        }
        var found: [String: BatchSubmission] = [:]
        for (id, owner, metadata, hold, created) in rows {
            found[id] = BatchSubmission(
                batchID: id, owner: owner, metadata: try Self.decode([String: String].self, metadata, id: id, place: path),
                hold: try hold.map { try Self.decode(SavedBatchHold.self, $0, id: id, place: path) },
                createdAt: LedgerRecord.microsecondDate(created))
        }
        return found
    }

    /// The batch's hold, once across every process using the file (read and cleared in one
    /// write transaction).
    /// - Throws: ``LedgerError`` (`sqlite`; `corruptRecord`).
    public func takeHold(batchID: String) async throws -> SavedBatchHold? {
        let text = try connection.withLock { db throws(LedgerError) -> String? in
            try db.execute("BEGIN IMMEDIATE")
            do throws(LedgerError) {
                let select = try db.statement("SELECT hold FROM batch_submissions WHERE batch_id = ?1")
                select.bind(batchID, at: 1)
                let hold = try select.step() ? select.string(0) : nil
                select.reset()
                if hold != nil {
                    let clear = try db.statement("UPDATE batch_submissions SET hold = NULL WHERE batch_id = ?1")
                    clear.bind(batchID, at: 1)
                    try clear.run()
                }
                try db.execute("COMMIT")
                return hold
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
        return try text.map { try Self.decode(SavedBatchHold.self, $0, id: batchID, place: path) }
    }

    /// `value` as compact JSON text with sorted keys (a submission's metadata or hold column).
    /// - Throws: ``LedgerError`` `encoding`.
    package static func text<Value: Encodable>(_ value: Value) throws(LedgerError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw LedgerError(code: .encoding, message: "cannot encode a batch submission: \(error)", file: nil)
        }
    }

    /// Decodes a stored JSON column.
    /// - Throws: ``LedgerError`` `corruptRecord` naming the batch.
    package static func decode<Value: Decodable>(_ type: Value.Type, _ text: String, id: String,
                                                 place: String?) throws(LedgerError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw LedgerError(code: .corruptRecord, message: "batch submission \(id): \(error)", file: place)
        }
    }
}
