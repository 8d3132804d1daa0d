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
    /// Every match starts at the start of a line (the pattern begins with `^`).
    let lineAnchored: Bool
    /// The bytes a match can start with; `nil` when a match can be empty or start anywhere.
    let firstBytes: ByteSet?

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
        if case .assert(.lineStart) = compiler.instructions[0] { lineAnchored = true } else { lineAnchored = false }
        self.firstBytes = Self.firstBytes(of: compiler.instructions, sets: compiler.sets)
    }

    /// Union of the byte sets reachable from the start without consuming input (assertions are
    /// assumed to hold); `nil` if the match can end before any byte or every byte can start one.
    private static func firstBytes(of instructions: [RegexInstruction], sets: [ByteSet]) -> ByteSet? {
        var result = ByteSet()
        var visited = Set<Int32>()
        var stack: [Int32] = [0]
        while let pc = stack.popLast() {
            guard visited.insert(pc).inserted else { continue }
            switch instructions[Int(pc)] {
            case .byteSet(let set): result.formUnion(sets[Int(set)])
            case .split(let first, let second): stack.append(first); stack.append(second)
            case .jump(let target): stack.append(target)
            case .assert: stack.append(pc + 1)
            case .match: return nil
            }
        }
        var everyByte = ByteSet()
        everyByte.insert(0...255)
        return result == everyByte ? nil : result
    }

    func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }

    func countMatches(in bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        guard passesPrefilter(bytes) else { return 0 }
        var count = 0
        var start = 0
        while count < limit, start <= bytes.count, let found = search(bytes, from: start) {
            count += 1
            start = found.isEmpty ? found.upperBound + 1 : found.upperBound
        }
        return count
    }

    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int>? {
        guard passesPrefilter(bytes) else { return nil }
        return search(bytes, from: start)
    }

    private func passesPrefilter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        requiredLiteral.isEmpty || LiteralSearch.find(requiredLiteral, in: bytes, from: 0, caseInsensitive: caseInsensitive) != nil
    }

    /// The leftmost-first match starting at or after `start`.
    func search(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int>? {
        let count = bytes.count
        var current = ThreadList(capacity: instructions.count)
        var next = ThreadList(capacity: instructions.count)
        var stack: [Int32] = []
        stack.reserveCapacity(16)
        var matched: Range<Int>?
        var position = start
        while position <= count {
            if current.count == 0 {
                if matched != nil { break }
                if !prefix.isEmpty {
                    guard let candidate = LiteralSearch.find(prefix, in: bytes, from: position, caseInsensitive: caseInsensitive)
                    else { break }
                    position = candidate
                }
                if lineAnchored, position > 0, bytes[position - 1] != 10 {
                    guard let base = bytes.baseAddress, position < count,
                          let newline = memchr(base + position, 10, count - position) else { break }
                    position = UnsafeRawPointer(newline) - UnsafeRawPointer(base) + 1
                }
                if let firstBytes {
                    while position < count, !firstBytes.contains(bytes[position]) { position += 1 }
                    if position == count { break }
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
