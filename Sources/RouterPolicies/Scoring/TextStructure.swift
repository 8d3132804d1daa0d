/// Structural counts read from the text in one pass: questions, requirement lines, code.
struct TextStructure {
    var questionMarks = 0
    /// Lines starting with `-`, `*`, `•`, or `1.` / `1)` (after indentation).
    var bulletLines = 0
    /// Lines starting with three backticks or tildes.
    var fenceLines = 0
    /// Lines ending in `;`, `{` or `}`, or holding `=>`, `->`, `::`, `==`, `!=`.
    var codeLines = 0

    /// `\n`, `:`, `=`, `>`, `?` — the only bytes (all below 64) the scan stops at.
    private static let interesting: UInt64 = 1 << 10 | 1 << 58 | 1 << 61 | 1 << 62 | 1 << 63

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        var lineStart = 0
        var sawCodeSymbol = false
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte < 64, (Self.interesting >> UInt64(byte)) & 1 != 0 {
                let previous: UInt8 = index > 0 ? bytes[index - 1] : 0
                switch byte {
                case 10:
                    classifyLine(bytes, from: lineStart, to: index, sawCodeSymbol: sawCodeSymbol)
                    lineStart = index + 1
                    sawCodeSymbol = false
                case UInt8(ascii: "?"): questionMarks += 1
                case UInt8(ascii: ">"): if previous == UInt8(ascii: "=") || previous == UInt8(ascii: "-") { sawCodeSymbol = true }
                case UInt8(ascii: ":"): if previous == UInt8(ascii: ":") { sawCodeSymbol = true }
                default: if previous == UInt8(ascii: "=") || previous == UInt8(ascii: "!") { sawCodeSymbol = true }
                }
            }
            index += 1
        }
        classifyLine(bytes, from: lineStart, to: count, sawCodeSymbol: sawCodeSymbol)
    }

    private mutating func classifyLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                                       sawCodeSymbol: Bool) {
        var last = end
        while last > start, bytes[last - 1] == 32 || bytes[last - 1] == 9 || bytes[last - 1] == 13 { last -= 1 }
        let lastNonSpace: UInt8 = last > start ? bytes[last - 1] : 0
        var first = start
        while first < end, bytes[first] == 32 || bytes[first] == 9 { first += 1 }
        guard first < end else { return }
        let lead = bytes[first]
        let next: UInt8 = first + 1 < end ? bytes[first + 1] : 0
        if (lead == UInt8(ascii: "`") || lead == UInt8(ascii: "~")), end - first >= 3,
           bytes[first + 1] == lead, bytes[first + 2] == lead {
            fenceLines += 1
            return
        }
        if (lead == UInt8(ascii: "-") || lead == UInt8(ascii: "*")) && next == 32 {
            bulletLines += 1
        } else if lead == 0xE2, next == 0x80, first + 2 < end, bytes[first + 2] == 0xA2 {  // •
            bulletLines += 1
        } else if lead &- 48 < 10 {
            var digit = first
            while digit < end, bytes[digit] &- 48 < 10 { digit += 1 }
            if digit < end, bytes[digit] == UInt8(ascii: ".") || bytes[digit] == UInt8(ascii: ")"),
               digit + 1 < end, bytes[digit + 1] == 32 {
                bulletLines += 1
            }
        }
        if sawCodeSymbol || lastNonSpace == UInt8(ascii: ";") || lastNonSpace == UInt8(ascii: "{")
            || lastNonSpace == UInt8(ascii: "}") {
            codeLines += 1
        }
    }
}
