#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes hold `expected` at `offset`, compared with `memcmp`. The stream
    /// parsers match fixed field names and prefixes with it: the standard library's
    /// `starts(with:)` and `elementsEqual` walked both sequences through generic iterators, a
    /// visible share of a stream's decoding in profiles. False when `offset` is out of range or
    /// fewer than `expected.count` bytes follow it; true for an empty `expected` in range.
    func holds(_ expected: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count, count - offset >= expected.count else { return false }
        guard !expected.isEmpty, let base = baseAddress else { return true }
        return expected.withUnsafeBufferPointer { memcmp(base + offset, $0.baseAddress!, $0.count) == 0 }
    }
}
