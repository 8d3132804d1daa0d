/// Structural counts read from the text in one pass: questions, requirement lines, code, steps.
struct TextStructure {
    var questionMarks = 0
    /// Lines starting with `-`, `*`, `•`, or `1.` / `1)` (after indentation).
    var bulletLines = 0
    /// Lines starting with three backticks or tildes.
    var fenceLines = 0
    /// Lines ending in `;`, `{` or `}`, or holding `=>`, `->`, `::`, `==`, `!=`.
    var codeLines = 0
    /// Lines starting (after indentation) with an optional `step`, one or two digits, `.`, `)`
    /// or `:`, and a blank: `1. `, `12) `, `Step 3: `.
    var numberedSteps = 0
    /// Sentences holding the word `first` and after it the word `then`, counted up to the limit
    /// given to `init` (0 unless asked for).
    var firstThenSequences = 0

    /// `\n`, `:`, `=`, `>`, `?` — the only bytes (all below 64) the scan stops at.
    private static let interesting: UInt64 = 1 << 10 | 1 << 58 | 1 << 61 | 1 << 62 | 1 << 63

    /// Reads `bytes` once; a positive `firstThenLimit` adds the `first … then` search, which
    /// stops after that many sequences (a signal is full at its `full_at`).
    init(_ bytes: UnsafeBufferPointer<UInt8>, firstThenLimit: Int = 0) {
        let count = bytes.count
        var lineStart = 0
        var sawCodeSymbol = false
        var index = 0
        if let base = bytes.baseAddress {
            // Eight bytes at a time: most words hold none of the interesting bytes.
            while index &+ 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if Self.mayHoldInteresting(word) {
                    let stop = index &+ 8
                    while index < stop {
                        visit(bytes, at: index, lineStart: &lineStart, sawCodeSymbol: &sawCodeSymbol)
                        index &+= 1
                    }
                } else {
                    index &+= 8
                }
            }
        }
        while index < count {
            visit(bytes, at: index, lineStart: &lineStart, sawCodeSymbol: &sawCodeSymbol)
            index += 1
        }
        classifyLine(bytes, from: lineStart, to: count, sawCodeSymbol: sawCodeSymbol)
        if firstThenLimit > 0 { firstThenSequences = Self.countFirstThen(bytes, limit: firstThenLimit) }
    }

    /// Whether any byte of `word` is `\n`, `:`, `;`, `<`, `=`, `>` or `?` (a superset of the
    /// interesting bytes; `visit` checks each byte exactly).
    @inline(__always)
    private static func mayHoldInteresting(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // High bit of a byte set where that byte of `value` is 0 (exact as to whether any is).
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value }
        // One branch for all three tests.
        return (zeroBytes(word ^ (ones &* 10))
            | zeroBytes((word | (ones &* 3)) ^ (ones &* 63))  // 60…63: < = > ?
            | zeroBytes((word | ones) ^ (ones &* 59))) & highs != 0  // 58…59: : ;
    }

    @inline(__always)
    private mutating func visit(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, lineStart: inout Int,
                                sawCodeSymbol: inout Bool) {
        let byte = bytes[index]
        guard byte < 64, (Self.interesting >> UInt64(byte)) & 1 != 0 else { return }
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
        if Self.isNumberedStep(bytes, from: first, to: end) { numberedSteps += 1 }
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
