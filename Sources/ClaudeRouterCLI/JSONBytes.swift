/// Appending JSON text to a byte buffer, for bulk writers that emit one small object per input
/// line: no encoder object, no intermediate `Data` or `String` per line. The output follows
/// `JSONEncoder`'s conventions for the same values (`/` unescaped, integral doubles without
/// `.0`), so a reader cannot tell the two apart.
enum JSONBytes {
    static func appendLiteral(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A JSON string: `"`, `\` and control characters escaped; everything else as UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendInt(_ value: Int, to out: inout [UInt8]) {
        var text = String(value)
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// The shortest text that reads back as `value` (`0.25`, `1`, `1e-05`); `null` when not finite.
    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else { return appendLiteral("null", to: &out) }
        // Whole numbers (weights, strengths of 0 and 1, zero contributions: most of a decision's
        // numbers) are written as integers without making a String; `description` gives the same
        // digits for them below 1e16 (above, it switches to an exponent).
        if value == value.rounded(.towardZero), abs(value) < 1e15, value != 0 || value.sign == .plus {
            var integer = Int(value)
            if integer < 0 {
                out.append(UInt8(ascii: "-"))
                integer = -integer
            }
            var digits: (UInt64, UInt64) = (0, 0) // 16 bytes: up to 15 digits, written back to front
            return withUnsafeMutableBytes(of: &digits) { buffer in
                var end = buffer.count
                repeat {
                    end -= 1
                    buffer[end] = UInt8(ascii: "0") + UInt8(integer % 10)
                    integer /= 10
                } while integer > 0
                out.append(contentsOf: buffer[end...])
            }
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A JSON array of strings.
    static func appendStrings(_ items: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `,"key":`: a member after the first one.
    static func appendMember(_ key: StaticString, to out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        appendKey(key, to: &out)
    }

    /// `"key":` (keys are written in sorted order by the callers).
    static func appendKey(_ key: StaticString, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendLiteral(key, to: &out)
        appendLiteral("\":", to: &out)
    }
}
