import Dispatch

/// The one write path of the file-backed ledgers: a serial queue in front of a
/// ``LedgerStorage``, with group commit in durable mode, a batching window in batched mode, and
/// deferred error surfacing.
///
/// - Durable: each `record` returns only after the commit holding its record has completed.
///   Records that arrive while a commit is running are committed together in the next one, so
///   one writer pays one commit (one fsync) per record and 64 concurrent writers share them.
/// - Batched: records queue in memory and commit together at `maxRecords` or `maxDelay` after
///   the first queued one. A failed batch is counted and reported once, by the next `record`
///   or `flush` (``LedgerError/Code/batchCommitFailed``).
package final class LedgerWriter<Storage: LedgerStorage>: @unchecked Sendable {
    // @unchecked Sendable: every mutable stored property is read and written only on `queue`
    // (a serial queue), or in `init`/`deinit`, when no other reference exists.

    /// The ledger file, for error messages.
    package let path: String
    /// When `record` considers a record written.
    package let durability: LedgerDurability

    private let queue: DispatchQueue
    private let instrumentation: LedgerWriterInstrumentation?
    private var storage: Storage?
    /// Batched mode: entries waiting for the batch to fill or its window to end.
    private var batch: [Storage.Entry] = []
    /// Durable mode: entries waiting for the next group commit, with their callers.
    private var group: [(entry: Storage.Entry, caller: CheckedContinuation<Void, any Error>)] = []
    private var groupCommitScheduled = false
    private var deferredError: LedgerError?
    private var failedWriteCount = 0
    private var timerGeneration = 0
    private var timerArmed = false

    /// A writer over `storage`.
    /// - Throws: ``LedgerError`` (`io`) when batched `maxRecords` is below 1.
    package init(storage: Storage, path: String, durability: LedgerDurability,
                 instrumentation: LedgerWriterInstrumentation? = nil) throws(LedgerError) {
        if case .batched(let maxRecords, _) = durability, maxRecords < 1 {
            throw LedgerError(code: .io, message: "batched durability needs maxRecords >= 1, got \(maxRecords)", file: path)
        }
        self.storage = storage
        self.path = path
        self.durability = durability
        self.instrumentation = instrumentation
        self.queue = instrumentation?.queue ?? DispatchQueue(label: "claude-router.ledger-writer")
    }

    deinit {
        // Released without close(): still commit what was queued (best effort: there is no
        // caller left to report an error to). No other reference exists here.
        if let storage, !batch.isEmpty { _ = try? storage.append(batch) }
    }

    /// Writes one record as `durability` says.
    /// - Throws: ``LedgerError`` — `closed`, `encoding`, the storage's error (durable), or an
    ///   earlier batch's `batchCommitFailed` (batched).
    package func record(_ record: LedgerRecord) async throws {
        let entry = try Storage.entry(for: record)
        switch durability {
        case .durable:
            try await withCheckedThrowingContinuation { (caller: CheckedContinuation<Void, any Error>) in
                queue.async { self.joinGroup(entry, caller) }
                // Counted once handed over: a test that resumes the queue at the count must
                // find every record already queued.
                instrumentation?.submitted()
            }
        case .batched(let maxRecords, let maxDelay):
            try await onQueue { writer throws(LedgerError) in
                try writer.appendToBatch(entry, maxRecords: maxRecords, maxDelay: maxDelay)
            }
        }
    }

    /// Commits what is queued, then reads. A commit failure stays queued for `flush`/`record`.
    package func records(_ query: LedgerQuery) async throws -> [LedgerRecord] {
        try await onQueue { writer throws(LedgerError) in
            let storage = try writer.openStorage()
            writer.commitGroup()
            writer.commitBatch()
            return try storage.records(query)
        }
    }

    /// Commits everything queued and reports a deferred batch failure.
    package func flush() async throws {
        try await onQueue { writer throws(LedgerError) in
            _ = try writer.openStorage()
            writer.commitGroup()
            writer.commitBatch()
            try writer.throwDeferredError()
        }
    }

    /// Commits everything queued and releases the storage. Idempotent.
    package func close() async throws {
        try await onQueue { writer throws(LedgerError) in
            guard writer.storage != nil else { return }
            writer.commitGroup()
            writer.commitBatch()
            writer.storage = nil
            try writer.throwDeferredError()
        }
    }

    /// Records that could not be written since the ledger was opened.
    package var failedWrites: Int {
        get async { (try? await onQueue { writer throws(LedgerError) in writer.failedWriteCount }) ?? 0 }
    }

    /// Runs `body` with the open storage on the queue (for storage-specific reads).
    /// - Throws: ``LedgerError/Code/closed``, or `body`'s error.
    package func withStorage<T: Sendable>(_ body: @escaping @Sendable (Storage) throws(LedgerError) -> T)
        async throws -> T {
        try await onQueue { writer throws(LedgerError) in try body(try writer.openStorage()) }
    }

    // MARK: - Queue-confined work

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (LedgerWriter) throws(LedgerError) -> T)
        async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body(self)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    private func openStorage() throws(LedgerError) -> Storage {
        guard let storage else { throw LedgerError(code: .closed, message: "the ledger is closed", file: path) }
        return storage
    }

    /// Durable mode: joins the next group commit, scheduling it if needed. The commit is queued
    /// behind the arrivals already waiting, so everything that arrived during the previous
    /// commit's fsync goes into one commit.
    private func joinGroup(_ entry: Storage.Entry, _ caller: CheckedContinuation<Void, any Error>) {
        guard storage != nil else {
            caller.resume(throwing: LedgerError(code: .closed, message: "the ledger is closed", file: path))
            return
        }
        group.append((entry, caller))
        if !groupCommitScheduled {
            groupCommitScheduled = true
            queue.async { self.commitGroup() }
        }
    }

    /// Commits the waiting group as one unit and answers each caller: success once committed,
    /// or its own error (a rejected entry, or the failed commit).
    private func commitGroup() {
        groupCommitScheduled = false
        let members = group
        group = []
        guard !members.isEmpty else { return }
        guard let storage else {
            for member in members {
                member.caller.resume(throwing: LedgerError(code: .closed, message: "the ledger is closed", file: path))
            }
            return
        }
        do {
            let rejected = try storage.append(members.map(\.entry))
            failedWriteCount += rejected.count
            for (index, member) in members.enumerated() {
                if let error = rejected[index] { member.caller.resume(throwing: error) } else { member.caller.resume() }
            }
        } catch {
            failedWriteCount += members.count
            for member in members { member.caller.resume(throwing: error) }
        }
        instrumentation?.groupCommitted(members.count)
    }

    /// Batched mode: queues the entry; commits at `maxRecords` or after `maxDelay`.
    private func appendToBatch(_ entry: Storage.Entry, maxRecords: Int, maxDelay: Duration) throws(LedgerError) {
        _ = try openStorage()
        batch.append(entry)
        if batch.count >= maxRecords {
            commitBatch()
        } else if !timerArmed {
            armTimer(after: maxDelay)
        }
        try throwDeferredError()
    }

    private func armTimer(after delay: Duration) {
        timerArmed = true
        timerGeneration += 1
        let generation = timerGeneration
        queue.asyncAfter(deadline: .now() + .nanoseconds(max(0, delay.whole(.nanoseconds(1))))) { [self] in
            // A batch committed early (maxRecords, flush) bumps the generation, retiring this timer.
            guard generation == timerGeneration, storage != nil else { return }
            commitBatch()
        }
    }

    /// Commits the queued batch; failures are counted and kept for the next flush/record call.
    private func commitBatch() {
        timerArmed = false
        timerGeneration += 1
        guard !batch.isEmpty, let storage else { return }
        let entries = batch
        batch = []
        do {
            let rejected = try storage.append(entries)
            if let first = rejected.sorted(by: { $0.key < $1.key }).first?.value {
                noteBatchFailure(count: rejected.count, of: entries.count, first)
            }
        } catch {
            noteBatchFailure(count: entries.count, of: entries.count, error)
        }
    }

    private func noteBatchFailure(count: Int, of total: Int, _ error: LedgerError) {
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
}
