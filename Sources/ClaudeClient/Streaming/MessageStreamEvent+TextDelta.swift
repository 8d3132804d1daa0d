/// A decoder-free path for the most frequent event of a stream.
///
/// Nearly every event of a reply is a `content_block_delta` carrying a `text_delta`, and a
/// `JSONDecoder` per event dominated the client's CPU per streamed call. The API sends these in
/// one compact shape (`{"type":"content_block_delta","index":N,"delta":{"type":"text_delta",
/// "text":"…"}}`, docs/ANTHROPIC-API.md "Streaming"); exactly that shape is decoded here. Anything else —
/// other key orders, whitespace, `\u` escapes, invalid UTF-8 — returns `nil` and takes the
/// general `JSONDecoder` path, so the result never differs from it.
enum TextDeltaFastPath {
    // Computed literals: no lazy global to check per call.
    private static var prefix: StaticString { #"{"type":"content_block_delta","index":"# }
    private static var infix: StaticString { #","delta":{"type":"text_delta","text":""# }
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let zero = UInt8(ascii: "0")
    private static let nine = UInt8(ascii: "9")
    private static let brace = UInt8(ascii: "}")

    /// The block index and text of a compact `text_delta` event, or `nil` for any other input.
    static func decode(_ data: [UInt8]) -> (index: Int, text: String)? {
        data.withUnsafeBufferPointer { decode($0) }
    }

    /// The block index and text of a compact `text_delta` event, or `nil` for any other input.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> (index: Int, text: String)? {
        let prefixCount = prefix.utf8CodeUnitCount
        let infixCount = infix.utf8CodeUnitCount
        guard bytes.count > prefixCount + infixCount, bytes.holds(prefix, at: 0) else { return nil }
        var position = prefixCount
        // A JSON integer without sign, exponent or leading zero, small enough for Int.
        let digitsStart = position
        var index = 0
        while position < bytes.count, bytes[position] >= zero, bytes[position] <= nine {
            index = index * 10 + Int(bytes[position] - zero)
            position += 1
            if position - digitsStart > 9 { return nil }
        }
        let digitCount = position - digitsStart
        guard digitCount > 0, digitCount == 1 || bytes[digitsStart] != zero else { return nil }
        guard bytes.holds(infix, at: position) else { return nil }
        position += infixCount

        let textStart = position
        var hasEscape = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == quote { break }
            if byte < 0x20 { return nil }  // raw control characters are invalid JSON
            if byte == backslash {
                hasEscape = true
                position += 2
            } else {
                position += 1
            }
        }
        // The closing quote must be followed by exactly `}}`.
        guard position + 3 == bytes.count, bytes[position] == quote, bytes[position + 1] == brace,
            bytes[position + 2] == brace
        else { return nil }
        let raw = UnsafeBufferPointer(rebasing: bytes[textStart..<position])
        let text: String?
        if hasEscape {
            text = unescape(raw).flatMap { String(validating: $0, as: UTF8.self) }
        } else {
            text = String(validating: raw, as: UTF8.self)
        }
        return text.map { (index, $0) }
    }

    /// Resolves the single-character escapes; `\u` (and anything unknown) returns `nil`.
    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            let byte = raw[position]
            guard byte == backslash else {
                out.append(byte)
                position += 1
                continue
            }
            guard position + 1 < raw.count else { return nil }
            switch raw[position + 1] {
            case UInt8(ascii: "\""): out.append(quote)
            case UInt8(ascii: "\\"): out.append(backslash)
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            default: return nil
            }
            position += 2
        }
        return out
    }
}
