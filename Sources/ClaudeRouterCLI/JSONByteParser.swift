/// A JSON value (RFC 8259) parsed straight from UTF-8 bytes, for bulk inputs read line by line.
///
/// `JSONSerialization` builds Foundation objects and bridges every string; one request line of a
/// bulk workload needs only its few top-level fields, so this small parser reads the bytes once,
/// validates the whole text as JSON, and makes a Swift `String` only for the strings it keeps.
enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's literal text (already checked against the JSON number grammar).
    case number(String)
    case bool(Bool)
    case null
}

/// The parser behind ``JSONValue``: one pass, no backtracking, nesting limited to 512 levels.
struct JSONByteParser {
    /// The text is not one well-formed JSON value (or not UTF-8).
    struct Invalid: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    private static let maxDepth = 512

    /// Parses `bytes` as exactly one JSON value with optional surrounding whitespace.
    /// - Throws: ``Invalid``.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Invalid) -> JSONValue {
        var parser = JSONByteParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Invalid() }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Invalid) -> JSONValue {
        guard index < bytes.count else { throw Invalid() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws(Invalid) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw Invalid() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Invalid() }
        index += count
    }

    private mutating func nested<T>(_ body: (inout JSONByteParser) throws(Invalid) -> T) throws(Invalid) -> T {
        depth += 1
        guard depth <= Self.maxDepth else { throw Invalid() }
        defer { depth -= 1 }
        return try body(&self)
    }

    private mutating func object() throws(Invalid) -> JSONValue {
        try nested { (p: inout JSONByteParser) throws(Invalid) -> JSONValue in
            p.index += 1
            var members: [(key: String, value: JSONValue)] = []
            p.skipWhitespace()
            if p.index < p.bytes.count && p.bytes[p.index] == UInt8(ascii: "}") { p.index += 1; return .object(members) }
            while true {
                p.skipWhitespace()
                guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "\"") else { throw Invalid() }
                let key = try p.string()
                p.skipWhitespace()
                guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: ":") else { throw Invalid() }
                p.index += 1
                p.skipWhitespace()
                members.append((key, try p.value()))
                p.skipWhitespace()
                guard p.index < p.bytes.count else { throw Invalid() }
                if p.bytes[p.index] == UInt8(ascii: ",") { p.index += 1; continue }
                guard p.bytes[p.index] == UInt8(ascii: "}") else { throw Invalid() }
                p.index += 1
                return .object(members)
            }
        }
    }

    private mutating func array() throws(Invalid) -> JSONValue {
        try nested { (p: inout JSONByteParser) throws(Invalid) -> JSONValue in
            p.index += 1
            var elements: [JSONValue] = []
            p.skipWhitespace()
            if p.index < p.bytes.count && p.bytes[p.index] == UInt8(ascii: "]") { p.index += 1; return .array(elements) }
            while true {
                p.skipWhitespace()
                elements.append(try p.value())
                p.skipWhitespace()
                guard p.index < p.bytes.count else { throw Invalid() }
                if p.bytes[p.index] == UInt8(ascii: ",") { p.index += 1; continue }
                guard p.bytes[p.index] == UInt8(ascii: "]") else { throw Invalid() }
                p.index += 1
                return .array(elements)
            }
        }
    }

    /// A string starting at the opening quote. The common case (no escapes) is one scan and one
    /// validating UTF-8 decode of the slice.
    private mutating func string() throws(Invalid) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            // Eight bytes at a time while none of them ends the string, starts an escape or is a
            // control character: a prompt of 1,500 words is one long run of plain bytes.
            while index &+ 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if Self.hasQuoteBackslashOrControl(word) { break }
                index &+= 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try decode(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw Invalid() }
            index += 1
        }
        throw Invalid()
    }

    /// Whether any of the eight bytes of `word` is `"`, `\\` or below 0x20 (the SWAR tests of
    /// "Bit Twiddling Hacks", https://graphics.stanford.edu/~seander/bithacks.html#ZeroInWord:
    /// exact for "is there such a byte", which is all this asks).
    @inline(__always)
    static func hasQuoteBackslashOrControl(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (quoteZero | backslashZero | control) & high != 0
    }

    private func decode(_ slice: UnsafeBufferPointer<UInt8>) throws(Invalid) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw Invalid() }
        return text
    }

    private mutating func escapedString(from start: Int) throws(Invalid) -> String {
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw Invalid() }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Invalid() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): appendUTF8(of: try unicodeEscape(), to: &out)
                default: throw Invalid()
                }
            default:
                if byte < 0x20 { throw Invalid() }
                out.append(byte)
            }
        }
        throw Invalid()
    }

    /// The scalar of `XXXX` after `\u` (a surrogate pair when it takes two escapes).
    private mutating func unicodeEscape() throws(Invalid) -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800...0xDBFF).contains(high) {
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw Invalid() }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low),
                  let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else { throw Invalid() }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw Invalid() } // a lone low surrogate
        return scalar
    }

    private mutating func hex4() throws(Invalid) -> UInt32 {
        guard bytes.count - index >= 4 else { throw Invalid() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Invalid()
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func appendUTF8(of scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() throws(Invalid) -> String {
        let start = index, bytes = self.bytes
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit(index) else { throw Invalid() }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { while digit(index) { index += 1 } }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digit(index) else { throw Invalid() }
            while digit(index) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard digit(index) else { throw Invalid() }
            while digit(index) { index += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }
}
