/// Parses a `SafeRegex` pattern into a `RegexNode`, rejecting everything outside the subset
/// with the byte offset of the offending construct.
struct RegexParser {
    /// Largest `n` allowed in `{m,n}`.
    static let maximumCount = 100

    private let bytes: [UInt8]
    private let caseInsensitive: Bool
    private var position = 0

    init(pattern: String, caseInsensitive: Bool) {
        self.bytes = Array(pattern.utf8)
        self.caseInsensitive = caseInsensitive
    }

    mutating func parse() throws(SafeRegexError) -> RegexNode {
        if bytes.isEmpty { throw SafeRegexError(message: "empty pattern", offset: 0) }
        let node = try parseAlternation()
        if position < bytes.count {
            // Only an unbalanced `)` stops the top-level alternation early.
            throw SafeRegexError(message: "unmatched ')'", offset: position)
        }
        return node
    }

    private var atEnd: Bool { position >= bytes.count }
    private var current: UInt8 { bytes[position] }

    private func peek(_ ahead: Int) -> UInt8? {
        position + ahead < bytes.count ? bytes[position + ahead] : nil
    }

    private mutating func parseAlternation() throws(SafeRegexError) -> RegexNode {
        var branches = [try parseConcatenation()]
        while !atEnd, current == UInt8(ascii: "|") {
            position += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternate(branches)
    }

    private mutating func parseConcatenation() throws(SafeRegexError) -> RegexNode {
        var items: [RegexNode] = []
        while !atEnd, current != UInt8(ascii: "|"), current != UInt8(ascii: ")") {
            let atomOffset = position
            let atom = try parseAtom()
            let repeated = try parseQuantifiers(atom, atomOffset: atomOffset)
            if case .concat(let inner) = repeated { items.append(contentsOf: inner) } else { items.append(repeated) }
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concat(items)
        }
    }

    private mutating func parseQuantifiers(_ atom: RegexNode, atomOffset: Int) throws(SafeRegexError) -> RegexNode {
        var node = atom
        var quantified = false
        while !atEnd {
            let offset = position
            var bounds: (min: Int, max: Int?)
            switch current {
            case UInt8(ascii: "*"): bounds = (0, nil); position += 1
            case UInt8(ascii: "+"): bounds = (1, nil); position += 1
            case UInt8(ascii: "?"): bounds = (0, 1); position += 1
            case UInt8(ascii: "{"):
                guard let counted = try parseCount() else { return node }
                bounds = counted
            default: return node
            }
            if quantified {
                let what = bytes[offset] == UInt8(ascii: "?") ? "lazy quantifiers are not supported"
                    : bytes[offset] == UInt8(ascii: "+") ? "possessive quantifiers are not supported"
                    : "a quantifier cannot follow another quantifier"
                throw SafeRegexError(message: what, offset: offset)
            }
            switch atom {
            case .assertion, .empty:
                throw SafeRegexError(message: "nothing to repeat", offset: offset)
            default: break
            }
            node = .repetition(node, min: bounds.min, max: bounds.max)
            quantified = true
        }
        return node
    }

    /// `{m}`, `{m,}`, `{m,n}`; `nil` (and no input consumed) when the brace is a literal.
    private mutating func parseCount() throws(SafeRegexError) -> (min: Int, max: Int?)? {
        let start = position
        var cursor = position + 1
        func number(_ cursor: inout Int) -> Int? {
            var value = 0, digits = 0
            while cursor < bytes.count, bytes[cursor] &- 48 < 10 {
                value = min(value * 10 + Int(bytes[cursor] - 48), 1_000_000)
                digits += 1
                cursor += 1
            }
            return digits > 0 ? value : nil
        }
        guard let low = number(&cursor), cursor < bytes.count else { return nil }
        var high: Int? = low
        if bytes[cursor] == UInt8(ascii: ",") {
            cursor += 1
            high = number(&cursor)
        }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "}") else { return nil }
        position = cursor + 1
        if low > Self.maximumCount || (high ?? 0) > Self.maximumCount {
            throw SafeRegexError(message: "repetition count above \(Self.maximumCount)", offset: start)
        }
        if let high, high < low {
            throw SafeRegexError(message: "repetition {m,n} with n < m", offset: start)
        }
        return (low, high)
    }

    private mutating func parseAtom() throws(SafeRegexError) -> RegexNode {
        let offset = position
        let byte = current
        switch byte {
        case UInt8(ascii: "("): return try parseGroup()
        case UInt8(ascii: "["): return try parseBracketClass()
        case UInt8(ascii: "."):
            position += 1
            var ascii = ByteSet()
            ascii.insert(0...127)
            var newline = ByteSet()
            newline.insert(UInt8(ascii: "\n"))
            ascii.words.0 &= ~newline.words.0
            return .characterClass(ascii: ascii, nonASCII: true)
        case UInt8(ascii: "^"): position += 1; return .assertion(.lineStart)
        case UInt8(ascii: "$"): position += 1; return .assertion(.lineEnd)
        case UInt8(ascii: "\\"): return try parseEscape()
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
            throw SafeRegexError(message: "nothing to repeat", offset: offset)
        default:
            return literal(try takeCharacter())
        }
    }

    /// One UTF-8 character at `position`, as bytes.
    private mutating func takeCharacter() throws(SafeRegexError) -> [UInt8] {
        let lead = current
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard position + length <= bytes.count else {
            throw SafeRegexError(message: "truncated UTF-8 character", offset: position)
        }
        let character = Array(bytes[position..<position + length])
        position += length
        return character
    }

    private func literal(_ character: [UInt8]) -> RegexNode {
        guard character.count == 1 else { return .bytes(character) }
        var set = ByteSet()
        set.insert(character[0])
        if caseInsensitive { set.addCaseVariants() }
        return .characterClass(ascii: set, nonASCII: false)
    }

    private mutating func parseGroup() throws(SafeRegexError) -> RegexNode {
        let open = position
        position += 1
        if !atEnd, current == UInt8(ascii: "?") {
            let next = peek(1)
            let afterNext = peek(2)
            switch next {
            case UInt8(ascii: ":"):
                position += 2
            case UInt8(ascii: "="), UInt8(ascii: "!"):
                throw SafeRegexError(message: "lookahead is not supported", offset: open)
            case UInt8(ascii: "<") where afterNext == UInt8(ascii: "=") || afterNext == UInt8(ascii: "!"):
                throw SafeRegexError(message: "lookbehind is not supported", offset: open)
            case UInt8(ascii: "<"), UInt8(ascii: "P"), UInt8(ascii: "'"):
                throw SafeRegexError(message: "named groups are not supported", offset: open)
            case UInt8(ascii: ">"):
                throw SafeRegexError(message: "atomic groups are not supported", offset: open)
            default:
                throw SafeRegexError(message: "inline flags and '(?' extensions are not supported", offset: open)
            }
        }
        let inner = try parseAlternation()
        guard !atEnd, current == UInt8(ascii: ")") else {
            throw SafeRegexError(message: "missing ')' for this group", offset: open)
        }
        position += 1
        // A group is a unit for quantifiers: keep it from being flattened into the outer concat.
        if case .concat = inner { return .repetition(inner, min: 1, max: 1) }
        return inner
    }

    private mutating func parseEscape() throws(SafeRegexError) -> RegexNode {
        let offset = position
        guard let escaped = peek(1) else {
            throw SafeRegexError(message: "trailing backslash", offset: offset)
        }
        position += 2
        switch escaped {
        case UInt8(ascii: "d"): return .characterClass(ascii: .digits, nonASCII: false)
        case UInt8(ascii: "D"): return .characterClass(ascii: ByteSet.digits.asciiComplement(), nonASCII: true)
        case UInt8(ascii: "w"): return .characterClass(ascii: .word, nonASCII: false)
        case UInt8(ascii: "W"): return .characterClass(ascii: ByteSet.word.asciiComplement(), nonASCII: true)
        case UInt8(ascii: "s"): return .characterClass(ascii: .space, nonASCII: false)
        case UInt8(ascii: "S"): return .characterClass(ascii: ByteSet.space.asciiComplement(), nonASCII: true)
        case UInt8(ascii: "b"): return .assertion(.wordBoundary)
        case UInt8(ascii: "B"): return .assertion(.notWordBoundary)
        case UInt8(ascii: "A"): return .assertion(.textStart)
        case UInt8(ascii: "z"): return .assertion(.textEnd)
        default:
            position = offset
            return literal([try escapedByte()])
        }
    }

    /// A single-byte escape (`\n`, `\.`, `\x41`, …) at `position`, usable inside classes too.
    private mutating func escapedByte() throws(SafeRegexError) -> UInt8 {
        let offset = position
        guard let escaped = peek(1) else {
            throw SafeRegexError(message: "trailing backslash", offset: offset)
        }
        position += 2
        switch escaped {
        case UInt8(ascii: "n"): return 10
        case UInt8(ascii: "t"): return 9
        case UInt8(ascii: "r"): return 13
        case UInt8(ascii: "f"): return 12
        case UInt8(ascii: "v"): return 11
        case UInt8(ascii: "x"):
            guard position + 2 <= bytes.count, let high = hexValue(bytes[position]), let low = hexValue(bytes[position + 1]),
                  high < 8 else {
                throw SafeRegexError(message: "\\x needs two hex digits of an ASCII byte (\\x00-\\x7F)", offset: offset)
            }
            position += 2
            return high << 4 | low
        case UInt8(ascii: "1")...UInt8(ascii: "9"), UInt8(ascii: "k"), UInt8(ascii: "g"):
            throw SafeRegexError(message: "backreferences are not supported", offset: offset)
        case 0x21...0x7E where !ASCII.isWord(escaped):
            return escaped
        default:
            throw SafeRegexError(message: "unsupported escape '\\\(Unicode.Scalar(escaped))'", offset: offset)
        }
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - 55
        default: return nil
        }
    }

    private mutating func parseBracketClass() throws(SafeRegexError) -> RegexNode {
        let open = position
        position += 1
        var negated = false
        if !atEnd, current == UInt8(ascii: "^") { negated = true; position += 1 }
        var set = ByteSet()
        var first = true
        while true {
            guard !atEnd else { throw SafeRegexError(message: "missing ']' for this class", offset: open) }
            if current == UInt8(ascii: "]"), !first { position += 1; break }
            first = false
            let memberOffset = position
            let low: UInt8
            if current == UInt8(ascii: "\\") {
                switch peek(1) {
                case UInt8(ascii: "d"): set.formUnion(.digits); position += 2; continue
                case UInt8(ascii: "w"): set.formUnion(.word); position += 2; continue
                case UInt8(ascii: "s"): set.formUnion(.space); position += 2; continue
                case UInt8(ascii: "D"), UInt8(ascii: "W"), UInt8(ascii: "S"):
                    throw SafeRegexError(message: "negated escapes inside a class are not supported", offset: memberOffset)
                default: low = try escapedByte()
                }
            } else if current >= 0x80 {
                throw SafeRegexError(message: "non-ASCII characters in a class are not supported", offset: memberOffset)
            } else {
                low = current
                position += 1
            }
            if !atEnd, current == UInt8(ascii: "-"), let next = peek(1), next != UInt8(ascii: "]") {
                position += 1
                let highOffset = position
                let high: UInt8
                if current == UInt8(ascii: "\\") {
                    high = try escapedByte()
                } else if current >= 0x80 {
                    throw SafeRegexError(message: "non-ASCII characters in a class are not supported", offset: highOffset)
                } else {
                    high = current
                    position += 1
                }
                guard low <= high else {
                    throw SafeRegexError(message: "class range out of order", offset: memberOffset)
                }
                set.insert(low...high)
            } else {
                set.insert(low)
            }
        }
        if caseInsensitive { set.addCaseVariants() }
        return negated ? .characterClass(ascii: set.asciiComplement(), nonASCII: true)
            : .characterClass(ascii: set, nonASCII: false)
    }
}
