import Foundation
import Logging
import PostgresNIO
import Router

/// The batched queue of a ``PostgresLedger`` (and the retry queue of records that found the
/// database unreachable): flushes when `maxRecords` are queued or `maxDelay` after the first,
/// retries a failed flush with exponential backoff, and never drops a queued record.
actor PostgresLedgerWriter {
    struct Entry: Sendable {
        var record: LedgerRecord
        var metadata: String
    }

    /// At most this many records per INSERT (33 bound values each, under the protocol's 65,535).
    static let maxRowsPerStatement = 1_000

    let store: PostgresStore
    let maxRecords: Int
    let maxDelay: Duration
    private var pending: [Entry] = []
    private var current: Task<Void, any Error>?
    private var timer: Task<Void, Never>?
    private var backoff: Duration = .milliseconds(100)
    private var isClosed = false
    private(set) var failedWrites = 0

    init(store: PostgresStore, durability: LedgerDurability) {
        self.store = store
        switch durability {
        case .durable:
            (maxRecords, maxDelay) = (Self.maxRowsPerStatement, .milliseconds(100))
        case .batched(let records, let delay):
            (maxRecords, maxDelay) = (max(1, records), delay)
        }
    }

    var queued: Int { pending.count }

    func checkOpen() throws(LedgerError) {
        if isClosed { throw LedgerError(code: .closed, message: "the PostgreSQL ledger is closed", file: "\(store.url)") }
    }

    /// Queues a record; a full batch starts a flush at once, the first of a batch starts the timer.
    func enqueue(_ entry: Entry, retrying: Bool = false) throws(LedgerError) {
        try checkOpen()
        if retrying { failedWrites += 1 }
        pending.append(entry)
        if pending.count >= maxRecords && current == nil {
            startFlush()
        } else if timer == nil {
            schedule(after: retrying ? backoff : maxDelay)
        }
    }

    /// Writes everything queued (waiting for a flush in flight first).
    /// - Throws: the write's ``LedgerError``; the records stay queued for the next try.
    func flush() async throws {
        try checkOpen()
        try await drain()
    }

    /// Drains the queue and refuses later writes.
    func close() async throws {
        guard !isClosed else { return }
        defer {
            isClosed = true
            timer?.cancel()
        }
        do {
            try await drain()
        } catch {
            throw LedgerError(code: .batchCommitFailed, message:
                "\(pending.count) queued records could not be written before closing: \(error)", file: "\(store.url)")
        }
    }

    private func drain() async throws {
        while true {
            if let running = current {
                try await running.value
                continue
            }
            if pending.isEmpty { return }
            startFlush()
        }
    }

    private func startFlush() {
        let batch = pending
        pending = []
        let task = Task { try await self.commit(batch) }
        current = task
    }

    /// Writes `batch`; on failure puts it back at the front of the queue and schedules a retry.
    private func commit(_ batch: [Entry]) async throws {
        defer { current = nil }
        do {
            try await write(batch)
            backoff = .milliseconds(100)
        } catch {
            pending.insert(contentsOf: batch, at: 0)
            failedWrites += batch.count
            store.logger.warning("ledger batch not written; retrying",
                                 metadata: ["records": "\(batch.count)", "error": "\(error)"])
            schedule(after: backoff)
            backoff = min(backoff * 2, .seconds(5))
            throw error
        }
    }

    private func schedule(after delay: Duration) {
        timer?.cancel()
        timer = Task {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self.timerFired()
        }
    }

    private func timerFired() async {
        timer = nil
        guard current == nil, !pending.isEmpty else { return }
        startFlush()
    }

    /// Inserts `batch` (settling its reservations) in one statement per ``maxRowsPerStatement``
    /// records, all in one transaction when there is more than one statement.
    nonisolated func write(_ batch: [Entry]) async throws {
        guard !batch.isEmpty else { return }
        let logger = store.logger
        let chunks = stride(from: 0, to: batch.count, by: Self.maxRowsPerStatement).map {
            Array(batch[$0..<min($0 + Self.maxRowsPerStatement, batch.count)])
        }
        let queries = chunks.map { chunk in
            var bindings = PostgresBindings(capacity: chunk.count * PostgresLedgerColumns.names.count)
            for entry in chunk { PostgresLedgerColumns.bind(entry.record, metadata: entry.metadata, to: &bindings) }
            return PostgresQuery(unsafeSQL: PostgresLedgerColumns.insertSQL(
                count: chunk.count, unpriced: chunk.map { $0.record.cost == nil }), binds: bindings)
        }
        try await store.run("writing \(batch.count) ledger records") { client in
            if queries.count == 1 {
                try await client.query(queries[0], logger: logger)
            } else {
                try await client.withTransaction(logger: logger) { connection in
                    for query in queries { try await connection.query(query, logger: logger) }
                }
            }
        }
    }
}
