import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only ledger file with one JSON object per line (JSON Lines).
///
/// Easy to ship to log pipelines and to read with `jq`. Every write goes through `O_APPEND`
/// and, in durable mode, `fsync` before `record` returns. A crash can leave a torn final line:
/// reading ignores it, and reopening the file for writing cuts it off (it was never
/// acknowledged). A corrupt line anywhere else is an error naming `file:line`.
/// Rewriting an id appends it again; reads return the first copy only.
public final class JSONLinesLedger: CostLedger, @unchecked Sendable {
    // @unchecked Sendable: `descriptor`, `pending`, the counters and the timer state are only
    // touched on the serial `queue`, or in `init`/`deinit` when no other reference exists.

    /// The ledger file.
    public let path: String
    /// When `record` considers a record written.
    public let durability: LedgerDurability

    private let queue = DispatchQueue(label: "claude-router.jsonl-ledger")
    private var descriptor: Int32
    private var pending: [Data] = []
    private var deferredError: LedgerError?
    private var failedWriteCount = 0
    private var timerGeneration = 0
    private var timerArmed = false

    /// Opens (creating if needed) the ledger file at `path` for appending.
    public init(path: String, durability: LedgerDurability = .durable) throws {
        if case .batched(let maxRecords, _) = durability, maxRecords < 1 {
            throw LedgerError(code: .io, message: "batched durability needs maxRecords >= 1, got \(maxRecords)", file: path)
        }
        self.path = path
        self.durability = durability
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.ioError("cannot open", path) }
        do {
            try Self.cutTornTail(fd, path: path)
        } catch {
            _ = Self.closeDescriptor(fd)
            throw error
        }
        self.descriptor = fd
    }

    deinit {
        if descriptor >= 0 {
            if !pending.isEmpty { try? Self.append(pending.reduce(Data(), +), to: descriptor, sync: true, path: path) }
            _ = Self.closeDescriptor(descriptor)
        }
    }

    public func record(_ record: LedgerRecord) async throws {
        var line = try Self.encode(record)
        line.append(UInt8(ascii: "\n"))
        try await onQueue { [line] ledger throws(LedgerError) in try ledger.recordOnQueue(line) }
    }

    public func records(_ query: LedgerQuery) async throws -> [LedgerRecord] {
        try await onQueue { ledger throws(LedgerError) in
            guard ledger.descriptor >= 0 else { throw LedgerError(code: .closed, message: "the ledger is closed", file: ledger.path) }
            ledger.commitPending()
            return query.apply(to: try Self.readAll(path: ledger.path))
        }
    }

    public func flush() async throws {
        try await onQueue { ledger throws(LedgerError) in
            guard ledger.descriptor >= 0 else { throw LedgerError(code: .closed, message: "the ledger is closed", file: ledger.path) }
            ledger.commitPending()
            try ledger.throwDeferredError()
        }
    }

    /// Writes queued records, syncs and closes the file. Idempotent.
    public func close() async throws {
        try await onQueue { ledger throws(LedgerError) in
            guard ledger.descriptor >= 0 else { return }
            ledger.commitPending()
            _ = Self.closeDescriptor(ledger.descriptor)
            ledger.descriptor = -1
            try ledger.throwDeferredError()
        }
    }

    /// Records that could not be written since the ledger was opened.
    public var failedWrites: Int {
        get async { (try? await onQueue { ledger throws(LedgerError) in ledger.failedWriteCount }) ?? 0 }
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
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            // The last element follows the final newline: non-empty means the write was cut off.
            let isTornTail = index == lines.count - 1
            do {
                let record = try decoder.decode(LedgerRecord.self, from: Data(line))
                if seen.insert(record.id).inserted { records.append(record) }
            } catch {
                if isTornTail { continue }
                throw LedgerError(code: .corruptRecord, message: "line is not a ledger record (\(Self.reason(error)))",
                                  file: path, line: index + 1)
            }
        }
        return records
    }

    // MARK: - Queue-confined work

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (JSONLinesLedger) throws(LedgerError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body(self)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    private func recordOnQueue(_ line: Data) throws(LedgerError) {
        guard descriptor >= 0 else { throw LedgerError(code: .closed, message: "the ledger is closed", file: path) }
        switch durability {
        case .durable:
            do { try Self.append(line, to: descriptor, sync: true, path: path) } catch {
                failedWriteCount += 1
                throw error
            }
        case .batched(let maxRecords, let maxDelay):
            pending.append(line)
            if pending.count >= maxRecords {
                commitPending()
            } else if !timerArmed {
                timerArmed = true
                timerGeneration += 1
                let generation = timerGeneration
                let nanoseconds = maxDelay.components.seconds * 1_000_000_000 + maxDelay.components.attoseconds / 1_000_000_000
                queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: max(0, nanoseconds)))) { [self] in
                    guard generation == timerGeneration, descriptor >= 0 else { return }
                    commitPending()
                }
            }
            try throwDeferredError()
        }
    }

    private func commitPending() {
        timerArmed = false
        timerGeneration += 1
        guard !pending.isEmpty, descriptor >= 0 else { return }
        let batch = pending
        pending = []
        do {
            // One write and one fsync per batch.
            try Self.append(batch.reduce(into: Data()) { $0.append($1) }, to: descriptor, sync: true, path: path)
        } catch {
            failedWriteCount += batch.count
            deferredError = LedgerError(code: .batchCommitFailed,
                                        message: "\(batch.count) queued records were not written: \(error.message)",
                                        file: path)
        }
    }

    private func throwDeferredError() throws(LedgerError) {
        if let error = deferredError {
            deferredError = nil
            throw error
        }
    }

    // MARK: - File primitives

    private static func encode(_ record: LedgerRecord) throws(LedgerError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(LedgerRecord.microseconds(of: date))
        }
        do { return try encoder.encode(record) } catch {
            throw LedgerError(code: .encoding, message: "record \(record.id) cannot be encoded")
        }
    }

    private static func append(_ data: Data, to fd: Int32, sync: Bool, path: String) throws(LedgerError) {
        let failure: LedgerError? = data.withUnsafeBytes { buffer -> LedgerError? in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return ioError("cannot write", path)
                }
                offset += written
            }
            return nil
        }
        if let failure { throw failure }
        if sync, fsync(fd) != 0 { throw ioError("cannot fsync", path) }
    }

    /// Truncates an unterminated final line left by a crash, so the next append starts a new line.
    private static func cutTornTail(_ fd: Int32, path: String) throws(LedgerError) {
        var end = lseek(fd, 0, SEEK_END)
        guard end > 0 else { return }
        var byte: UInt8 = 0
        guard pread(fd, &byte, 1, end - 1) == 1 else { throw ioError("cannot read", path) }
        if byte == UInt8(ascii: "\n") { return }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let start = max(0, end - off_t(chunk.count))
            let count = Int(end - start)
            guard pread(fd, &chunk, count, start) == count else { throw ioError("cannot read", path) }
            if let newline = chunk[0..<count].lastIndex(of: UInt8(ascii: "\n")) {
                end = start + off_t(newline) + 1
                break
            }
            end = start
        }
        guard ftruncate(fd, end) == 0, fsync(fd) == 0 else { throw ioError("cannot cut the torn final line", path) }
    }

    private static func closeDescriptor(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }

    private static func ioError(_ action: String, _ path: String) -> LedgerError {
        LedgerError(code: .io, message: "\(action): \(String(cString: strerror(errno)))", file: path)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "invalid JSON"
        default: "undecodable"
        }
    }
}
