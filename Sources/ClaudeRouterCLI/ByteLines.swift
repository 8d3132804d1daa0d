import Foundation

/// Bulk input read as bytes: a file (or standard input for `-`) is read in large chunks and
/// split on newline bytes (0x0A; a CR before it is dropped, so CRLF files work). No
/// `Character` is ever formed: grapheme breaking over tens of megabytes cost more than the
/// routing decisions it fed.
enum ByteLines {
    /// The chunk size of each `read(2)`.
    static let chunkSize = 1 << 20

    /// Calls `body` with each line's 1-based number and bytes (without its newline or CR), in
    /// order, reading `path` (`-`: standard input) in chunks; memory stays at the longest line
    /// plus one chunk. A last line without a final newline is delivered too.
    /// - Throws: `CLIError.data` when the file cannot be opened or read; whatever `body` throws.
    static func forEach(in path: String, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIError.data("error: cannot read '\(path)'") }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var filled = 0 // bytes in buffer[0..<filled]; a partial line sits at the front
        var lineNumber = 0
        while true {
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) } // a line longer than the buffer
            let count = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError.data("error: cannot read '\(path)': \(String(cString: strerror(errno)))")
            }
            let atEnd = count == 0
            filled += count
            let consumed = try buffer.withUnsafeBufferPointer { all -> Int in
                var start = 0
                while start < filled {
                    guard let newline = memchr(all.baseAddress! + start, 0x0A, filled - start) else { break }
                    let end = UnsafeRawPointer(all.baseAddress!).distance(to: UnsafeRawPointer(newline))
                    lineNumber += 1
                    try body(lineNumber, line(all, start, end))
                    start = end + 1
                }
                if atEnd && start < filled {
                    lineNumber += 1
                    try body(lineNumber, line(all, start, filled))
                    return filled
                }
                return start
            }
            if atEnd { return }
            if consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, filled - consumed)
                }
                filled -= consumed
            }
        }
    }

    /// `all[start..<end]` without a trailing CR.
    private static func line(_ all: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        var end = end
        if end > start && all[end - 1] == 0x0D { end -= 1 }
        return UnsafeBufferPointer(rebasing: all[start..<end])
    }

    /// Whether `line` holds only spaces and tabs (a blank line, skipped by bulk readers).
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}

/// Buffered standard output for bulk commands: bytes collect in memory and go out in 64 KiB
/// `write(2)` calls, not one call per line. `flush()` must be called before exiting (and before
/// writing to stderr, when order matters).
final class OutputBuffer {
    /// What is buffered; writers may append to it directly, then call `flushIfFull()`.
    var bytes: [UInt8] = []
    private let fd: Int32
    private let threshold = 1 << 16

    init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        bytes.reserveCapacity(threshold * 2)
    }

    deinit { flush() }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    /// Writes what is buffered once it passes the threshold.
    func flushIfFull() {
        if bytes.count >= threshold { flush() }
    }

    /// Writes everything buffered, retrying short writes and EINTR; a closed pipe ends quietly
    /// (the reader went away, e.g. `| head`).
    func flush() {
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    break
                }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
