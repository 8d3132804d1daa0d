/// A strict, allocation-light JSON reader for the client's hot replies (`Message`, usage, stream
/// events), used in front of Foundation's `JSONDecoder`.
///
/// It accepts only what it can turn into exactly the values `JSONDecoder` would produce, and
/// returns `nil` for everything else — a fractional or exponent number, an integer beyond
/// `Int64`, a repeated key, invalid UTF-8, an unpaired `\u` surrogate, nesting deeper than
/// 128, trailing bytes — so callers then take the `JSONDecoder` path and its results and error
/// messages are unchanged. Grammar: RFC 8259 (https://www.rfc-editor.org/rfc/rfc8259).
enum FastJSON {
    /// A parsed value. Objects keep their members in document order (no hashing).
    indirect enum Node {
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

    /// Parses `bytes` (a `[UInt8]` or `Data`).
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
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == Self.quote, let key = string() else { return nil }
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

        /// A string starting at the opening quote; `nil` for raw control characters, a bad escape,
        /// an unpaired surrogate or invalid UTF-8.
        mutating func string() -> String? {
            position += 1
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == Self.quote {
                    let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
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
                    return String(validating: out, as: UTF8.self)
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
