#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One instruction of a compiled `SafeRegex`.
enum RegexInstruction: Sendable {
    /// Consume one byte in the set (index into `RegexProgram.sets`).
    case byteSet(Int32)
    /// Continue at both targets; the first has priority (leftmost-first semantics).
    case split(Int32, Int32)
    case jump(Int32)
    case assert(RegexAssertion)
    case match
}

/// A compiled `SafeRegex`: immutable after init, so sharing it across threads is safe.
///
/// Matching is a Pike VM: every live thread advances in lock-step over the bytes, and two threads
/// at the same instruction are merged, so the work per byte is bounded by the program size —
/// linear time whatever the pattern. A literal prefix lets the VM skip (with `memchr`) to the
/// next position where a match can start; a required literal that is absent from the text ends
/// the search before the VM runs at all.
final class RegexProgram: Sendable {
    /// Largest compiled program accepted (after expanding counted repetitions).
    static let maximumInstructions = 20_000

    let instructions: [RegexInstruction]
    let sets: [ByteSet]
    /// Bytes every match starts with (lowercased when case-insensitive); may be empty.
    let prefix: [UInt8]
    /// Bytes every match contains (lowercased when case-insensitive); may be empty.
    let requiredLiteral: [UInt8]
    let caseInsensitive: Bool
    /// Every byte a match can start with; `nil` when a match may be empty (no skipping then).
    let startBytes: ByteSet?
    /// Every match starts at a line start (the pattern begins with `^` or `\A` on every path),
    /// so the VM only has to be started after a newline.
    let anchoredAtLineStart: Bool
    /// Every match starts with a word byte right after a word boundary (`\bword…`), so the VM
    /// only has to be started at the first byte of a word.
    let startsAtWordStart: Bool

    init(pattern: String, caseInsensitive: Bool) throws(SafeRegexError) {
        var parser = RegexParser(pattern: pattern, caseInsensitive: caseInsensitive)
        let node = try parser.parse()
        var compiler = RegexCompiler()
        compiler.emit(node)
        compiler.instructions.append(.match)
        if compiler.instructions.count > Self.maximumInstructions {
            throw SafeRegexError(
                message: "pattern too large after expanding repetitions (over \(Self.maximumInstructions) steps)",
                offset: 0)
        }
        self.instructions = compiler.instructions
        self.sets = compiler.sets
        self.caseInsensitive = caseInsensitive
        self.prefix = RegexLiterals.prefix(of: node, caseInsensitive: caseInsensitive)
        let required = RegexLiterals.required(in: node, caseInsensitive: caseInsensitive)
        self.requiredLiteral = required.count > prefix.count ? required : prefix
        let start = Self.startInfo(compiler.instructions, sets: compiler.sets)
        self.startBytes = start.bytes
        self.anchoredAtLineStart = start.lineAnchored
        var wordBytes = ByteSet()
        for byte in UInt8(0)...UInt8(127) where ASCII.isWord(byte) { wordBytes.insert(byte) }
        self.startsAtWordStart = start.wordAnchored && start.bytes.map { $0.isSubset(of: wordBytes) } == true
    }

    /// Follows the epsilon moves from instruction 0: the union of the byte sets a match can
    /// consume first (`nil` if `match` is reachable without consuming), and whether every such
    /// path passes a line-start (or text-start) assertion first. Assertions only narrow where a
    /// match starts, so skipping positions outside these sets never loses a match.
    private static func startInfo(_ instructions: [RegexInstruction], sets: [ByteSet])
        -> (bytes: ByteSet?, lineAnchored: Bool, wordAnchored: Bool) {
        var union = ByteSet()
        var canBeEmpty = false
        var lineAnchored = true
        var wordAnchored = true
        // (instruction, past a line-start assertion, past a word-boundary assertion)
        var stack: [(pc: Int32, line: Bool, word: Bool)] = [(0, false, false)]
        var seen = Set<Int64>()
        while let (pc, line, word) = stack.popLast() {
            guard instructions.indices.contains(Int(pc)),
                  seen.insert(Int64(pc) << 2 | (line ? 2 : 0) | (word ? 1 : 0)).inserted else { continue }
            switch instructions[Int(pc)] {
            case .byteSet(let set):
                union.formUnion(sets[Int(set)])
                if !line { lineAnchored = false }
                if !word { wordAnchored = false }
            case .match:
                canBeEmpty = true
                lineAnchored = false
                wordAnchored = false
            case .jump(let target):
                stack.append((target, line, word))
            case .split(let first, let second):
                stack.append((first, line, word))
                stack.append((second, line, word))
            case .assert(let assertion):
                stack.append((pc + 1, line || assertion == .lineStart || assertion == .textStart,
                              word || assertion == .wordBoundary))
            }
        }
        return (canBeEmpty ? nil : union, lineAnchored, wordAnchored)
    }

    func countMatches(in bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        guard limit > 0 else { return 0 }
        guard passesPrefilter(bytes) else { return 0 }
        // One set of thread lists for every search of this call.
        var state = SearchState(capacity: instructions.count)
        var count = 0
        var start = 0
        while count < limit, start <= bytes.count, let found = search(bytes, from: start, state: &state) {
            count += 1
            start = found.isEmpty ? found.upperBound + 1 : found.upperBound
        }
        return count
    }

    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int>? {
        guard passesPrefilter(bytes) else { return nil }
        var state = SearchState(capacity: instructions.count)
        return search(bytes, from: start, state: &state)
    }

    /// The first position at or after `position` where a match can start, judged by
    /// `anchoredAtLineStart` and `startBytes` alone; `nil` when there is none.
    private func nextCandidate(from position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var position = position
        let count = bytes.count
        while true {
            if anchoredAtLineStart, position > 0, bytes[position - 1] != 10 {
                guard position < count, let base = bytes.baseAddress,
                      let found = memchr(base + position, 10, count - position) else { return nil }
                position = UnsafeRawPointer(found) - UnsafeRawPointer(base) + 1
                continue
            }
            guard let startBytes else { return position }
            if position >= count { return nil }
            if startBytes.contains(bytes[position]) { return position }
            position += 1
            if anchoredAtLineStart { continue }  // the check above skips to the next line
            if startsAtWordStart {
                // A word byte after a boundary: the byte before must not be a word byte.
                while position < count,
                      !startBytes.contains(bytes[position]) || ASCII.isWord(bytes[position - 1]) { position += 1 }
            } else {
                while position < count, !startBytes.contains(bytes[position]) { position += 1 }
            }
            return position < count ? position : nil
        }
    }

    private func passesPrefilter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        requiredLiteral.isEmpty || LiteralSearch.find(requiredLiteral, in: bytes, from: 0, caseInsensitive: caseInsensitive) != nil
    }

    /// The leftmost-first match starting at or after `start`.
    func search(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, state: inout SearchState) -> Range<Int>? {
        let count = bytes.count
        // Borrow the caller's buffers (swaps move storage, nothing is copied or allocated).
        var current = ThreadList(capacity: 0)
        var next = ThreadList(capacity: 0)
        var stack: [Int32] = []
        swap(&current, &state.current)
        swap(&next, &state.next)
        swap(&stack, &state.stack)
        defer {
            swap(&current, &state.current)
            swap(&next, &state.next)
            swap(&stack, &state.stack)
        }
        current.removeAll()
        next.removeAll()
        var matched: Range<Int>?
        var position = start
        while position <= count {
            if current.count == 0 {
                if matched != nil { break }
                if !prefix.isEmpty {
                    guard let candidate = LiteralSearch.find(prefix, in: bytes, from: position, caseInsensitive: caseInsensitive)
                    else { break }
                    position = candidate
                } else if startBytes != nil || anchoredAtLineStart {
                    guard let candidate = nextCandidate(from: position, in: bytes) else { break }
                    position = candidate
                }
            }
            if matched == nil {
                addThread(&current, pc: 0, start: position, at: position, in: bytes, stack: &stack)
            }
            let byte: Int = position < count ? Int(bytes[position]) : -1
            var index = 0
            while index < current.count {
                let pc = current.pcs[index]
                let threadStart = current.starts[index]
                index += 1
                switch instructions[Int(pc)] {
                case .byteSet(let set):
                    if byte >= 0, sets[Int(set)].contains(UInt8(byte)) {
                        addThread(&next, pc: pc + 1, start: threadStart, at: position + 1, in: bytes, stack: &stack)
                    }
                case .match:
                    matched = threadStart..<position
                    index = current.count  // lower-priority threads lose to this match
                default:
                    break  // epsilon instructions were followed in addThread
                }
            }
            if position == count { break }
            swap(&current, &next)
            next.removeAll()
            position += 1
        }
        return matched
    }

    /// Adds `pc` and everything reachable from it without consuming a byte, in priority order.
    private func addThread(_ list: inout ThreadList, pc: Int32, start: Int, at position: Int,
                           in bytes: UnsafeBufferPointer<UInt8>, stack: inout [Int32]) {
        stack.append(pc)
        while let top = stack.popLast() {
            guard list.insert(top, start: start) else { continue }
            switch instructions[Int(top)] {
            case .jump(let target):
                stack.append(target)
            case .split(let preferred, let other):
                stack.append(other)
                stack.append(preferred)
            case .assert(let assertion):
                if holds(assertion, at: position, in: bytes) { stack.append(top + 1) }
            case .byteSet, .match:
                break
            }
        }
    }

    private func holds(_ assertion: RegexAssertion, at position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let before: UInt8? = position > 0 ? bytes[position - 1] : nil
        let after: UInt8? = position < bytes.count ? bytes[position] : nil
        switch assertion {
        case .textStart: return position == 0
        case .textEnd: return position == bytes.count
        case .lineStart: return before == nil || before == 10
        case .lineEnd:
            return after == nil || after == 10
                || (after == 13 && (position + 1 == bytes.count || bytes[position + 1] == 10))
        case .wordBoundary, .notWordBoundary:
            let boundary = (before.map(ASCII.isWord) ?? false) != (after.map(ASCII.isWord) ?? false)
            return boundary == (assertion == .wordBoundary)
        }
    }
}

/// The thread lists and stack one search needs, allocated once per `countMatches` call.
struct SearchState {
    var current: ThreadList
    var next: ThreadList
    var stack: [Int32]

    init(capacity: Int) {
        current = ThreadList(capacity: capacity)
        next = ThreadList(capacity: capacity)
        stack = []
        stack.reserveCapacity(16)
    }
}

/// A sparse set of threads (instruction, match start), in priority order.
struct ThreadList {
    var pcs: [Int32]
    var starts: [Int]
    private var slot: [Int32]
    private(set) var count = 0

    init(capacity: Int) {
        pcs = Array(repeating: 0, count: capacity)
        starts = Array(repeating: 0, count: capacity)
        slot = Array(repeating: 0, count: capacity)
    }

    /// Inserts unless present; returns whether it was inserted.
    mutating func insert(_ pc: Int32, start: Int) -> Bool {
        let existing = Int(slot[Int(pc)])
        if existing < count, pcs[existing] == pc { return false }
        slot[Int(pc)] = Int32(count)
        pcs[count] = pc
        starts[count] = start
        count += 1
        return true
    }

    mutating func removeAll() { count = 0 }
}

/// Case-(in)sensitive substring search, skipping with `memchr` to candidate first bytes.
enum LiteralSearch {
    /// Offset of the first occurrence of `needle` (lowercased when `caseInsensitive`) at or after
    /// `start`.
    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int,
                     caseInsensitive: Bool) -> Int? {
        guard let base = haystack.baseAddress, !needle.isEmpty else { return needle.isEmpty ? start : nil }
        let count = haystack.count
        let first = needle[0]
        let upper: UInt8? = caseInsensitive && first &- 97 < 26 ? first - 32 : nil
        var position = start
        while position + needle.count <= count {
            let remaining = count - position
            var candidate = firstIndex(of: first, base: base + position, count: remaining)
            if let upper, let other = firstIndex(of: upper, base: base + position, count: candidate ?? remaining) {
                candidate = other
            }
            guard let offset = candidate else { return nil }
            let at = position + offset
            guard at + needle.count <= count else { return nil }
            var index = 1
            while index < needle.count {
                let byte = caseInsensitive ? ASCII.lowercase(base[at + index]) : base[at + index]
                if byte != needle[index] { break }
                index += 1
            }
            if index == needle.count { return at }
            position = at + 1
        }
        return nil
    }

    @inline(__always)
    private static func firstIndex(of byte: UInt8, base: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count > 0, let found = memchr(base, Int32(byte), count) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}
