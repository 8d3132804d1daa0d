extension TextStructure {
    /// How often `marker` occurs (`firstThen` only up to the limit the scan was given).
    func count(of marker: StructureMarker) -> Int {
        switch marker {
        case .numberedSteps: numberedSteps
        case .firstThen: firstThenSequences
        case .codeFences: (fenceLines + 1) / 2
        }
    }

    /// Whether the line `start ..< end`, from its first non-blank byte `start`, opens with an
    /// optional `step` (any case, then blanks), one or two digits, `.`, `)` or `:`, and a blank.
    static func isNumberedStep(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var index = start
        @inline(__always) func isBlank(_ at: Int) -> Bool { at < end && (bytes[at] == 32 || bytes[at] == 9) }
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < end && bytes[at] &- 48 < 10 }
        if index + 4 <= end, ASCII.lowercase(bytes[index]) == UInt8(ascii: "s"),
           ASCII.lowercase(bytes[index + 1]) == UInt8(ascii: "t"),
           ASCII.lowercase(bytes[index + 2]) == UInt8(ascii: "e"),
           ASCII.lowercase(bytes[index + 3]) == UInt8(ascii: "p") {
            index += 4
            while isBlank(index) { index += 1 }
        }
        guard isDigit(index) else { return false }
        index += 1
        if isDigit(index) { index += 1 }
        guard index < end else { return false }
        let mark = bytes[index]
        guard mark == UInt8(ascii: ".") || mark == UInt8(ascii: ")") || mark == UInt8(ascii: ":") else { return false }
        return isBlank(index + 1)
    }

    private static let first: [UInt8] = Array("first".utf8)

    /// Sentences (runs of text up to `.`, `?`, `!` or a newline) in which a word `first` (any
    /// case, ASCII word boundaries) is followed by a word `then`. The search jumps from one
    /// `first` to the next with `memchr`, so text without the word costs almost nothing; it
    /// stops after `limit` sequences.
    static func countFirstThen(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        var count = 0
        var position = 0
        let total = bytes.count
        while count < limit, let found = LiteralSearch.find(first, in: bytes, from: position, caseInsensitive: true) {
            guard isWord(length: 5, at: found, in: bytes) else {
                position = found + 1
                continue
            }
            var index = found + 5
            var matched = false
            while index < total, !isSentenceEnd(bytes[index]) {
                if !matched, index + 4 <= total, ASCII.lowercase(bytes[index]) == UInt8(ascii: "t"),
                   ASCII.lowercase(bytes[index + 1]) == UInt8(ascii: "h"),
                   ASCII.lowercase(bytes[index + 2]) == UInt8(ascii: "e"),
                   ASCII.lowercase(bytes[index + 3]) == UInt8(ascii: "n"),
                   isWord(length: 4, at: index, in: bytes) {
                    matched = true
                }
                index += 1
            }
            // One count per sentence: a later `first` in the same sentence starts no new sequence.
            if matched { count += 1 }
            guard index < total else { break }
            position = index + 1
        }
        return count
    }

    /// Whether the `length` bytes at `at` stand alone: no ASCII word byte right before or after.
    @inline(__always)
    private static func isWord(length: Int, at: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if at > 0, ASCII.isWord(bytes[at - 1]) { return false }
        let end = at + length
        if end < bytes.count, ASCII.isWord(bytes[end]) { return false }
        return end <= bytes.count
    }

    @inline(__always)
    private static func isSentenceEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "!") || byte == 10
    }
}
