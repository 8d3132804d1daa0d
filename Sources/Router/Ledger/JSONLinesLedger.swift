package import Foundation

/// An append-only ledger file with one JSON object per line (JSON Lines).
///
/// Easy to ship to log pipelines and to read with `jq`. Every write goes through `O_APPEND`
/// and the shared ``LedgerWriter``: in durable mode `record` returns after the `fsync` of the
/// write holding its line, and concurrent writers share one write and one `fsync` (group
/// commit); batched mode writes a whole batch with one `fsync`. A crash can leave a torn final
/// line: reading ignores it, and reopening the file for writing cuts it off (it was never
/// acknowledged). A corrupt line anywhere else is an error naming `file:line`.
/// Rewriting an id appends it again; reads return the first copy only.
public final class JSONLinesLedger: CostLedger {
    /// The ledger file.
    public let path: String
    /// When `record` considers a record written.
    public let durability: LedgerDurability
    /// Queueing, group commit, batching and deferred errors.
    let writer: LedgerWriter<JSONLinesStorage>

    /// Opens (creating if needed) the ledger file at `path` for appending.
    /// - Throws: ``LedgerError`` (`io`: the file cannot be opened or its torn tail cut; or a bad batch size).
    public convenience init(path: String, durability: LedgerDurability = .durable) throws {
        try self.init(path: path, durability: durability, instrumentation: nil)
    }

    /// The designated init; `instrumentation` is the test injection point of ``LedgerWriter``.
    package init(path: String, durability: LedgerDurability,
                 instrumentation: LedgerWriterInstrumentation?) throws(LedgerError) {
        self.path = path
        self.durability = durability
        writer = try LedgerWriter(storage: JSONLinesStorage(path: path), path: path, durability: durability,
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

    /// Writes queued records, syncs and closes the file. Idempotent.
    public func close() async throws { try await writer.close() }

    /// Records that could not be written since the ledger was opened.
    public var failedWrites: Int {
        get async { await writer.failedWrites }
    }

    /// Reads every record of a JSON-lines ledger file without opening it for writing.
    /// Duplicate ids keep the first copy; a torn final line is ignored.
    public static func readAll(path: String) throws(LedgerError) -> [LedgerRecord] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LedgerError(code: .io, message: "cannot read: \(error.localizedDescription)", file: path)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            LedgerRecord.microsecondDate(try decoder.singleValueContainer().decode(Int64.self))
        }
        var records: [LedgerRecord] = []
        var seen: Set<String> = []
        let lines = lineRanges(data)
        for (index, range) in lines.enumerated() {
            let line = data[range]
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
            // The last element follows the final newline: non-empty means the write was cut off.
            let isTornTail = index == lines.count - 1
            do {
                let record = try decoder.decode(LedgerRecord.self, from: line)
                if seen.insert(record.id).inserted { records.append(record) }
            } catch {
                if isTornTail { continue }
                throw LedgerError(code: .corruptRecord, message: "line is not a ledger record (\(JSONLinesStorage.reason(error)))",
                                  file: path, line: index + 1)
            }
        }
        return records
    }

    /// The byte ranges of `data`'s lines, split on newline bytes with `memchr` (the generic
    /// `split(separator:)` walked the bytes one by one through a closure: a third of reading a
    /// large ledger). As `split(omittingEmptySubsequences: false)`: the last range follows the
    /// final newline (empty when the file ends with one).
    package static func lineRanges(_ data: Data) -> [Range<Int>] {
        data.withUnsafeBytes { raw -> [Range<Int>] in
            guard let base = raw.baseAddress else { return [data.startIndex..<data.startIndex] }
            var ranges: [Range<Int>] = []
            var start = 0
            while let newline = memchr(base + start, 0x0A, raw.count - start) {
                let end = base.distance(to: UnsafeRawPointer(newline))
                ranges.append(data.startIndex + start..<data.startIndex + end)
                start = end + 1
            }
            ranges.append(data.startIndex + start..<data.startIndex + raw.count)
            return ranges
        }
    }
}
