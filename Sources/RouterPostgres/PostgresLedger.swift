import Foundation
public import Logging
import PostgresNIO
public import Router

/// A ``CostLedger`` in a PostgreSQL database shared by many processes on many hosts (the fleet:
/// several gateways or app instances behind a load balancer), on postgres-nio's connection pool.
///
/// - Schema: versioned (`schema_migrations`), migrated at open in one transaction under an
///   advisory lock, so any number of processes may open a new database at once.
/// - Writes are idempotent on ``LedgerRecord/id`` (`ON CONFLICT (id) DO NOTHING`), and the
///   INSERT that writes an attempt also settles its budget reservation (``PostgresBudgetStore``)
///   in the same statement: the ledger's sum and the budgets' accounting cannot disagree.
/// - Durable mode: `record` returns after the record's INSERT has committed (PostgreSQL's
///   `synchronous_commit` decides what "committed" means; its default waits for the WAL flush).
///   Concurrent callers use separate pooled connections, so their commits overlap.
/// - Batched mode: records queue in this process and are written together, one multi-row INSERT
///   per batch, when `maxRecords` are queued or `maxDelay` after the first. The durability
///   window is that queue: a crash (`kill -9`, power loss of this host) loses at most the records
///   queued in the last `maxDelay` (or `maxRecords`); `flush()`/`close()` write them all.
/// - The server unreachable: every operation fails within ``operationTimeout`` with
///   ``LedgerError`` `database_unavailable` (budgets therefore fail closed). With
///   ``UnavailablePolicy/queue`` a record that cannot be written is kept in memory and retried
///   with backoff (recording fails open; the call goes on) — `flush()`/`close()` still report
///   records they could not write. A record already committed is never lost: it is in the database.
public final class PostgresLedger: CostLedger {
    /// What `record` does when the database cannot be reached.
    public enum UnavailablePolicy: Sendable, Hashable {
        /// Throw ``LedgerError`` `database_unavailable` (the default): the caller knows the
        /// record is not stored.
        case fail
        /// Keep the record in memory and retry with backoff until the database is back; `record`
        /// returns at once (recording fails open). Lost only if this process dies first.
        case queue
    }

    /// The database, with the password redacted when printed.
    public let url: PostgresURL
    /// When `record` considers a record written.
    public let durability: LedgerDurability
    /// What happens to a record when the database is unreachable.
    public let whenUnavailable: UnavailablePolicy
    let store: PostgresStore
    let writer: PostgresLedgerWriter

    /// Connects (the pool opens connections on demand and reconnects with backoff) and
    /// migrates the schema to the latest version.
    /// - Parameters:
    ///   - url: a `postgres://` or `postgresql://` URL (``PostgresURL``).
    ///   - durability: default ``LedgerDurability/durable``.
    ///   - whenUnavailable: default ``UnavailablePolicy/fail``.
    ///   - operationTimeout: how long one write, read or budget operation may wait for the
    ///     server; default 10 seconds.
    ///   - logger: postgres-nio's background log (connection errors); never sees the password.
    /// - Throws: ``PostgresURLError``; ``LedgerError``: `database_unavailable` (the server could
    ///   not be reached within `operationTimeout`; the message gives the last attempt's reason,
    ///   e.g. "Connection refused"), `database_access_denied` (a refused password or role, at
    ///   once), `postgres` (another server error such as a missing database, SQLSTATE 3D000),
    ///   `unsupportedSchema`, `io` for a batch size below 1.
    public init(url: String, durability: LedgerDurability = .durable, whenUnavailable: UnavailablePolicy = .fail,
                operationTimeout: Duration = .seconds(10),
                logger: Logger = Logger(label: "claude-router.postgres")) async throws {
        let parsed = try PostgresURL(url)
        if case .batched(let maxRecords, _) = durability, maxRecords < 1 {
            throw LedgerError(code: .io, message: "a batch must hold at least 1 record", file: "\(parsed)")
        }
        self.url = parsed
        self.durability = durability
        self.whenUnavailable = whenUnavailable
        store = PostgresStore(url: parsed, operationTimeout: operationTimeout, logger: logger)
        writer = PostgresLedgerWriter(store: store, durability: durability)
        do {
            let place = "\(parsed)"
            // Reachable, and are the credentials good? Told at once for a refused password or a
            // missing database; a server that refuses connections is retried within one
            // operation's timeout (it may be starting).
            try await store.checkReachable("connecting")
            // Openers of one new database wait for each other's migrations (the advisory lock),
            // so the migration may take longer than one operation.
            try await store.run("migrating the schema", timeout: max(operationTimeout, .seconds(60))) { client in
                try await client.withConnection { connection in
                    try await PostgresLedgerSchema.migrate(connection, schema: parsed.schema, logger: logger, place: place)
                }
            }
        } catch {
            store.shutdown()
            throw error
        }
    }

    /// Opens the ledger with the durability, unavailability policy and timeout the URL's query
    /// names (``PostgresURL``): what the CLI and the gateway do with a `postgres://` ledger argument.
    /// - Throws: as ``init(url:durability:whenUnavailable:operationTimeout:logger:)``.
    public static func open(url: String, logger: Logger = Logger(label: "claude-router.postgres")) async throws
        -> PostgresLedger {
        let parsed = try PostgresURL(url)
        return try await PostgresLedger(url: url, durability: parsed.durability,
                                        whenUnavailable: parsed.queueWhenUnavailable ? .queue : .fail,
                                        operationTimeout: parsed.operationTimeout, logger: logger)
    }

    /// How long one operation may wait for the server before failing as unavailable.
    public var operationTimeout: Duration { store.operationTimeout }

    /// Writes one record: durable mode returns once its INSERT has committed; batched mode queues it.
    /// - Throws: ``LedgerError`` (`closed`, `encoding`, `postgres`, `database_unavailable` unless
    ///   ``whenUnavailable`` is ``UnavailablePolicy/queue``).
    public func record(_ record: LedgerRecord) async throws {
        try PostgresLedgerColumns.validate(record)
        let metadata = try PostgresLedgerColumns.metadataText(record)
        let entry = PostgresLedgerWriter.Entry(record: record, metadata: metadata)
        switch durability {
        case .batched:
            try await writer.enqueue(entry)
        case .durable:
            try await writer.checkOpen()
            do {
                try await writer.write([entry])
            } catch let error as LedgerError where error.code == .unavailable && whenUnavailable == .queue {
                store.logger.warning("ledger record queued until PostgreSQL is reachable",
                                     metadata: ["record": "\(record.id)", "error": "\(error)"])
                try await writer.enqueue(entry, retrying: true)
            }
        }
    }

    /// Writes anything queued, then reads the records matching `query` (ordered by time, ties
    /// by insertion order).
    /// - Throws: ``LedgerError`` (`closed`, `postgres`, `database_unavailable`, `corruptRecord`).
    public func records(_ query: LedgerQuery) async throws -> [LedgerRecord] {
        try await writer.flush()
        let place = "\(url)"
        let logger = store.logger
        return try await store.run("reading records") { client in
            var result: [LedgerRecord] = []
            for try await row in try await client.query(PostgresLedgerColumns.selectQuery(query), logger: logger) {
                result.append(try PostgresLedgerColumns.decode(row, place: place))
            }
            return result
        }
    }

    /// Writes every queued record.
    /// - Throws: ``LedgerError`` (`closed`, or the write's error; the records stay queued).
    public func flush() async throws { try await writer.flush() }

    /// Writes every queued record and closes the pool. Idempotent. When the queue cannot be
    /// written it throws and the records are lost with the process (the error says how many).
    /// - Throws: ``LedgerError`` `batchCommitFailed`.
    public func close() async throws {
        defer { store.shutdown() }
        try await writer.close()
    }

    /// Records that could not be written on the first try since the ledger was opened.
    public var failedWrites: Int {
        get async { await writer.failedWrites }
    }

    /// Records queued and not yet written.
    public var queuedRecords: Int {
        get async { await writer.queued }
    }

    /// The schema version of the database (`schema_migrations`).
    /// - Throws: ``LedgerError``.
    public func schemaVersion() async throws -> Int {
        let logger = store.logger
        return try await store.run("reading the schema version") { client in
            try await PostgresLedgerSchema.version(client, logger: logger)
        }
    }
}
