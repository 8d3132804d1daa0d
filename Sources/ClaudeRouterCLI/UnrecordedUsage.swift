import Foundation
import Router

/// Keeps the usage of paid attempts whose ledger record could not be written: each is printed
/// to stderr as one JSON line (the ledger's own format), so it can be appended to a ledger by
/// hand once the disk has room. Never the API key; prompt text only if recording was opted in.
enum UnrecordedUsage {
    /// Prints `error.unrecorded` (when it is a `ledgerWriteFailed` with a record).
    static func print(_ error: RouterError) {
        if let record = error.unrecorded { print(record) }
    }

    /// Prints one record as a JSON line on stderr.
    static func print(_ record: LedgerRecord) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
        }
        let line = (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"id\":\"\(record.id)\"}"
        Terminal.writeError("unrecorded ledger record (paid; keep it): \(line)")
    }
}

/// Checks made before the first paid call, so that a bad path fails for free.
enum OutputCheck {
    /// Free space a new ledger needs before a run starts: a few records' worth. Below it, the
    /// first record would fail after its call was paid for.
    static let ledgerMinimumFreeBytes: UInt64 = 16 * 1024

    /// Throws (exit 70) unless `path` can be written: its directory exists and is writable, and
    /// an existing file is writable. Nothing is created.
    static func writable(_ path: String, what: String = "--output") throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue || access(path, W_OK) != 0 {
                throw CLIError("error: \(what) '\(path)' cannot be written (\(isDirectory.boolValue ? "a directory" : "permission denied")); "
                    + "nothing was sent", status: .failure)
            }
            return
        }
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("error: \(what) '\(path)': directory '\(directory)' does not exist; nothing was sent", status: .failure)
        }
        if access(directory, W_OK) != 0 {
            throw CLIError("error: \(what) '\(path)': directory '\(directory)' is not writable; nothing was sent", status: .failure)
        }
    }

    /// Throws (exit 70) when the filesystem holding `path` has less than
    /// ``ledgerMinimumFreeBytes`` available.
    static func roomForLedger(_ path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var stats = statvfs()
        guard statvfs(directory.isEmpty ? "." : directory, &stats) == 0 else { return }
        let free = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
        if free < ledgerMinimumFreeBytes {
            throw CLIError("error: ledger '\(path)': only \(free) bytes free on its disk (at least "
                + "\(ledgerMinimumFreeBytes) needed to record calls); nothing was sent", status: .failure)
        }
    }
}
