#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hand-written counters for the few patterns the default policy runs on every request.
///
/// The Pike VM costs tens of instructions per byte it simulates; these patterns are deterministic
/// enough to count with a plain scan that gives exactly the VM's answer (non-overlapping,
/// leftmost-first matches), at a fraction of the cost. Any other pattern — and these patterns
/// when compiled case-sensitively — still runs on the VM.
enum RegexFastPath: Sendable {
    /// `\bfirst\b[^.?!\n]*\bthen\b` — the default `multi_step` "first … then" sequence.
    case firstThen
    /// `^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]` — the default `multi_step` numbered step.
    case numberedStep
    /// ```` ```[a-z]*\n ```` — an opening code fence (the default policy's `code-review` rule).
    case fenceOpening

    init?(pattern: String, caseInsensitive: Bool) {
        guard caseInsensitive else { return nil }
        switch pattern {
        case #"\bfirst\b[^.?!\n]*\bthen\b"#: self = .firstThen
        case #"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#: self = .numberedStep
        case "```[a-z]*\\n": self = .fenceOpening
        default: return nil
        }
    }

    /// Number of non-overlapping matches in `bytes`, counting at most `limit` (> 0).
    func countMatches(in bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        switch self {
        case .firstThen: return Self.countFirstThen(bytes, limit: limit)
        case .numberedStep: return Self.countNumberedSteps(bytes, limit: limit)
        case .fenceOpening: return Self.countFenceOpenings(bytes, limit: limit)
        }
    }

    private static let first: [UInt8] = Array("first".utf8)
    private static let then: [UInt8] = Array("then".utf8)
    private static let fence: [UInt8] = Array("```".utf8)

    /// Whether the word `word` (lowercase ASCII) occurs case-insensitively at `at` with an ASCII
    /// word boundary on both sides (as `\bword\b`).
    @inline(__always)
    private static func isWord(_ word: [UInt8], at: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if at > 0, ASCII.isWord(bytes[at - 1]) { return false }
        let end = at + word.count
        if end < bytes.count, ASCII.isWord(bytes[end]) { return false }
        return end <= bytes.count
    }

    @inline(__always)
    private static func isTerminator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "!") || byte == 10
    }

    /// A match runs from a word `first` to the last word `then` before the next `.`, `?`, `!` or
    /// newline (the star is greedy), so the rest of that segment can hold no further match: the
    /// count is the number of segments with a word `first` followed by a word `then`.
    private static func countFirstThen(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        var count = 0
        var position = 0
        let total = bytes.count
        while count < limit,
              let found = LiteralSearch.find(first, in: bytes, from: position, caseInsensitive: true) {
            guard isWord(first, at: found, in: bytes) else {
                position = found + 1
                continue
            }
            // Look for a word `then` between the end of `first` and the end of its segment.
            var index = found + first.count
            var matched = false
            while index < total, !isTerminator(bytes[index]) {
                if !matched, ASCII.lowercase(bytes[index]) == UInt8(ascii: "t"), index + then.count <= total,
                   ASCII.lowercase(bytes[index + 1]) == UInt8(ascii: "h"),
                   ASCII.lowercase(bytes[index + 2]) == UInt8(ascii: "e"),
                   ASCII.lowercase(bytes[index + 3]) == UInt8(ascii: "n"),
                   isWord(then, at: index, in: bytes) {
                    matched = true
                }
                index += 1
            }
            if matched { count += 1 }
            // No later `first` in this segment can match: none has a `then` after it, or the
            // match consumed it.
            position = index + 1
            if index >= total { break }
        }
        return count
    }

    /// `^` is a line start, so each line holds at most one match; the pattern is deterministic
    /// (no byte can continue two ways), so one forward check per line decides it.
    private static func countNumberedSteps(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        var count = 0
        var lineStart = 0
        let total = bytes.count
        guard let base = bytes.baseAddress else { return 0 }
        while count < limit, lineStart <= total {
            if isNumberedStep(bytes, from: lineStart) { count += 1 }
            guard lineStart < total, let newline = memchr(base + lineStart, 10, total - lineStart) else { break }
            lineStart = UnsafeRawPointer(newline) - UnsafeRawPointer(base) + 1
        }
        return count
    }

    private static func isNumberedStep(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let total = bytes.count
        var index = start
        func isBlank(_ at: Int) -> Bool { at < total && (bytes[at] == 32 || bytes[at] == 9) }
        func isDigit(_ at: Int) -> Bool { at < total && bytes[at] &- 48 < 10 }
        while isBlank(index) { index += 1 }
        if index + 4 <= total, ASCII.lowercase(bytes[index]) == UInt8(ascii: "s"),
           ASCII.lowercase(bytes[index + 1]) == UInt8(ascii: "t"),
           ASCII.lowercase(bytes[index + 2]) == UInt8(ascii: "e"),
           ASCII.lowercase(bytes[index + 3]) == UInt8(ascii: "p") {
            index += 4
            while isBlank(index) { index += 1 }
        }
        guard isDigit(index) else { return false }
        index += 1
        if isDigit(index) { index += 1 }
        guard index < total else { return false }
        let mark = bytes[index]
        guard mark == UInt8(ascii: ".") || mark == UInt8(ascii: ")") || mark == UInt8(ascii: ":") else { return false }
        return isBlank(index + 1)
    }

    /// Three backticks, any ASCII letters, a newline; a failed start is retried one byte later.
    private static func countFenceOpenings(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        var count = 0
        var position = 0
        let total = bytes.count
        while count < limit,
              let found = LiteralSearch.find(fence, in: bytes, from: position, caseInsensitive: true) {
            var index = found + fence.count
            while index < total, ASCII.lowercase(bytes[index]) &- 97 < 26 { index += 1 }
            if index < total, bytes[index] == 10 {
                count += 1
                position = index + 1
            } else {
                position = found + 1
            }
        }
        return count
    }
}
