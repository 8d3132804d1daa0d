import Dispatch
import Foundation

/// A ledger in a SQLite database file (the system `libsqlite3`), in WAL mode with
/// `synchronous=FULL`, so a committed record survives a process crash or power loss.
///
/// Every use of the SQLite handle runs on one private serial dispatch queue: SQLite handles
/// must not be used concurrently, and blocking file I/O (fsync) stays off Swift's cooperative
/// thread pool. Writes are idempotent on the record id.
///
/// Durable mode uses group commit: records that arrive while a transaction is being synced are
/// committed together in the next one, and each `record` call returns only after the
/// transaction holding its record has committed. One writer pays one fsync per record; 64
/// concurrent writers share them instead of queueing behind 64 separate fsyncs.
public final class SQLiteLedger: CostLedger, @unchecked Sendable {
    // @unchecked Sendable: every mutable stored property below is read and written only on
    // `queue` (a serial queue), or in `init`/`deinit`, when no other reference exists.

    /// The database file.
    public let path: String
    /// When `record` considers a record written.
    public let durability: LedgerDurability

    private let queue: DispatchQueue
    private var connection: SQLiteConnection?
    private var pending: [LedgerRecord] = []
    private var deferredError: LedgerError?
    private var failedWriteCount = 0
    private var timerGeneration = 0
    private var timerArmed = false
    /// Durable mode: records waiting for the next group commit, with their callers.
    private var durableGroup: [(record: LedgerRecord, caller: CheckedContinuation<Void, any Error>)] = []
    private var groupCommitScheduled = false
    /// Durable group commits performed (for tests).
    private var groupCommits = 0
    /// Durable records handed to the queue so far (for tests; any thread).
    private let submittedDurableRecords = LockedValue(0)

    /// Opens (creating if needed) the ledger at `path` and migrates its schema to the latest version.
    /// - Parameters:
    ///   - durability: default ``LedgerDurability/durable``.
    ///   - busyTimeout: how long a write waits for another process's lock; default 5 seconds.
    public convenience init(path: String, durability: LedgerDurability = .durable,
                            busyTimeout: Duration = .seconds(5)) throws {
        try self.init(path: path, durability: durability, busyTimeout: busyTimeout,
                      schemaVersion: SQLiteLedgerSchema.latestVersion)
    }

    /// `schemaVersion` below the latest exists for migration tests (building an old file).
    init(path: String, durability: LedgerDurability, busyTimeout: Duration, schemaVersion: Int) throws(LedgerError) {
        if case .batched(let maxRecords, _) = durability, maxRecords < 1 {
            throw LedgerError(code: .io, message: "batched durability needs maxRecords >= 1, got \(maxRecords)", file: path)
        }
        self.path = path
        self.durability = durability
        self.queue = DispatchQueue(label: "claude-router.sqlite-ledger")
        let milliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        let db = try SQLiteConnection(path: path, busyTimeoutMilliseconds: Int32(clamping: milliseconds))
        // WAL: readers never block the writer and a commit is one append + fsync of the log.
        // FULL: the WAL is synced at every commit, so a committed record survives power loss.
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        try SQLiteLedgerSchema.migrate(db, to: schemaVersion)
        self.connection = db
    }

    deinit {
        // A ledger released without close() still commits what it queued (best effort: there
        // is no caller left to report an error to). No other reference exists here.
        if let connection, !pending.isEmpty {
            _ = try? Self.commit(pending, to: connection)
        }
    }

    public func record(_ record: LedgerRecord) async throws {
        switch durability {
        case .durable:
            try await withCheckedThrowingContinuation { (caller: CheckedContinuation<Void, any Error>) in
                submittedDurableRecords.withLock { $0 += 1 }
                queue.async { self.joinDurableGroup(record, caller) }
            }
        case .batched(let maxRecords, let maxDelay):
            try await onQueue { ledger throws(LedgerError) in
                try ledger.appendToBatch(record, maxRecords: maxRecords, maxDelay: maxDelay)
            }
        }
    }

    public func records(_ query: LedgerQuery) async throws -> [LedgerRecord] {
        try await onQueue { ledger throws(LedgerError) in
            let db = try ledger.openConnection()
            // Readers see their own queued writes; a failure stays queued for flush/record to report.
            ledger.commitDurableGroup()
            ledger.commitPending()
            let (sql, bindings) = Self.selectSQL(for: query)
            let statement = try db.statement(sql)
            defer { statement.reset() }
            for (offset, binding) in bindings.enumerated() {
                switch binding {
                case .integer(let value): statement.bind(value, at: Int32(offset + 1))
                case .text(let value): statement.bind(value, at: Int32(offset + 1))
                }
            }
            var result: [LedgerRecord] = []
            while try statement.step() {
                result.append(try Self.decodeRow(statement, file: ledger.path))
            }
            return result
        }
    }

    public func flush() async throws {
        try await onQueue { ledger throws(LedgerError) in
            _ = try ledger.openConnection()
            ledger.commitDurableGroup()
            ledger.commitPending()
            try ledger.throwDeferredError()
        }
    }

    /// Commits queued records and closes the database. Idempotent.
    public func close() async throws {
        try await onQueue { ledger throws(LedgerError) in
            guard ledger.connection != nil else { return }
            ledger.commitDurableGroup()
            ledger.commitPending()
            ledger.connection = nil
            try ledger.throwDeferredError()
        }
    }

    /// Records that could not be written since the ledger was opened (batched and durable mode).
    public var failedWrites: Int {
        get async { (try? await onQueue { ledger throws(LedgerError) in ledger.failedWriteCount }) ?? 0 }
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    public func schemaVersion() async throws -> Int {
        try await onQueue { ledger throws(LedgerError) in Int(try ledger.openConnection().integer("PRAGMA user_version")) }
    }

    /// Names of the indexes on the ledger table (for migration tests).
    func indexNames() async throws -> [String] {
        try await onQueue { ledger throws(LedgerError) in
            let statement = try ledger.openConnection().statement(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger' ORDER BY name")
            defer { statement.reset() }
            var names: [String] = []
            while try statement.step() { names.append(statement.string(0) ?? "") }
            return names
        }
    }

    /// Test hook: holds the queue so that records submitted meanwhile arrive together.
    func suspendQueueForTesting() { queue.suspend() }
    /// Test hook: releases ``suspendQueueForTesting()``.
    func resumeQueueForTesting() { queue.resume() }
    /// Test hook: durable records handed to the queue so far.
    var submittedDurableRecordCount: Int { submittedDurableRecords.withLock { $0 } }
    /// Test hook: group commits so far, read on the queue.
    func groupCommitCount() async -> Int {
        (try? await onQueue { ledger throws(LedgerError) in ledger.groupCommits }) ?? 0
    }

    // MARK: - Queue-confined work

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (SQLiteLedger) throws(LedgerError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body(self)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    private func openConnection() throws(LedgerError) -> SQLiteConnection {
        guard let connection else { throw LedgerError(code: .closed, message: "the ledger is closed", file: path) }
        return connection
    }

    /// Durable mode, on the queue: joins the next group commit, scheduling it if needed. The
    /// commit is queued behind the arrivals already waiting, so everything that arrived during
    /// the previous commit's fsync goes into one transaction.
    private func joinDurableGroup(_ record: LedgerRecord, _ caller: CheckedContinuation<Void, any Error>) {
        guard connection != nil else {
            caller.resume(throwing: LedgerError(code: .closed, message: "the ledger is closed", file: path))
            return
        }
        durableGroup.append((record, caller))
        if !groupCommitScheduled {
            groupCommitScheduled = true
            queue.async { self.commitDurableGroup() }
        }
    }

    /// Commits the waiting durable group in one transaction and answers each caller: success
    /// once committed, or its own error (a rejected record, or the failed transaction).
    private func commitDurableGroup() {
        groupCommitScheduled = false
        let group = durableGroup
        durableGroup = []
        guard !group.isEmpty else { return }
        guard let connection else {
            for member in group {
                member.caller.resume(throwing: LedgerError(code: .closed, message: "the ledger is closed", file: path))
            }
            return
        }
        groupCommits += 1
        do {
            let rejected = try Self.commit(group.map(\.record), to: connection)
            failedWriteCount += rejected.count
            for (index, member) in group.enumerated() {
                if let error = rejected[index] { member.caller.resume(throwing: error) } else { member.caller.resume() }
            }
        } catch {
            failedWriteCount += group.count
            for member in group { member.caller.resume(throwing: error) }
        }
    }

    /// Batched mode, on the queue: queues the record; commits at `maxRecords` or after `maxDelay`.
    private func appendToBatch(_ record: LedgerRecord, maxRecords: Int, maxDelay: Duration) throws(LedgerError) {
        _ = try openConnection()
        pending.append(record)
        if pending.count >= maxRecords {
            commitPending()
        } else if !timerArmed {
            armTimer(after: maxDelay)
        }
        try throwDeferredError()
    }

    private func armTimer(after delay: Duration) {
        timerArmed = true
        timerGeneration += 1
        let generation = timerGeneration
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: max(0, nanoseconds)))) { [self] in
            // A batch committed early (maxRecords, flush) bumps the generation, retiring this timer.
            guard generation == timerGeneration, connection != nil else { return }
            commitPending()
        }
    }

    /// Commits the queued batch; failures are counted and kept for the next flush/record call.
    private func commitPending() {
        timerArmed = false
        timerGeneration += 1
        guard !pending.isEmpty, let connection else { return }
        let batch = pending
        pending = []
        do {
            let failures = try Self.commit(batch, to: connection)
            if let first = failures.sorted(by: { $0.key < $1.key }).first?.value {
                noteFailure(count: failures.count, of: batch.count, first)
            }
        } catch {
            noteFailure(count: batch.count, of: batch.count, error)
        }
    }

    private func noteFailure(count: Int, of total: Int, _ error: LedgerError) {
        failedWriteCount += count
        let earlier = deferredError.map { " (after an earlier failure: \($0.message))" } ?? ""
        deferredError = LedgerError(
            code: .batchCommitFailed,
            message: "\(count) of \(total) queued records were not written: \(error.message)\(earlier)",
            file: path, sqliteResultCode: error.sqliteResultCode)
    }

    private func throwDeferredError() throws(LedgerError) {
        if let error = deferredError {
            deferredError = nil
            throw error
        }
    }

    /// Writes `batch` in one transaction. A record the database rejects (a constraint) is skipped
    /// and returned by its index in `batch`; the others commit. Throws when the transaction itself
    /// fails (nothing written).
    @discardableResult
    private static func commit(_ batch: [LedgerRecord], to db: SQLiteConnection) throws(LedgerError) -> [Int: LedgerError] {
        try db.execute("BEGIN IMMEDIATE")
        var rejected: [Int: LedgerError] = [:]
        do throws(LedgerError) {
            for (index, record) in batch.enumerated() {
                do { try insert(record, into: db) } catch where error.sqliteResultCode.map(isConstraint) ?? false {
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
