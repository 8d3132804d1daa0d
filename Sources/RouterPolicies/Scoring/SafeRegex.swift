/// A user-supplied regular expression that is safe to run on untrusted prompt text.
///
/// Patterns are compiled once, when the policy loads, into a byte program that a Pike VM
/// (Thompson NFA simulation) runs in time linear in the text: `O(text × program)`, with no
/// backtracking, so `(a+)+$` on 50,000 `a`s is as cheap as any other pattern.
///
/// Supported subset (RE2-like), matched over the text's UTF-8 bytes:
/// - literals (any Unicode character), escapes `\\ \. \* \+ \? \( \) \[ \] \{ \} \| \^ \$ \/ \- \n \t \r`
/// - classes `\d \w \s` and their negations `\D \W \S` (ASCII definitions, as in RE2)
/// - bracket classes `[a-z0-9_]`, `[^…]` with ASCII members, ranges and the escapes above
/// - `.` (any character but newline; a whole UTF-8 character, not a byte)
/// - groups `(…)` and `(?:…)` (groups do not capture), alternation `|`
/// - quantifiers `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` with `n ≤ 100` (greedy)
/// - anchors `^` / `$` (start / end of a LINE — prompts are multi-line), `\A` / `\z` (start /
///   end of the text), `\b` / `\B` (ASCII word boundary)
///
/// Rejected with a `SafeRegexError` whose `offset` points at the construct: backreferences
/// (`\1`), lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`), named groups, lazy/possessive
/// quantifiers, inline flags, counts above 100, non-ASCII class members, empty patterns.
///
/// Matching is leftmost-first (the alternative written first wins), like RE2 and PCRE.
/// With `caseInsensitive` (the default) ASCII letters match either case.
public struct SafeRegex: Sendable, Hashable {
    /// The pattern as written in the policy.
    public let pattern: String
    /// Whether ASCII letters match regardless of case.
    public let caseInsensitive: Bool
    let program: RegexProgram

    /// Compiles `pattern`; throws when it is outside the supported subset.
    public init(_ pattern: String, caseInsensitive: Bool = true) throws(SafeRegexError) {
        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        self.program = try RegexProgram(pattern: pattern, caseInsensitive: caseInsensitive)
    }

    /// Number of non-overlapping matches in `text`, counting at most `limit`.
    public func matchCount(in text: String, limit: Int) -> Int {
        guard limit > 0 else { return 0 }
        return withUTF8Bytes(of: text) { bytes in program.countMatches(in: bytes, limit: limit) }
    }

    /// The leftmost match in `text`, if any.
    package func firstMatch(in text: String) -> Range<String.Index>? {
        let found = withUTF8Bytes(of: text) { bytes in program.firstMatch(in: bytes, from: 0) }
        guard let found else { return nil }
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: found.lowerBound)
        let upper = utf8.index(lower, offsetBy: found.count)
        return lower..<upper
    }

    /// Whether `text` contains a match.
    package func matches(_ text: String) -> Bool { matchCount(in: text, limit: 1) > 0 }

    public static func == (lhs: SafeRegex, rhs: SafeRegex) -> Bool {
        lhs.pattern == rhs.pattern && lhs.caseInsensitive == rhs.caseInsensitive
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pattern)
        hasher.combine(caseInsensitive)
    }
}

/// Why a pattern was rejected, and where.
public struct SafeRegexError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in words (`"lookahead is not supported"`).
    public var message: String
    /// 0-based UTF-8 byte offset in the pattern of the offending construct, so a decoder can
    /// point a caret at it.
    public var offset: Int

    /// Creates an error at `offset`.
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at offset \(offset))" }
}
