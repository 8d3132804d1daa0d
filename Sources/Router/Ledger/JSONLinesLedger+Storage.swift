import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON Lines file as a ``LedgerStorage``: an entry is one encoded line; a batch is one
/// `write` of all its lines and one `fsync`.
///
/// Confined to its writer's queue (``LedgerStorage``); the descriptor closes when this is released.
final class JSONLinesStorage: LedgerStorage {
    let path: String
    private let descriptor: Int32

    /// Opens `path` for appending (creating it), cutting off a torn final line.
    init(path: String) throws(LedgerError) {
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.ioError("cannot open", path) }
        do {
            try Self.cutTornTail(fd, path: path)
        } catch {
            _ = Self.closeDescriptor(fd)
            throw error
        }
        self.path = path
        self.descriptor = fd
    }

    deinit { _ = Self.closeDescriptor(descriptor) }

    static func entry(for record: LedgerRecord) throws(LedgerError) -> Data {
        var line = try encode(record)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// One write and one fsync for the whole batch; lines have no per-record rejection.
    func append(_ batch: [Data]) throws(LedgerError) -> [Int: LedgerError] {
        try Self.append(batch.reduce(into: Data()) { $0.append($1) }, to: descriptor, sync: true, path: path)
        return [:]
    }

    func records(_ query: LedgerQuery) throws(LedgerError) -> [LedgerRecord] {
        query.apply(to: try JSONLinesLedger.readAll(path: path))
    }

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

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "invalid JSON"
        default: "undecodable"
        }
    }
}
