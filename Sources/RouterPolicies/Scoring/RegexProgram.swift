/// A compiled `SafeRegex`: immutable after init, so sharing it across threads is safe.
final class RegexProgram: Sendable {
    init(pattern: String, caseInsensitive: Bool) throws(SafeRegexError) {
        if pattern.isEmpty { throw SafeRegexError(message: "empty pattern", offset: 0) }
    }

    func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var text = text
        return text.withUTF8 { body($0) }
    }

    func countMatches(in bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int { 0 }

    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Range<Int>? { nil }
}
