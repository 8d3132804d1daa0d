import Testing
@testable import RouterPolicies
import ClaudeRouterEval

/// The one-pass automaton must agree with a naive whole-word search on any text.
@Suite("KeywordAutomaton")
struct ScoringKeywordMatcherTests {
    /// Naive reference: normalise the text into words, then count each phrase's word sequence.
    static func naiveCounts(_ phrases: [[UInt8]], in text: String) -> [Int32] {
        let words = KeywordAutomaton.normalize(text).split(separator: 32).map(Array.init)
        return phrases.map { phrase in
            let target = phrase.split(separator: 32).map(Array.init)
            guard !target.isEmpty, target.count <= words.count else { return 0 }
            var count: Int32 = 0
            for start in 0...(words.count - target.count) where Array(words[start..<start + target.count]) == target {
                count += 1
            }
            return count
        }
    }

    static func automatonCounts(_ automaton: KeywordAutomaton, in text: String, minimumSplitLength: Int = 256) -> [Int32] {
        var counts = [Int32](repeating: 0, count: automaton.phraseCount)
        var text = text
        text.withUTF8 { bytes in
            counts.withUnsafeMutableBufferPointer {
                automaton.count(in: bytes, into: $0, minimumSplitLength: minimumSplitLength)
            }
        }
        return counts
    }

    @Test func agreesWithTheNaiveReferenceOnRandomTexts() {
        var generator = SeededGenerator(seed: 0xC1A0DE)
        let vocabulary = ["a", "ab", "abc", "b", "ba", "cab", "é", "x_y", "1", "12"]
        let separators = [" ", "  ", "\n", ", ", "-", "(", ".", "\t", "!?"]
        for _ in 0..<2_000 {
            let phrases: [[UInt8]] = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
                let words = (0..<Int.random(in: 1...3, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }
                return KeywordAutomaton.normalize(words.joined(separator: " "))
            }
            var unique: [[UInt8]] = []
            for phrase in phrases where !unique.contains(phrase) { unique.append(phrase) }
            let automaton = KeywordAutomaton(phrases: unique)
            var text = ""
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                var word = vocabulary.randomElement(using: &generator)!
                if Bool.random(using: &generator) { word = word.uppercased() }
                text += word + separators.randomElement(using: &generator)!
            }
            if Bool.random(using: &generator) { text = String(text.dropLast()) }
            let expected = Self.naiveCounts(unique, in: text)
            // Unsplit, and split in two chains at every text length.
            #expect(Self.automatonCounts(automaton, in: text, minimumSplitLength: .max) == expected)
            #expect(Self.automatonCounts(automaton, in: text, minimumSplitLength: 0) == expected,
                    "phrases \(unique.map { String(decoding: $0, as: UTF8.self) }) text \(text.debugDescription)")
        }
    }

    /// Long texts: each chain runs many blocks of lock-step steps (the reported states are
    /// flushed after each block), with matches as dense as they can be (every other byte).
    @Test func agreesWithTheNaiveReferenceOnLongDenseTexts() {
        var generator = SeededGenerator(seed: 0x5EED_B10C)
        let phrases = ["a", "a b", "b a b", "ab", "c"].map(KeywordAutomaton.normalize)
        let automaton = KeywordAutomaton(phrases: phrases)
        let vocabulary = ["a", "a", "b", "ab", "c", "A"]
        for length in [1, 63, 64, 65, 255, 256, 257, 1_023, 1_024, 1_025, 3_000, 9_000] {
            var text = ""
            while text.utf8.count < length {
                text += vocabulary.randomElement(using: &generator)!
                text += Int.random(in: 0..<8, using: &generator) == 0 ? ".\n " : " "
            }
            let expected = Self.naiveCounts(phrases, in: text)
            #expect(Self.automatonCounts(automaton, in: text, minimumSplitLength: .max) == expected)
            #expect(Self.automatonCounts(automaton, in: text) == expected, "length \(length)")
            #expect(Self.automatonCounts(automaton, in: text, minimumSplitLength: 0) == expected, "length \(length)")
        }
    }

    @Test func matchesWholeWordsAndPhrasesOnly() {
        let phrases = ["step by step", "prove", "trade-off", "C#"].map(KeywordAutomaton.normalize)
        let automaton = KeywordAutomaton(phrases: phrases)
        let text = "Step-by-step, PROVE it; improve nothing. Trade off the trade-offs? c# step by\n  step"
        #expect(Self.automatonCounts(automaton, in: text) == [2, 1, 1, 1])
    }
}

/// The hit log lets `PhraseTable.hits` skip lists none of the found phrases is in; with or
/// without it, every list's total and evidence must be the same.
@Suite("PhraseTable hit log")
struct PhraseTableHitLogTests {
    @Test("2,000 random tables and texts (lists sharing phrases, long and short texts): hits with the log equal hits from a full scan; the log holds exactly the phrases found")
    func logAgreesWithFullScan() {
        var generator = SeededGenerator(seed: 0x4A11)
        let vocabulary = ["a", "ab", "abc", "b", "ba", "cab", "é", "x_y", "1", "12", "Zed"]
        for round in 0..<2_000 {
            let lists: [[String]] = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                    (0..<Int.random(in: 1...2, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }
                        .joined(separator: " ")
                }
            }
            let table = PhraseTable(lists: lists)
            let length = Int.random(in: 0...(round % 10 == 0 ? 800 : 12), using: &generator)
            var text = (0..<length).map { _ in vocabulary.randomElement(using: &generator)! }.joined(separator: " ")
            text.withUTF8 { bytes in
                table.withCounts(in: bytes) { counts in
                    let phraseCount = table.automaton.phraseCount
                    guard counts.count >= table.automaton.hitLogCapacity else {
                        // A long text: no log, and `hits` reads the lists in full.
                        #expect(bytes.count > PhraseTable.hitLogTextLimit)
                        return
                    }
                    // Without the log (just the counts), `hits` reads every list in full.
                    let plain = UnsafeBufferPointer(rebasing: counts[0..<phraseCount])
                    for list in lists.indices {
                        let logged = table.hits(ofList: list, counts: counts, evidenceLimit: 3)
                        let full = table.hits(ofList: list, counts: plain, evidenceLimit: 3)
                        #expect(logged.count == full.count, "round \(round), list \(list)")
                        #expect(logged.evidence == full.evidence, "round \(round), list \(list)")
                    }
                    let found = Int(counts[phraseCount])
                    let logged = Set((0..<found).map { Int(counts[phraseCount + 1 + $0]) })
                    #expect(logged.count == found)
                    #expect(logged == Set((0..<phraseCount).filter { counts[$0] > 0 }), "round \(round)")
                }
            }
        }
    }
}
