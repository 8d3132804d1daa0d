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
/// The hot loop is one table load per byte (`next = table[state + class[byte]]`); one bit of
/// each entry (`reportBit`) says whether the new state completes a phrase.
struct KeywordAutomaton: Sendable {
    /// Byte → input class (0: word byte in no phrase, 1: separator, 2…: bytes used by phrases).
    private let classes: [UInt8]
    private let classCount: Int
    /// `⌈2³² / classCount⌉`, for `stateNumber`.
    private let classReciprocal: UInt64
    /// `nextState · classCount` (a table offset), indexed by `state · classCount + class`; the
    /// offset has `reportBit` set when the next state completes a phrase.
    private let table: [UInt32]
    /// Phrase ids completed in each state (own and through failure links), flattened by slot
    /// (a twin's list is empty: it never reports).
    private let outputStart: [Int32]
    private let outputs: [Int32]
    private let initialState: UInt32
    /// The table offset bit set exactly for the reporting states (a power of two).
    private let reportBit: UInt32
    /// Symbols on the path to each state, by slot (`offset / classCount`), for the chain split.
    private let depth: [Int32]
    /// Symbols in each phrase's stored form `␠phrase␠`.
    private let phraseSymbols: [Int32]
    /// Number of phrases (ids are `0..<phraseCount`).
    let phraseCount: Int

    /// Lowercase letters, most frequent in English text first (the order of the classic
    /// letter-frequency tables, e.g. https://en.wikipedia.org/wiki/Letter_frequency).
    private static let lettersByFrequency: [UInt8] = Array("etaoinsrhldcumfpgwybvkxjqz".utf8)

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
        // Common English letters first: a state's transitions on them then sit together at the
        // start of its table row, so prose touches fewer cache lines per state.
        var used = [Bool](repeating: false, count: 256)
        for phrase in phrases { for byte in phrase { used[Int(byte)] = true } }
        for byte in Self.lettersByFrequency where used[Int(byte)] {
            classes[Int(byte)] = nextClass
            classes[Int(byte - 32)] = nextClass
            nextClass += 1
        }
        for phrase in phrases {
            for byte in phrase where byte != 32 && classes[Int(byte)] == 0 && Self.isWordByte(byte) {
                classes[Int(byte)] = nextClass
                // Uppercase letters share the lowercase letter's class.
                if byte &- 97 < 26 { classes[Int(byte - 32)] = nextClass }
                nextClass += 1
            }
        }
        let classCount = Int(nextClass)

        // Trie over `␠phrase␠`, in class space. `children` is flat, `classCount` entries per
        // state (-1: no child): one growing buffer rather than an array per state, which made
        // building the tables cost more than the rest of loading a policy.
        var children = [Int32](repeating: -1, count: classCount)
        var own: [[Int32]] = [[]]
        var enteredBySeparator = [false]
        var trieDepth = [0]
        let stateBound = phrases.reduce(1) { $0 + $1.count + 2 }
        children.reserveCapacity(stateBound * classCount)
        own.reserveCapacity(stateBound)
        enteredBySeparator.reserveCapacity(stateBound)
        trieDepth.reserveCapacity(stateBound)
        for (id, phrase) in phrases.enumerated() where !phrase.isEmpty {
            var state = 0
            for position in -1...phrase.count {
                let byte = position < 0 || position == phrase.count ? 32 : phrase[position]
                let symbol = byte == 32 ? 1 : Int(classes[Int(byte)])
                if children[state * classCount + symbol] < 0 {
                    children[state * classCount + symbol] = Int32(own.count)
                    children.append(contentsOf: repeatElement(-1, count: classCount))
                    own.append([])
                    enteredBySeparator.append(symbol == 1)
                    trieDepth.append(trieDepth[state] + 1)
                }
                state = Int(children[state * classCount + symbol])
            }
            own[state].append(Int32(id))
        }

        // Breadth-first: failure links, full transition function, inherited outputs.
        let stateCount = own.count
        var fail = [Int](repeating: 0, count: stateCount)
        var delta = [Int](repeating: 0, count: stateCount * classCount)
        var allOutputs = own
        var queue: [Int] = []
        for symbol in 0..<classCount {
            let child = Int(children[symbol])
            if child >= 0 {
                fail[child] = 0
                delta[symbol] = child
                queue.append(child)
            } else {
                delta[symbol] = 0
            }
        }
        // The rows below are states × classes cells (most of building the engine at start-up):
        // read and written through unsafe buffers, every index bounded by the trie just built.
        queue.reserveCapacity(stateCount)
        children.withUnsafeBufferPointer { children in
            delta.withUnsafeMutableBufferPointer { delta in
                fail.withUnsafeMutableBufferPointer { fail in
                    var head = 0
                    while head < queue.count {
                        let state = queue[head]
                        head += 1
                        if !allOutputs[fail[state]].isEmpty { allOutputs[state].append(contentsOf: allOutputs[fail[state]]) }
                        let row = state * classCount
                        let failRow = fail[state] * classCount
                        for symbol in 0..<classCount {
                            let child = Int(children[row + symbol])
                            if child >= 0 {
                                fail[child] = delta[failRow + symbol]
                                delta[row + symbol] = child
                                queue.append(child)
                            } else {
                                delta[row + symbol] = delta[failRow + symbol]
                            }
                        }
                    }
                }
            }
        }

        // Slots. Renumber in breadth-first order so the shallow states, where the scan spends
        // nearly all its time, sit together in the table (fewer cache lines touched per byte).
        // A state that completes a phrase (a reporting state) lives in the upper region
        // `[reportBit, 2 · reportBit)` of table offsets and every other state below `reportBit`,
        // so whether a transition reports is one bit of the offset it loads — no flag to shift
        // off on the scan's critical path. A reporting state is entered by a separator and loops
        // on further separators without reporting again: that loop goes to its twin, a
        // non-reporting copy of its row.
        let order = [0] + queue
        let reportingStates = order.filter { !allOutputs[$0].isEmpty }
        let quiet = order.count  // the non-reporting states plus one twin per reporting state
        var reportBit = 1
        while reportBit < quiet * classCount { reportBit <<= 1 }
        var firstReporting = (reportBit + classCount - 1) / classCount
        while (firstReporting + reportingStates.count) * classCount > 2 * reportBit {
            reportBit <<= 1
            firstReporting = (reportBit + classCount - 1) / classCount
        }
        let slotCount = firstReporting + reportingStates.count
        var slot = [Int](repeating: 0, count: stateCount)
        var twin = [Int](repeating: -1, count: stateCount)
        var next = 0
        for state in order where allOutputs[state].isEmpty { slot[state] = next; next += 1 }
        for (index, state) in reportingStates.enumerated() {
            twin[state] = next
            next += 1
            slot[state] = firstReporting + index
        }
        var table = [UInt32](repeating: 0, count: slotCount * classCount)
        var slotDepth = [Int32](repeating: 0, count: slotCount)
        var slotOutputs = [[Int32]](repeating: [], count: slotCount)
        table.withUnsafeMutableBufferPointer { table in
            delta.withUnsafeBufferPointer { delta in
                slot.withUnsafeBufferPointer { slot in
                    for state in 0..<stateCount {
                        for which in 0..<2 {
                            let copy = which == 0 ? slot[state] : twin[state]
                            guard copy >= 0 else { continue }
                            let row = copy * classCount
                            let source = state * classCount
                            for symbol in 0..<classCount {
                                table[row + symbol] = UInt32(slot[delta[source + symbol]] * classCount)
                            }
                            if enteredBySeparator[state] {  // collapse separator runs
                                table[row + 1] = UInt32((twin[state] >= 0 ? twin[state] : slot[state]) * classCount)
                            }
                            slotDepth[copy] = Int32(trieDepth[state])
                        }
                        slotOutputs[slot[state]] = allOutputs[state]
                    }
                }
            }
        }
        var outputStart: [Int32] = [0]
        var outputs: [Int32] = []
        for copy in 0..<slotCount {
            outputs.append(contentsOf: slotOutputs[copy])
            outputStart.append(Int32(outputs.count))
        }
        self.depth = slotDepth
        self.reportBit = UInt32(reportBit)
        self.phraseSymbols = phrases.map { Int32($0.count + 2) }
        self.classes = classes
        self.classCount = classCount
        self.classReciprocal = ((1 << 32) + UInt64(classCount) - 1) / UInt64(classCount)
        self.table = table
        self.outputStart = outputStart
        self.outputs = outputs
        // The text is read as if preceded by a separator.
        self.initialState = table[1]
    }

    /// Adds each phrase's whole-word occurrences in `bytes` to `counts[id]` (`counts` holds at
    /// least `phraseCount` entries; with `hitLogCapacity`, zeroed, it also logs the phrases found).
    ///
    /// A DFA scan is bound by the latency of one table load per byte. Texts of at least
    /// `minimumSplitLength` bytes are therefore cut into two (four from `4 × minimumSplitLength`
    /// bytes) at separators and the parts are scanned in the same loop (independent dependency
    /// chains). Each chain then runs on past the next cut only while it is inside a phrase that
    /// began before that cut, and counts only such phrases — the next chain finds every match
    /// that starts at or after the cut.
    func count(in bytes: UnsafeBufferPointer<UInt8>, into counts: UnsafeMutableBufferPointer<Int32>,
               minimumSplitLength: Int = 256) {
        let reportBit = self.reportBit
        classes.withUnsafeBufferPointer { classes in
            table.withUnsafeBufferPointer { table in
                let total = bytes.count
                let fourLaneLength = minimumSplitLength > Int.max / 4 ? Int.max : max(4 * minimumSplitLength, 4)
                let lanes = total >= fourLaneLength ? 4 : total >= max(minimumSplitLength, 2) ? 2 : 1
                // Cuts: the first separator of a run, near each `lane · total / lanes`.
                // `cuts[lane]` starts lane `lane`; `cuts[lanes]` is the end of the text.
                var cuts: (Int, Int, Int, Int, Int) = (0, total, total, total, total)
                withUnsafeMutableBytes(of: &cuts) { raw in
                    let cut = raw.bindMemory(to: Int.self)
                    var previous = 0
                    for lane in 1..<lanes {
                        var candidate = max(lane * total / lanes, previous + 1)
                        while candidate < total,
                              classes[Int(bytes[candidate])] != 1 || classes[Int(bytes[candidate - 1])] == 1 {
                            candidate += 1
                        }
                        cut[lane] = candidate
                        previous = candidate
                    }
                    for lane in lanes...4 { cut[lane] = total }
                }
                var states: (UInt32, UInt32, UInt32, UInt32) = (initialState, initialState, initialState, initialState)
                withUnsafeMutableBytes(of: &cuts) { rawCuts in
                    withUnsafeMutableBytes(of: &states) { rawStates in
                        let cut = rawCuts.bindMemory(to: Int.self)
                        let state = rawStates.bindMemory(to: UInt32.self)
                        // All lanes in lock-step over the length of the shortest.
                        var paired = total
                        for lane in 0..<lanes { paired = min(paired, cut[lane + 1] - cut[lane]) }
                        var index = 0
                        if lanes == 4 {
                            let (c1, c2, c3) = (cut[1], cut[2], cut[3])
                            var (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
                            while index < paired {
                                let e0 = table[Int(s0) &+ Int(classes[Int(bytes[index])])]
                                let e1 = table[Int(s1) &+ Int(classes[Int(bytes[c1 &+ index])])]
                                let e2 = table[Int(s2) &+ Int(classes[Int(bytes[c2 &+ index])])]
                                let e3 = table[Int(s3) &+ Int(classes[Int(bytes[c3 &+ index])])]
                                s0 = e0
                                s1 = e1
                                s2 = e2
                                s3 = e3
                                if (e0 | e1 | e2 | e3) & reportBit != 0 {
                                    if e0 & reportBit != 0 { record(state: s0, into: counts) }
                                    if e1 & reportBit != 0 { record(state: s1, into: counts) }
                                    if e2 & reportBit != 0 { record(state: s2, into: counts) }
                                    if e3 & reportBit != 0 { record(state: s3, into: counts) }
                                }
                                index += 1
                            }
                            (state[0], state[1], state[2], state[3]) = (s0, s1, s2, s3)
                        } else if lanes == 2 {
                            let c1 = cut[1]
                            var (s0, s1) = (state[0], state[1])
                            while index < paired {
                                let e0 = table[Int(s0) &+ Int(classes[Int(bytes[index])])]
                                let e1 = table[Int(s1) &+ Int(classes[Int(bytes[c1 &+ index])])]
                                s0 = e0
                                s1 = e1
                                if e0 & reportBit != 0 { record(state: s0, into: counts) }
                                if e1 & reportBit != 0 { record(state: s1, into: counts) }
                                index += 1
                            }
                            (state[0], state[1]) = (s0, s1)
                        }
                        for lane in 0..<lanes {
                            // The rest of this lane.
                            var current = state[lane]
                            var position = cut[lane] &+ index
                            let end = cut[lane + 1]
                            while position < end {
                                let entry = table[Int(current) &+ Int(classes[Int(bytes[position])])]
                                current = entry
                                if entry & reportBit != 0 { record(state: current, into: counts) }
                                position += 1
                            }
                            if end >= total {
                                // The text is read as if followed by a separator.
                                let final = table[Int(current) &+ 1]
                                if final & reportBit != 0 { record(state: final, into: counts) }
                                break
                            }
                            // Past the cut: only phrases that began before it.
                            var symbolsSinceCut: Int32 = 0
                            position = end
                            var previousWasSeparator = false
                            while position <= total {
                                let symbol = position < total ? Int(classes[Int(bytes[position])]) : 1
                                let isSeparator = symbol == 1
                                if !(isSeparator && previousWasSeparator) { symbolsSinceCut += 1 }
                                previousWasSeparator = isSeparator
                                let entry = table[Int(current) &+ symbol]
                                current = entry
                                if entry & reportBit != 0 { record(state: current, into: counts, longerThan: symbolsSinceCut) }
                                if depth[stateNumber(current)] <= symbolsSinceCut { break }
                                position += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// `state / classCount` for a table offset `state` (a multiple of `classCount` below 2³¹),
    /// by a multiply with `⌈2³² / classCount⌉` instead of a 64-bit divide per match. Exact: with
    /// `state = k · classCount`, the product is `k · (2³² + r)` with `r < classCount`, and
    /// `k · r < state < 2³²`.
    @inline(__always)
    private func stateNumber(_ state: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(state) &* classReciprocal) >> 32)
    }

    @inline(never)
    private func record(state: UInt32, into counts: UnsafeMutableBufferPointer<Int32>, longerThan symbols: Int32) {
        let index = stateNumber(state)
        for output in outputs[Int(outputStart[index])..<Int(outputStart[index + 1])]
        where phraseSymbols[Int(output)] > symbols {
            increment(Int(output), in: counts)
        }
    }

    @inline(never)
    private func record(state: UInt32, into counts: UnsafeMutableBufferPointer<Int32>) {
        let index = stateNumber(state)
        // Indices rather than an `ArraySlice`, which would retain the array on every match.
        var output = Int(outputStart[index])
        let end = Int(outputStart[index + 1])
        // Decided once per match, not per phrase: a long text (no hit log) only counts.
        if counts.count >= hitLogCapacity {
            while output < end {
                increment(Int(outputs[output]), in: counts)
                output &+= 1
            }
        } else {
            while output < end {
                counts[Int(outputs[output])] &+= 1
                output &+= 1
            }
        }
    }

    /// `counts[id] += 1`; with a hit log after the counts (see `hitLogCapacity`), a phrase's
    /// first hit also appends its id there.
    @inline(__always)
    private func increment(_ id: Int, in counts: UnsafeMutableBufferPointer<Int32>) {
        if counts.count >= hitLogCapacity, counts[id] == 0 {
            let logged = Int(counts[phraseCount])
            counts[phraseCount + 1 + logged] = Int32(id)
            counts[phraseCount] = Int32(logged + 1)
        }
        counts[id] &+= 1
    }

    /// A `count(in:into:)` buffer of at least this many zeroed entries gets a hit log: after the
    /// `phraseCount` counts, the number of distinct phrases found, then their ids in the order
    /// first found. A reader of a few lists can then skip every list none of them is in.
    var hitLogCapacity: Int { 2 * phraseCount + 1 }
}
