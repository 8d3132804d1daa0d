package import Dispatch

/// The file format under a ``LedgerWriter``: how records are encoded, committed and read back.
///
/// The writer owns queueing, group commit, batching and error surfacing; a storage only knows
/// its format. Every instance method runs on the writer's serial queue, so implementations need
/// no locking and their blocking I/O (fsync) stays off Swift's cooperative thread pool. The
/// storage is released (closing its file or handle in `deinit`) when the ledger is closed.
package protocol LedgerStorage: AnyObject, SendableMetatype {
    /// What ``append(_:)`` writes for one record (e.g. an encoded line).
    associatedtype Entry: Sendable

    /// Prepares one record for ``append(_:)``. Runs on the caller's task, before queueing, so
    /// encoding work is not serialized behind the writer.
    /// - Throws: ``LedgerError`` with code `encoding`; the caller gets it at once.
    static func entry(for record: LedgerRecord) throws(LedgerError) -> Entry

    /// Commits `batch` as one unit (one transaction, or one write and one fsync): on stable
    /// storage when this returns.
    /// - Returns: entries rejected on their own (e.g. a constraint), by index in `batch`; every
    ///   other entry is committed.
    /// - Throws: ``LedgerError`` when the commit failed as a whole: nothing in `batch` is written.
    func append(_ batch: [Entry]) throws(LedgerError) -> [Int: LedgerError]

    /// Records matching `query`, ordered by time (ties by insertion order).
    /// - Throws: ``LedgerError`` (`io`, `sqlite`, `corruptRecord` naming the place).
    func records(_ query: LedgerQuery) throws(LedgerError) -> [LedgerRecord]
}

/// A test injection point for ``LedgerWriter`` (package-visible; production ledgers pass
/// `nil`): a queue the test controls, and callbacks that observe the durable group commit.
package struct LedgerWriterInstrumentation: Sendable {
    /// The writer's serial queue; a test may suspend it so that concurrent writes arrive together.
    package var queue: DispatchQueue
    /// Called on the writer's caller (any thread) once a durable record has been handed to the queue.
    package var submitted: @Sendable () -> Void
    /// Called on the queue after each durable group commit, with the number of records in it.
    package var groupCommitted: @Sendable (Int) -> Void

    /// Observes a writer through `queue` and the two callbacks.
    package init(queue: DispatchQueue, submitted: @escaping @Sendable () -> Void,
                 groupCommitted: @escaping @Sendable (Int) -> Void) {
        self.queue = queue
        self.submitted = submitted
        self.groupCommitted = groupCommitted
    }
}
