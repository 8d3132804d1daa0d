/// Whole-word, case-insensitive matching of many keywords and phrases in one pass.
///
/// An Aho–Corasick automaton over a normalised byte stream, compiled into a dense DFA at init:
/// - ASCII letters are lowercased; ASCII letters, digits, `_` and every non-ASCII byte are word
///   bytes; every other byte is a separator, and a run of separators counts as one.
/// - Each phrase is stored as `␠phrase␠` (separator on both sides), and the text is read as if a
///   separator preceded and followed it — so a match is exactly a whole-word (or whole-phrase)
///   occurrence, with no boundary checks in the loop.
/// - Separator runs are collapsed by the DFA itself: a state entered by a separator loops to
///   itself on another separator, without reporting again.
///
/// The hot loop is one table load per byte (`next = table[state + class[byte]]`); the low bit
/// of each entry says whether the new state completes a phrase.
struct KeywordAutomaton: Sendable {
    /// Byte → input class (0: word byte in no phrase, 1: separator, 2…: bytes used by phrases).
    private let classes: [UInt8]
    private let classCount: Int
    /// `(nextState · classCount) << 1 | reportsOutput`, indexed by `state · classCount + class`.
    private let table: [UInt32]
    /// Phrase ids completed in each state (own and through failure links), flattened.
    private let outputStart: [Int32]
    private let outputs: [Int32]
    private let initialState: UInt32
    /// Number of phrases (ids are `0..<phraseCount`).
    let phraseCount: Int

    /// The normal form a phrase is matched in: lowercase ASCII words joined by single spaces.
    static func normalize(_ phrase: String) -> [UInt8] {
        var result: [UInt8] = []
        var pendingSeparator = false
        for byte in phrase.utf8 {
            let folded = ASCII.lowercase(byte)
            if isWordByte(folded) {
                if pendingSeparator, !result.isEmpty { result.append(32) }
                pendingSeparator = false
                result.append(folded)
            } else {
                pendingSeparator = true
            }
        }
        return result
    }

    @inline(__always) static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || ASCII.isWord(byte)
    }

    /// Builds the automaton for `phrases` (already normalised, non-empty, ids = indices).
    init(phrases: [[UInt8]]) {
        phraseCount = phrases.count
        // Input classes.
        var classes = [UInt8](repeating: 0, count: 256)
        for byte in 0..<256 where !Self.isWordByte(UInt8(byte)) { classes[byte] = 1 }
        var nextClass: UInt8 = 2
        for phrase in phrases {
            for byte in phrase where byte != 32 && classes[Int(byte)] == 0 && Self.isWordByte(byte) {
                classes[Int(byte)] = nextClass
                // Uppercase letters share the lowercase letter's class.
                if byte &- 97 < 26 { classes[Int(byte - 32)] = nextClass }
                nextClass += 1
            }
        }
        let classCount = Int(nextClass)

        // Trie over `␠phrase␠`, in class space.
        var children: [[Int32]] = [Array(repeating: -1, count: classCount)]
        var own: [[Int32]] = [[]]
        var enteredBySeparator = [false]
        for (id, phrase) in phrases.enumerated() where !phrase.isEmpty {
            var state = 0
            for byte in [32] + phrase + [32] {
                let symbol = byte == 32 ? 1 : Int(classes[Int(byte)])
                if children[state][symbol] < 0 {
                    children[state][symbol] = Int32(children.count)
                    children.append(Array(repeating: -1, count: classCount))
                    own.append([])
                    enteredBySeparator.append(symbol == 1)
                }
                state = Int(children[state][symbol])
            }
            own[state].append(Int32(id))
        }

        // Breadth-first: failure links, full transition function, inherited outputs.
        let stateCount = children.count
        var fail = [Int](repeating: 0, count: stateCount)
        var delta = [Int](repeating: 0, count: stateCount * classCount)
        var allOutputs = own
        var queue: [Int] = []
        for symbol in 0..<classCount {
            let child = Int(children[0][symbol])
            if child >= 0 {
                fail[child] = 0
                delta[symbol] = child
                queue.append(child)
            } else {
                delta[symbol] = 0
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            allOutputs[state].append(contentsOf: allOutputs[fail[state]])
            for symbol in 0..<classCount {
                let child = Int(children[state][symbol])
                if child >= 0 {
                    fail[child] = delta[fail[state] * classCount + symbol]
                    delta[state * classCount + symbol] = child
                    queue.append(child)
                } else {
                    delta[state * classCount + symbol] = delta[fail[state] * classCount + symbol]
                }
            }
        }

        var table = [UInt32](repeating: 0, count: stateCount * classCount)
        for state in 0..<stateCount {
            for symbol in 0..<classCount {
                var target = delta[state * classCount + symbol]
                var reports = !allOutputs[target].isEmpty
                if symbol == 1, enteredBySeparator[state] {
                    target = state  // collapse separator runs
                    reports = false
                }
                table[state * classCount + symbol] = UInt32(target * classCount) << 1 | (reports ? 1 : 0)
            }
        }
        var outputStart: [Int32] = [0]
        var outputs: [Int32] = []
        for state in 0..<stateCount {
            outputs.append(contentsOf: allOutputs[state])
            outputStart.append(Int32(outputs.count))
        }
        self.classes = classes
        self.classCount = classCount
        self.table = table
        self.outputStart = outputStart
        self.outputs = outputs
        // The text is read as if preceded by a separator.
        self.initialState = table[1] >> 1
    }

    /// Adds each phrase's whole-word occurrences in `bytes` to `counts[id]`.
    func count(in bytes: UnsafeBufferPointer<UInt8>, into counts: UnsafeMutableBufferPointer<Int32>) {
        classes.withUnsafeBufferPointer { classes in
            table.withUnsafeBufferPointer { table in
                var state = initialState
                for byte in bytes {
                    let entry = table[Int(state) &+ Int(classes[Int(byte)])]
                    state = entry >> 1
                    if entry & 1 != 0 { record(state: state, into: counts) }
                }
                // The text is read as if followed by a separator.
                let entry = table[Int(state) &+ 1]
                if entry & 1 != 0 { record(state: entry >> 1, into: counts) }
            }
        }
    }

    @inline(never)
    private func record(state: UInt32, into counts: UnsafeMutableBufferPointer<Int32>) {
        let index = Int(state) / classCount
        for output in outputs[Int(outputStart[index])..<Int(outputStart[index + 1])] {
            counts[Int(output)] &+= 1
        }
    }
}
