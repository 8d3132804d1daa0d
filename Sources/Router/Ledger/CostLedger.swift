public import Foundation

/// Where routed calls' costs are written: one ``LedgerRecord`` per attempt.
///
/// Implementations are idempotent on ``LedgerRecord/id`` (writing a record twice keeps the first)
/// and never drop a record silently: a write that fails reaches the caller as an error (or,
/// in batched mode, the next call and a counter).
public protocol CostLedger: Sendable {
    /// Writes one record. In durable mode it returns only once the record is on disk.
    func record(_ record: LedgerRecord) async throws
    /// Records matching `query`, ordered by time (ties by insertion order).
    func records(_ query: LedgerQuery) async throws -> [LedgerRecord]
    /// Commits every queued record.
    func flush() async throws
    /// Commits every queued record and releases the storage; later writes fail with ``LedgerError/closed``.
    func close() async throws
}

/// Which records to read back from a ledger. Every filter is optional; all given filters must match.
public struct LedgerQuery: Sendable, Hashable {
    /// Records at or after this time.
    public var since: Date?
    /// Records strictly before this time.
    public var until: Date?
    /// Only this task type.
    public var task: String?
    /// Only this model id.
    public var model: String?
    /// Only this variant.
    public var variant: String?
    /// At most this many records (after ordering).
    public var limit: Int?
    /// Newest first instead of oldest first (with `limit`: the latest N).
    public var newestFirst: Bool

    /// A query; the default matches every record, oldest first.
    public init(since: Date? = nil, until: Date? = nil, task: String? = nil, model: String? = nil,
                variant: String? = nil, limit: Int? = nil, newestFirst: Bool = false) {
        self.since = since
        self.until = until
        self.task = task
        self.model = model
        self.variant = variant
        self.limit = limit
        self.newestFirst = newestFirst
    }

    /// Every record.
    public static let all = LedgerQuery()

    /// Whether `record` passes the filters (not `limit`).
    public func matches(_ record: LedgerRecord) -> Bool {
        if let since, record.time < since { return false }
        if let until, record.time >= until { return false }
        if let task, record.task != task { return false }
        if let model, record.model != model { return false }
        if let variant, record.variant != variant { return false }
        return true
    }

    /// Filters, orders and limits records already in insertion order.
    package func apply(to records: [LedgerRecord]) -> [LedgerRecord] {
        // A stable sort keeps insertion order among equal times.
        var result = records.enumerated().filter { matches($0.element) }
            .sorted { $0.element.time != $1.element.time ? $0.element.time < $1.element.time : $0.offset < $1.offset }
            .map(\.element)
        if newestFirst { result.reverse() }
        if let limit { result = Array(result.prefix(max(0, limit))) }
        return result
    }
}

/// When a ledger's `record` call considers a record written.
public enum LedgerDurability: Sendable, Hashable {
    /// `record` returns only after the record's own transaction (or fsync) has completed. The default.
    case durable
    /// Records queue in memory and are committed together, in one transaction (one fsync), when
    /// `maxRecords` are queued or `maxDelay` after the first queued one, whichever is first.
    /// The loss window on a crash is the current unflushed batch; `flush()`/`close()` commit
    /// everything, so a clean shutdown loses nothing.
    case batched(maxRecords: Int, maxDelay: Duration)
}

/// A ledger failure, with a stable ``code`` to match on.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The ledger was closed.
        public static let closed = Code("closed")
        /// SQLite returned an error (see ``LedgerError/sqliteResultCode``).
        public static let sqlite = Code("sqlite")
        /// A file could not be opened, written or synced.
        public static let io = Code("io")
        /// A stored record could not be decoded; ``LedgerError/file`` and ``LedgerError/line`` say where.
        public static let corruptRecord = Code("corrupt_record")
        /// A record could not be encoded.
        public static let encoding = Code("encoding")
        /// An earlier batch (batched mode) failed to commit; the message says how many records.
        public static let batchCommitFailed = Code("batch_commit_failed")
        /// The database was written by a newer version of this library (unknown schema version).
        public static let unsupportedSchema = Code("unsupported_schema")
        /// The PostgreSQL server returned an error (a constraint, a failed statement); the message
        /// carries its SQLSTATE, never the connection password.
        public static let postgres = Code("postgres")
        /// The database could not be reached in time (connection refused, timed out, pool closed):
        /// nothing was written by the failed call; a budget reservation fails closed.
        public static let unavailable = Code("database_unavailable")
        /// The database refused the credentials or the role lacks a privilege it needs (for
        /// PostgreSQL, SQLSTATE class 28 or 42501); retrying will not help.
        public static let accessDenied = Code("database_access_denied")
        /// A report's or the cost levers' sum passed the 64-bit range (picodollars or tokens), or
        /// is negative where no record of this library's can make it so; the SQL ledgers report
        /// an overflow inside the database as their own `sqlite` or `postgres` error.
        public static let overflow = Code("integer_overflow")
        public var description: String { name }
    }

    /// What went wrong, stable for matching.
    public var code: Code
    /// A human-readable explanation (never contains prompt or response text).
    public var message: String
    /// The file involved, when there is one.
    public var file: String?
    /// The 1-based line of a corrupt JSON-lines record.
    public var line: Int?
    /// The SQLite result code, for ``Code/sqlite`` errors.
    public var sqliteResultCode: Int32?

    /// Creates an error.
    public init(code: Code, message: String, file: String? = nil, line: Int? = nil, sqliteResultCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.sqliteResultCode = sqliteResultCode
    }

    public var description: String {
        var place = ""
        if let file { place = line.map { "\(file):\($0): " } ?? "\(file): " }
        return "\(place)ledger error (\(code)): \(message)"
    }
}
