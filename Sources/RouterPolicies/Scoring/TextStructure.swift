/// Structural counts read from the text in one pass: questions, requirement lines, code.
struct TextStructure {
    var questionMarks = 0
    /// Lines starting with `-`, `*`, `•`, or `1.` / `1)` (after indentation).
    var bulletLines = 0
    /// Lines starting with three backticks or tildes.
    var fenceLines = 0
    /// Lines ending in `;`, `{` or `}`, or holding `=>`, `->`, `::`, `==`, `!=`.
    var codeLines = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        while index < count {
            // One line: [index, end).
            var end = index
            var sawCodeSymbol = false
            var previous: UInt8 = 0
            var lastNonSpace: UInt8 = 0
            while end < count {
                let byte = bytes[end]
                if byte == 10 { break }
                switch byte {
                case UInt8(ascii: "?"): questionMarks += 1
                case UInt8(ascii: ">"): if previous == UInt8(ascii: "=") || previous == UInt8(ascii: "-") { sawCodeSymbol = true }
                case UInt8(ascii: ":"): if previous == UInt8(ascii: ":") { sawCodeSymbol = true }
                case UInt8(ascii: "="): if previous == UInt8(ascii: "=") || previous == UInt8(ascii: "!") { sawCodeSymbol = true }
                default: break
                }
                if byte != 32, byte != 9, byte != 13 { lastNonSpace = byte }
                previous = byte
                end += 1
            }
            classifyLine(bytes, from: index, to: end, lastNonSpace: lastNonSpace, sawCodeSymbol: sawCodeSymbol)
            index = end + 1
        }
    }

    private mutating func classifyLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                                       lastNonSpace: UInt8, sawCodeSymbol: Bool) {
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
