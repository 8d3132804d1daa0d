#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes hold the literal `expected` at `offset`, compared with `memcmp`. The
    /// stream parsers match fixed field names and prefixes with it: the standard library's
    /// `starts(with:)` and `elementsEqual` walked both sequences through generic iterators, a
    /// visible share of a stream's decoding in profiles, and a `StaticString` is a constant in
    /// the binary, so matching one costs no lazy-global check (`swift_once` on Linux) and no array,
    /// which a `static let` byte array would on every call. False when `offset` is out of range
    /// or fewer than `expected`'s bytes follow it; true for an empty `expected` in range.
    func holds(_ expected: StaticString, at offset: Int) -> Bool {
        holds(bytes: UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount), at: offset)
    }

    /// Whether these bytes are exactly `expected`.
    func equals(_ expected: StaticString) -> Bool {
        count == expected.utf8CodeUnitCount && holds(expected, at: 0)
    }

    private func holds(bytes expected: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        guard offset >= 0, offset <= count, count - offset >= expected.count else { return false }
        guard !expected.isEmpty, let base = baseAddress, let other = expected.baseAddress else { return true }
        return memcmp(base + offset, other, expected.count) == 0
    }
}
