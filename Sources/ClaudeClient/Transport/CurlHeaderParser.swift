import Foundation

/// Assembles the response head from libcurl's header callback, one line per call.
///
/// libcurl hands over every header block it sees: `100 Continue` interim responses, the final
/// response, and trailers after the body. Each status line starts a new block; the head is the
/// first block whose status is final (>= 200). Lines after it (trailers) are ignored.
struct CurlHeaderParser {
    private var head = HTTPResponseHead(status: 0, capacity: 0)
    private(set) var isComplete = false

    /// The head as parsed so far, used when a transfer ends without the closing blank line.
    var partialHead: HTTPResponseHead? {
        head.status == 0 ? nil : head
    }

    /// Consumes one raw header line (CRLF included); returns the head once the final block ends.
    mutating func consume(_ raw: UnsafeRawBufferPointer) -> HTTPResponseHead? {
        guard !isComplete else { return nil }
        var end = raw.count
        while end > 0, raw[end - 1] == UInt8(ascii: "\n") || raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])

        if line.isEmpty {
            guard head.status != 0 else { return nil }
            if head.status >= 200 {
                isComplete = true
                return head
            }
            // An interim (1xx) block: the real response follows.
            head = HTTPResponseHead(status: 0, capacity: 0)
            return nil
        }
        if line.starts(with: Self.httpPrefix) {
            // A reply's fields are typically well under 1 KiB: one allocation for all of them.
            head = HTTPResponseHead(status: Self.parseStatus(line), capacity: 1024)
            return nil
        }
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
            // obs-fold continuation of the previous field.
            withUnsafeBytes(of: UInt8(ascii: " ")) { head.extendLastValue(with: $0) }
            head.extendLastValue(with: UnsafeRawBufferPointer(rebasing: Self.trimmed(line[...])))
            return nil
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        // Field names are ASCII tokens (RFC 9110 §5.1): lower-case their ASCII letters.
        head.appendField(
            receivedName: UnsafeRawBufferPointer(rebasing: line[..<colon]),
            value: UnsafeRawBufferPointer(rebasing: Self.trimmed(line[(colon + 1)...])))
        return nil
    }

    private static let httpPrefix: [UInt8] = Array("HTTP/".utf8)

    /// `HTTP/1.1 200 OK` or `HTTP/2 200` → 200; 0 when the line is malformed.
    private static func parseStatus(_ line: UnsafeRawBufferPointer) -> Int {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return 0 }
        var code = 0
        var digits = 0
        var index = space + 1
        while index < line.count, digits < 3 {
            let byte = line[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits == 3 ? code : 0
    }

    /// `bytes` without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return bytes[start..<end]
    }
}
