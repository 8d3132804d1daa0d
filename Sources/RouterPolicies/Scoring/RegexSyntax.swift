/// A set of bytes, as a 256-bit bitmap.
struct ByteSet: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    static func == (lhs: ByteSet, rhs: ByteSet) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0); hasher.combine(words.1); hasher.combine(words.2); hasher.combine(words.3)
    }

    @inline(__always) func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func insert(_ range: ClosedRange<UInt8>) {
        for byte in range { insert(byte) }
    }

    func isSubset(of other: ByteSet) -> Bool {
        words.0 & ~other.words.0 == 0 && words.1 & ~other.words.1 == 0
            && words.2 & ~other.words.2 == 0 && words.3 & ~other.words.3 == 0
    }

    mutating func formUnion(_ other: ByteSet) {
        words.0 |= other.words.0; words.1 |= other.words.1
        words.2 |= other.words.2; words.3 |= other.words.3
    }

    /// The complement within ASCII (0…127): non-ASCII characters are handled as whole UTF-8
    /// sequences by `RegexNode.characterClass`.
    func asciiComplement() -> ByteSet {
        var result = ByteSet()
        result.words.0 = ~words.0
        result.words.1 = ~words.1
        return result
    }

    /// Adds the other case of every ASCII letter in the set.
    mutating func addCaseVariants() {
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") where contains(byte) || contains(byte - 32) {
            insert(byte)
            insert(byte - 32)
        }
    }

    /// The one member of the set, or its lowercase letter when the set is exactly a letter in both
    /// cases; `nil` otherwise. Used to find literal prefixes.
    func literalByte(caseInsensitive: Bool) -> UInt8? {
        var members: [UInt8] = []
        for byte in 0...255 where contains(UInt8(byte)) {
            members.append(UInt8(byte))
            if members.count > 2 { return nil }
        }
        if members.count == 1 { return members[0] }
        if members.count == 2, caseInsensitive, members[1] == members[0] + 32,
           (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(members[1]) {
            return members[1]
        }
        return nil
    }

    static let digits: ByteSet = { var set = ByteSet(); set.insert(UInt8(ascii: "0")...UInt8(ascii: "9")); return set }()
    static let word: ByteSet = {
        var set = ByteSet.digits
        set.insert(UInt8(ascii: "a")...UInt8(ascii: "z"))
        set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
        set.insert(UInt8(ascii: "_"))
        return set
    }()
    static let space: ByteSet = {
        var set = ByteSet()
        for byte in [9, 10, 11, 12, 13, 32] as [UInt8] { set.insert(byte) }
        return set
    }()
}

/// ASCII helpers shared by the regex engine and the keyword matcher.
enum ASCII {
    @inline(__always) static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    @inline(__always) static func isWord(_ byte: UInt8) -> Bool {
        ByteSet.word.contains(byte)
    }
}

/// Zero-width assertions.
enum RegexAssertion: Hashable, Sendable {
    case lineStart, lineEnd, textStart, textEnd, wordBoundary, notWordBoundary
}

/// The parsed pattern.
indirect enum RegexNode: Hashable, Sendable {
    case empty
    /// One ASCII byte from `ascii`, or (when `nonASCII`) one whole non-ASCII UTF-8 character.
    case characterClass(ascii: ByteSet, nonASCII: Bool)
    /// An exact byte sequence (a non-ASCII literal character).
    case bytes([UInt8])
    case concat([RegexNode])
    case alternate([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?)
    case assertion(RegexAssertion)
}
