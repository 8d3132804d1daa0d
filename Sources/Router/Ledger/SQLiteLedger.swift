import Dispatch
import Foundation

/// A ledger in a SQLite database file (the system `libsqlite3`), in WAL mode with
/// `synchronous=FULL`, so a committed record survives a process crash or power loss.
///
/// Writes go through the shared ``LedgerWriter``: every use of the SQLite handle runs on its
/// serial queue (SQLite handles must not be used concurrently, and blocking fsync stays off
/// Swift's cooperative thread pool). Writes are idempotent on the record id.
///
/// Durable mode uses group commit: records that arrive while a transaction is being synced are
/// committed together in the next one, and each `record` call returns only after the
/// transaction holding its record has committed. One writer pays one fsync per record; 64
/// concurrent writers share them instead of queueing behind 64 separate fsyncs.
public final class SQLiteLedger: CostLedger {
    /// The database file.
    public let path: String
    /// When `record` considers a record written.
    public let durability: LedgerDurability
    /// Queueing, group commit, batching and deferred errors.
    let writer: LedgerWriter<SQLiteStorage>

    /// Opens (creating if needed) the ledger at `path` and migrates its schema to the latest version.
    /// - Parameters:
    ///   - durability: default ``LedgerDurability/durable``.
    ///   - busyTimeout: how long a write waits for another process's lock; default 5 seconds.
    /// - Throws: ``LedgerError`` (`sqlite`, `unsupportedSchema`, `io` for a bad batch size).
    public convenience init(path: String, durability: LedgerDurability = .durable,
                            busyTimeout: Duration = .seconds(5)) throws {
        try self.init(path: path, durability: durability, busyTimeout: busyTimeout,
                      schemaVersion: SQLiteLedgerSchema.latestVersion)
    }

    /// The designated init. `schemaVersion` below the latest builds an old file (migration
    /// tests); `instrumentation` is the test injection point of ``LedgerWriter``.
    package init(path: String, durability: LedgerDurability, busyTimeout: Duration, schemaVersion: Int,
                 instrumentation: LedgerWriterInstrumentation? = nil) throws(LedgerError) {
        self.path = path
        self.durability = durability
        let db = try SQLiteConnection(path: path, busyTimeoutMilliseconds: Int32(clamping: busyTimeout.whole(.milliseconds(1))))
        // WAL: readers never block the writer and a commit is one append + fsync of the log.
        // FULL: the WAL is synced at every commit, so a committed record survives power loss.
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        try SQLiteLedgerSchema.migrate(db, to: schemaVersion)
        let settlesReservations = Int(try db.integer("PRAGMA user_version")) >= SQLiteLedgerSchema.budgetVersion
        writer = try LedgerWriter(storage: SQLiteStorage(connection: db, settlesReservations: settlesReservations), path: path, durability: durability,
                                  instrumentation: instrumentation)
    }

    /// Writes one record: durable mode returns once its commit (shared with concurrent
    /// writers) is on disk; batched mode queues it.
    /// - Throws: ``LedgerError`` (`closed`, `encoding`, the commit's error, or an earlier batch's
    ///   `batchCommitFailed`).
    public func record(_ record: LedgerRecord) async throws { try await writer.record(record) }

    /// Commits anything queued, then reads the records matching `query`.
    /// - Throws: ``LedgerError`` (`closed`, or a read/decoding error naming the place).
    public func records(_ query: LedgerQuery) async throws -> [LedgerRecord] { try await writer.records(query) }

    /// Commits every queued record.
    /// - Throws: ``LedgerError`` (`closed`, or an earlier batch's `batchCommitFailed`).
    public func flush() async throws { try await writer.flush() }

    /// Commits queued records and closes the database. Idempotent.
    public func close() async throws { try await writer.close() }

    /// Records that could not be written since the ledger was opened (batched and durable mode).
    public var failedWrites: Int {
        get async { await writer.failedWrites }
    }

    /// The schema version of the open database (`PRAGMA user_version`); for migration tests.
    /// - Throws: ``LedgerError`` (`closed`, `sqlite`).
    package func schemaVersion() async throws -> Int {
        try await writer.withStorage { storage throws(LedgerError) in
            Int(try storage.connection.integer("PRAGMA user_version"))
        }
    }
}

/// The `ledger` table as a ``LedgerStorage``: a batch is one `BEGIN IMMEDIATE … COMMIT`.
///
/// From schema 3 on, the transaction that inserts a record also settles the budget reservation
/// with the record's id (``SQLiteBudgetStore``), so the ledger's sum and the budgets' accounting
/// can never disagree, not even after a crash between the two.
///
/// Confined to its writer's queue (``LedgerStorage``); the handle closes when this is released.
final class SQLiteStorage: LedgerStorage {
    let connection: SQLiteConnection
    /// Whether the file has the `budget_reservations` table (schema 3 and later).
    let settlesReservations: Bool

    init(connection: SQLiteConnection, settlesReservations: Bool = false) {
        self.connection = connection
        self.settlesReservations = settlesReservations
    }

    static func entry(for record: LedgerRecord) -> LedgerRecord { record }

    func append(_ batch: [LedgerRecord]) throws(LedgerError) -> [Int: LedgerError] {
        try Self.commit(batch, to: connection, settlingReservations: settlesReservations)
    }

    func records(_ query: LedgerQuery) throws(LedgerError) -> [LedgerRecord] {
        let (sql, bindings) = SQLiteLedger.selectSQL(for: query)
        let statement = try connection.statement(sql)
        defer { statement.reset() }
        for (offset, binding) in bindings.enumerated() {
            switch binding {
            case .integer(let value): statement.bind(value, at: Int32(offset + 1))
            case .text(let value): statement.bind(value, at: Int32(offset + 1))
            }
        }
        var result: [LedgerRecord] = []
        while try statement.step() {
            result.append(try SQLiteLedger.decodeRow(statement, file: connection.path))
        }
        return result
    }

    /// Writes `batch` in one transaction. A record the database rejects (a constraint) is skipped
    /// and returned by its index in `batch`; the others commit. Throws when the transaction itself
    /// fails (nothing written).
    @discardableResult
    private static func commit(_ batch: [LedgerRecord], to db: SQLiteConnection,
                               settlingReservations: Bool) throws(LedgerError) -> [Int: LedgerError] {
        try db.execute("BEGIN IMMEDIATE")
        var rejected: [Int: LedgerError] = [:]
        do throws(LedgerError) {
            for (index, record) in batch.enumerated() {
                do {
                    try SQLiteLedger.insert(record, into: db)
                    if settlingReservations { try SQLiteBudgetStore.settle(reservationOf: record, in: db) }
                } catch where error.sqliteResultCode.map(isConstraint) ?? false {
                    // A failed statement rolls back only itself; the transaction goes on.
                    rejected[index] = error
                }
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
        return rejected
    }

    private static func isConstraint(_ code: Int32) -> Bool { code & 0xFF == 19 } // SQLITE_CONSTRAINT
}
