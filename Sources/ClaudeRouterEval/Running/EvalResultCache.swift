internal import CSQLite
import Foundation
import Synchronization

/// The eval result cache: finished routed calls, keyed by everything that decides their
/// result, in one SQLite file, so a rerun of an unchanged case reuses its answer instead of
/// paying for it again. It also remembers each run (`eval_runs`) so `eval --resume` can tell an
/// interrupted run from a finished one.
///
/// Only successful replies that were not cut short are stored (never an error, never
/// `stop_reason: max_tokens`). Writes are best-effort: a cache that cannot be written costs
/// money on the next run, never a wrong result, so write failures are counted, not thrown.
///
/// Thread safety: `@unchecked Sendable` because the one `sqlite3*` handle is only used inside
/// `lock` (a SQLite handle must not be used from two threads at once).
package final class EvalResultCache: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: OpaquePointer
    /// The cache file.
    package let path: String
    private let failedWrites = Mutex(0)

    /// An error opening the cache, with the file and SQLite's message.
    package struct CacheError: Error, CustomStringConvertible {
        /// Stable code: `eval_cache_unusable` (cannot open, or not a cache; nothing was read).
        package var code = "eval_cache_unusable"
        /// `error: eval cache 'PATH': MESSAGE`.
        package var description: String

        /// An error with `description`.
        package init(description: String) { self.description = description }
    }

    /// Opens (creating if needed) the cache at `path`.
    /// - Throws: `CacheError` when the file cannot be opened or is not a cache.
    package init(path: String) throws(CacheError) {
        var db: OpaquePointer?
        let status = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            if let db { sqlite3_close_v2(db) }
            throw CacheError(description: "error: eval cache '\(path)': cannot open: \(message)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 5_000)
        let schema = """
        PRAGMA journal_mode=WAL;
        CREATE TABLE IF NOT EXISTS eval_results(
          key TEXT PRIMARY KEY, case_id TEXT NOT NULL, variant TEXT NOT NULL, model TEXT,
          created_at TEXT NOT NULL, entry TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS eval_runs(
          run_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, started_at TEXT NOT NULL,
          finished INTEGER NOT NULL DEFAULT 0, cases INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS eval_runs_by_fingerprint ON eval_runs(fingerprint, started_at);
        """
        if let message = Self.exec(db, schema) {
            sqlite3_close_v2(db)
            throw CacheError(description: "error: eval cache '\(path)': \(message)")
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Writes that failed so far (a full disk, a read-only file).
    package var writeFailures: Int { failedWrites.withLock { $0 } }

    /// The stored result for `key`, or nil (a missing or unreadable entry is a miss).
    package func result(for key: String) -> CachedResult? {
        lock.withLock {
            guard let text = query("SELECT entry FROM eval_results WHERE key = ?1", [key]).first?.first ?? nil else { return nil }
            return try? JSONDecoder().decode(CachedResult.self, from: Data(text.utf8))
        }
    }

    /// Stores `result` under `key` (replacing any older entry).
    package func store(_ result: CachedResult, key: String, caseID: String, variant: String) {
        guard let data = try? JSONEncoder().encode(result) else { return }
        let ok = lock.withLock {
            run("INSERT OR REPLACE INTO eval_results(key, case_id, variant, model, created_at, entry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                [key, caseID, variant, result.model, Self.now(), String(decoding: data, as: UTF8.self)])
        }
        if !ok { failedWrites.withLock { $0 += 1 } }
    }

    /// A run recorded by `beginRun`: its id, when it started and whether it finished.
    package struct RunRecord: Sendable, Hashable {
        /// A UUID.
        package var runID: String
        /// ISO 8601 UTC.
        package var startedAt: String
        /// Whether every case ran (no interruption, no fatal error).
        package var finished: Bool
    }

    /// The latest run of the same cases under the same policies (`fingerprint`), if any.
    package func latestRun(fingerprint: String) -> RunRecord? {
        lock.withLock {
            guard let row = query("SELECT run_id, started_at, finished FROM eval_runs WHERE fingerprint = ?1 "
                                  + "ORDER BY started_at DESC, rowid DESC LIMIT 1", [fingerprint]).first,
                  row.count == 3, let id = row[0], let started = row[1] else { return nil }
            return RunRecord(runID: id, startedAt: started, finished: row[2] == "1")
        }
    }

    /// Records the start of a run of `cases` calls; returns its id.
    package func beginRun(fingerprint: String, cases: Int) -> String {
        let id = UUID().uuidString
        let ok = lock.withLock {
            run("INSERT INTO eval_runs(run_id, fingerprint, started_at, finished, cases) VALUES (?1, ?2, ?3, 0, ?4)",
                [id, fingerprint, Self.now(), String(cases)])
        }
        if !ok { failedWrites.withLock { $0 += 1 } }
        return id
    }

    /// Marks run `id` finished (every case ran).
    package func finishRun(_ id: String) {
        let ok = lock.withLock { run("UPDATE eval_runs SET finished = 1 WHERE run_id = ?1", [id]) }
        if !ok { failedWrites.withLock { $0 += 1 } }
    }

    /// Entries stored (for messages and tests).
    package var count: Int {
        lock.withLock { Int(query("SELECT count(*) FROM eval_results", []).first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0) }
    }

    // MARK: SQLite

    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    private static func exec(_ db: OpaquePointer, _ sql: String) -> String? {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(message)
            return text
        }
        return nil
    }

    /// Rows of text columns (NULL as nil); empty on any error. Call inside `lock`.
    private func query(_ sql: String, _ bindings: [String?]) -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { return [] }
        defer { sqlite3_finalize(statement) }
        bind(statement, bindings)
        var rows: [[String?]] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) }
            })
        }
        return rows
    }

    /// Runs a statement without rows; whether it succeeded. Call inside `lock`.
    private func run(_ sql: String, _ bindings: [String?]) -> Bool {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { return false }
        defer { sqlite3_finalize(statement) }
        bind(statement, bindings)
        return sqlite3_step(statement) == SQLITE_DONE
    }

    private func bind(_ statement: OpaquePointer, _ bindings: [String?]) {
        for (index, value) in bindings.enumerated() {
            if let value {
                sqlite3_bind_text(statement, Int32(index + 1), value, -1, cr_sqlite_transient())
            } else {
                sqlite3_bind_null(statement, Int32(index + 1))
            }
        }
    }
}
