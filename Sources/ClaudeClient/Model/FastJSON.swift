import Foundation

/// A strict, allocation-light JSON reader for the client's hot replies (`Message`, usage, stream
/// events), used in front of Foundation's `JSONDecoder`.
///
/// It accepts only what it can turn into exactly the values `JSONDecoder` would produce, and
/// returns `nil` for everything else — a fractional or exponent number, an integer beyond
/// `Int64`, a repeated key, invalid UTF-8, an unpaired `\u` surrogate, nesting deeper than
/// 128, trailing bytes — so callers then take the `JSONDecoder` path and its results and error
/// messages are unchanged. Grammar: RFC 8259 (https://www.rfc-editor.org/rfc/rfc8259).
enum FastJSON {
    /// A parsed value. Objects keep their members in document order (no hashing). Not
    /// `indirect`: arrays already hold their elements out of line, and boxing every node (an
    /// allocation per number, string and null) was half the allocations of a reply.
    enum Node {
        case null
        case bool(Bool)
        case int(Int64)
        /// A number with a fraction or exponent, as the nearest `Double` (`±infinity` beyond its
        /// range, where `JSONDecoder` refuses the number). Only `Double` fields read it; elsewhere
        /// callers fall back, because `JSONDecoder` turns `5.0` into an integer for `Int` fields
        /// and `JSONValue`, and that is not worth mirroring.
        case fraction(Double)
        case string(String)
        case array([Node])
        case object([Member])
    }

    /// The object keys of the API's replies and stream events longer than 15 bytes, the most a
    /// Swift string holds without a heap allocation: a key read from a reply that equals one of
    /// these is this (immortal) string instead of a new one.
    static let knownLongKeys: [String] = [
        "cache_creation_input_tokens", "cache_read_input_tokens", "ephemeral_5m_input_tokens",
        "ephemeral_1h_input_tokens", "web_search_requests", "web_fetch_requests",
        "context_management",
    ]
    private static let knownLongKeyBytes: [(bytes: [UInt8], key: String)] = knownLongKeys.map { (Array($0.utf8), $0) }

    /// The known key spelled by `bytes`, if any (short keys need no interning: they are stored
    /// inline in the string).
    static func knownKey(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count > 15 else { return nil }
        for entry in knownLongKeyBytes where entry.bytes.count == bytes.count {
            if entry.bytes.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return entry.key }
        }
        return nil
    }

    /// One member of an object.
    struct Member {
        var key: String
        var value: Node
    }

    /// Parses a whole document; `nil` when it is not one the fast paths handle exactly.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Node? {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        guard let node = parser.value() else { return nil }
        parser.skipWhitespace()
        return parser.position == bytes.count ? node : nil
    }

    /// Parses `data` in place (`Data` offers no `withContiguousStorageIfAvailable`, so the
    /// generic overload below would copy every reply into an array first).
    static func parse(_ data: Data) -> Node? {
        data.withUnsafeBytes { parse($0) }
    }

    /// Parses `bytes` (a `[UInt8]`, or any other collection, copied when not contiguous).
    static func parse(_ bytes: some Collection<UInt8>) -> Node? {
        if let node = bytes.withContiguousStorageIfAvailable({ parse(UnsafeRawBufferPointer($0)) }) { return node }
        return Array(bytes).withUnsafeBytes { parse($0) }
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        var depth = 0

        static let quote = UInt8(ascii: "\"")
        static let backslash = UInt8(ascii: "\\")

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func value() -> Node? {
            guard position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case Self.quote: return string().map(Node.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return nil
            }
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count else { return false }
            let pointer = word.utf8Start
            for offset in 0..<count where bytes[position + offset] != pointer[offset] { return false }
            position += count
            return true
        }

        private mutating func object() -> Node? {
            depth += 1
            guard depth <= 128 else { return nil }
            defer { depth -= 1 }
            position += 1
            var members: [Member] = []
            // One allocation for the objects of a reply (a message has 8 members); growing
            // from empty reallocated up to four times.
            members.reserveCapacity(8)
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == Self.quote, let key = key() else { return nil }
                // A repeated key: which one JSONDecoder keeps is not worth depending on.
                if members.count < 32 {
                    if members.contains(where: { $0.key == key }) { return nil }
                } else if Set(members.lazy.map(\.key)).count != members.count || members.contains(where: { $0.key == key }) {
                    return nil
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return nil }
                position += 1
                skipWhitespace()
                guard let value = value() else { return nil }
                members.append(Member(key: key, value: value))
                skipWhitespace()
                guard position < bytes.count else { return nil }
                switch bytes[position] {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(members)
                default: return nil
                }
            }
        }

        private mutating func array() -> Node? {
            depth += 1
            guard depth <= 128 else { return nil }
            defer { depth -= 1 }
            position += 1
            var elements: [Node] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                guard let element = value() else { return nil }
                elements.append(element)
                skipWhitespace()
                guard position < bytes.count else { return nil }
                switch bytes[position] {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                default: return nil
                }
            }
        }

        private mutating func number() -> Node? {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            let digitsStart = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                position += 1
            }
            let digits = position - digitsStart
            guard digits > 0 else { return nil }
            // RFC 8259: no leading zeros.
            if digits > 1, bytes[digitsStart] == UInt8(ascii: "0") { return nil }
            var fractional = false
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard skipDigits() else { return nil }
                fractional = true
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard skipDigits() else { return nil }
                fractional = true
            }
            if fractional {
                // Correctly rounded, as JSONDecoder reads a `Double`; only then is the text needed.
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                return .fraction(Double(text) ?? .nan)
            }
            guard digits <= 19 else { return nil }
            let negative = digitsStart != start
            var magnitude: UInt64 = 0
            for index in digitsStart..<position {
                magnitude = magnitude * 10 + UInt64(bytes[index] - UInt8(ascii: "0"))
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return .int(Int64(magnitude))
        }

        private mutating func skipDigits() -> Bool {
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                position += 1
            }
            return position > start
        }

        /// `bytes` as a string, or `nil` when they are not valid UTF-8. `String(validating:as:)`
        /// is generic and was not specialized here: it looked up type metadata on every call, a
        /// tenth of a reply's decoding. ASCII (almost every key and value) is copied as is;
        /// otherwise the repairing decoder's output equals the input exactly when nothing was
        /// repaired.
        static func validUTF8(_ bytes: UnsafeRawBufferPointer) -> String? {
            let buffer = bytes.assumingMemoryBound(to: UInt8.self)
            let text = String(decoding: buffer, as: UTF8.self)
            if !buffer.contains(where: { $0 >= 0x80 }) { return text }
            return text.utf8.elementsEqual(buffer) ? text : nil
        }

        /// An object key: one of the API's own (``FastJSON/knownLongKeys``) without building a
        /// string, else as ``string()``.
        mutating func key() -> String? {
            let start = position + 1
            var end = start
            while end < bytes.count, bytes[end] != Self.quote, bytes[end] != Self.backslash { end += 1 }
            if end < bytes.count, bytes[end] == Self.quote, let known = FastJSON.knownKey(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) {
                position = end + 1
                return known
            }
            return string()
        }

        /// A string starting at the opening quote; `nil` for raw control characters, a bad escape,
        /// an unpaired surrogate or invalid UTF-8.
        mutating func string() -> String? {
            position += 1
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == Self.quote {
                    let text = Self.validUTF8(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
                    position += 1
                    return text
                }
                if byte == Self.backslash { return escapedString(from: start) }
                if byte < 0x20 { return nil }
                position += 1
            }
            return nil
        }

        private mutating func escapedString(from start: Int) -> String? {
            var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
            out.reserveCapacity(out.count + 32)
            while position < bytes.count {
                let byte = bytes[position]
                if byte == Self.quote {
                    position += 1
                    return out.withUnsafeBytes { Self.validUTF8($0) }
                }
                if byte < 0x20 { return nil }
                guard byte == Self.backslash else {
                    out.append(byte)
                    position += 1
                    continue
                }
                guard position + 1 < bytes.count else { return nil }
                let escape = bytes[position + 1]
                position += 2
                switch escape {
                case Self.quote: out.append(Self.quote)
                case Self.backslash: out.append(Self.backslash)
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let unit = hex4() else { return nil }
                    var scalarValue = UInt32(unit)
                    if unit >= 0xD800, unit < 0xDC00 {
                        guard position + 1 < bytes.count, bytes[position] == Self.backslash,
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { return nil }
                        position += 2
                        guard let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                        scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else if unit >= 0xDC00, unit < 0xE000 {
                        return nil
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                    out.append(contentsOf: scalar.utf8)
                default: return nil
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt16? {
            guard bytes.count - position >= 4 else { return nil }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
                position += 1
            }
            return value
        }
    }
}
