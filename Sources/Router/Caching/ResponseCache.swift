public import Foundation
public import RouterPolicies
import Synchronization

/// Stored replies for repeated questions (a task's `response_cache:` in the policy), in a
/// SQLite file of their own beside the ledger: table `response_cache`, one row per key.
///
/// A row holds the reply's JSON exactly as the API sent it, its expiry, and what the call that
/// made it cost (every attempt, escalations included), which a hit reports as avoided. Expired
/// rows are never served and are deleted as they are met. Thread-safe: one connection behind a
/// lock (a SQLite handle must not be used from two threads at once).
public final class ResponseCache: Sendable {
    /// One stored reply.
    public struct Entry: Sendable, Hashable {
        /// The reply's JSON as the API sent it (or as the client encoded it).
        public var messageJSON: Data
        /// What the call that made the reply cost, all attempts; `nil` when an attempt was unpriced.
        public var cost: USDAmount?
        /// The model that answered.
        public var model: String
        /// The tier it ran on.
        public var tier: String
        /// When it was stored.
        public var storedAt: Date
        /// When it stops being served.
        public var expiresAt: Date

        /// An entry.
        public init(messageJSON: Data, cost: USDAmount?, model: String, tier: String, storedAt: Date, expiresAt: Date) {
            self.messageJSON = messageJSON
            self.cost = cost
            self.model = model
            self.tier = tier
            self.storedAt = storedAt
            self.expiresAt = expiresAt
        }
    }

    /// The file (`:memory:` for a cache that lives only as long as this object).
    public let path: String
    private let connection: Mutex<SQLiteConnection>

    /// Opens (creating if needed) the cache file at `path`.
    /// - Throws: ``LedgerError`` (`sqlite`) when the file cannot be opened or its table created.
    public init(path: String) throws {
        self.path = path
        let db = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 5000)
        if path != ":memory:" { try db.execute("PRAGMA journal_mode = WAL;") }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS response_cache (
                key TEXT NOT NULL PRIMARY KEY,
                task TEXT NOT NULL,
                model TEXT NOT NULL,
                tier TEXT NOT NULL,
                message_json BLOB NOT NULL,
                cost INTEGER,
                stored_us INTEGER NOT NULL,
                expires_us INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS response_cache_expiry ON response_cache (expires_us);
            """)
        connection = Mutex(db)
    }

    /// The reply stored under `key` that is still fresh at `now`, or `nil`. An expired row is deleted.
    /// - Throws: ``LedgerError`` (`sqlite`).
    public func lookup(key: String, now: Date) throws -> Entry? {
        try connection.withLock { db throws(LedgerError) -> Entry? in
            let select = try db.statement(
                "SELECT message_json, cost, model, tier, stored_us, expires_us FROM response_cache WHERE key = ?1")
            defer { select.reset() }
            select.bind(key, at: 1)
            guard try select.step() else { return nil }
            let expires = select.int64(5) ?? 0
            guard expires > LedgerRecord.microseconds(of: now) else {
                select.reset()
                let delete = try db.statement("DELETE FROM response_cache WHERE key = ?1")
                delete.bind(key, at: 1)
                try delete.run()
                return nil
            }
            return Entry(messageJSON: Data((select.string(0) ?? "").utf8),
                         cost: select.int64(1).map(USDAmount.init(picodollars:)), model: select.string(2) ?? "",
                         tier: select.string(3) ?? "", storedAt: LedgerRecord.microsecondDate(select.int64(4) ?? 0),
                         expiresAt: LedgerRecord.microsecondDate(expires))
        }
    }

    /// Stores (or replaces) the reply under `key` for `task`.
    /// - Throws: ``LedgerError`` (`sqlite`).
    public func store(_ entry: Entry, key: String, task: String) throws {
        try connection.withLock { db throws(LedgerError) in
            let insert = try db.statement("""
                INSERT OR REPLACE INTO response_cache (key, task, model, tier, message_json, cost, stored_us, expires_us)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """)
            insert.bind(key, at: 1)
            insert.bind(task, at: 2)
            insert.bind(entry.model, at: 3)
            insert.bind(entry.tier, at: 4)
            insert.bind(String(decoding: entry.messageJSON, as: UTF8.self), at: 5)
            insert.bind(entry.cost?.picodollars, at: 6)
            insert.bind(LedgerRecord.microseconds(of: entry.storedAt), at: 7)
            insert.bind(LedgerRecord.microseconds(of: entry.expiresAt), at: 8)
            try insert.run()
        }
    }

    /// Deletes every row expired at `now`; returns how many.
    /// - Throws: ``LedgerError`` (`sqlite`).
    @discardableResult
    public func purgeExpired(now: Date) throws -> Int {
        try connection.withLock { db throws(LedgerError) -> Int in
            let delete = try db.statement("DELETE FROM response_cache WHERE expires_us <= ?1")
            delete.bind(LedgerRecord.microseconds(of: now), at: 1)
            try delete.run()
            return db.changes
        }
    }

    /// Rows stored (fresh or not yet purged).
    /// - Throws: ``LedgerError`` (`sqlite`).
    public func count() throws -> Int {
        try connection.withLock { db throws(LedgerError) -> Int in Int(try db.integer("SELECT COUNT(*) FROM response_cache")) }
    }
}
