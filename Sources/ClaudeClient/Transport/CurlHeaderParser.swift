import Foundation

/// Assembles the response head from libcurl's header callback, one line per call.
///
/// libcurl hands over every header block it sees: `100 Continue` interim responses, the final
/// response, and trailers after the body. Each status line starts a new block; the head is the
/// first block whose status is final (>= 200). Lines after it (trailers) are ignored.
struct CurlHeaderParser {
    private var status = 0
    private var headers: [(name: String, value: String)] = []
    private(set) var isComplete = false

    /// The head as parsed so far, used when a transfer ends without the closing blank line.
    var partialHead: HTTPResponseHead? {
        status == 0 ? nil : HTTPResponseHead(status: status, headers: headers)
    }

    /// Consumes one raw header line (CRLF included); returns the head once the final block ends.
    mutating func consume(_ raw: UnsafeRawBufferPointer) -> HTTPResponseHead? {
        guard !isComplete else { return nil }
        var end = raw.count
        while end > 0, raw[end - 1] == UInt8(ascii: "\n") || raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])

        if line.isEmpty {
            guard status != 0 else { return nil }
            if status >= 200 {
                isComplete = true
                return HTTPResponseHead(status: status, headers: headers)
            }
            // An interim (1xx) block: the real response follows.
            status = 0
            headers.removeAll(keepingCapacity: true)
            return nil
        }
        if line.starts(with: Self.httpPrefix) {
            status = Self.parseStatus(line)
            headers.removeAll(keepingCapacity: true)
            return nil
        }
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
            // obs-fold continuation of the previous field.
            if let last = headers.indices.last {
                headers[last].value += " " + Self.trimmed(line[...])
            }
            return nil
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = Self.lowercasedName(line[..<colon])
        let value = Self.trimmed(line[(colon + 1)...])
        headers.append((name: name, value: value))
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

    /// The field name with ASCII letters lower-cased, built in one pass (`String.lowercased()`
    /// is Unicode-aware and copies a second time; field names are ASCII tokens, RFC 9110 §5.1).
    /// A name with non-ASCII bytes is decoded as it is, invalid sequences repaired.
    private static func lowercasedName(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        guard !bytes.contains(where: { $0 >= 0x80 }) else { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (offset, byte) in bytes.enumerated() {
                buffer[offset] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            }
            return bytes.count
        }
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
