import RouterPolicies

/// `DecisionBench check-keywords`: keyword counts on long texts (where the automaton scans in
/// several chains) against a naive word-sequence count. Each keyword gets its own signal with a
/// huge `full_at`, so `strength · full_at` is its exact count.
enum KeywordCheck {
    static let keywords = ["a", "b", "ab", "a b", "b a b", "a b a b a", "c a", "abc", "ab c ab", "é"]
    static let pieces = ["a", "b", "c", "ab", "abc", " ", " ", "  ", ".", "\n", "é", "A", "B"]
    static let fullAt = 1_000_000

    static func words(_ text: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            let folded = byte &- 65 < 26 ? byte | 0x20 : byte
            if folded >= 0x80 || folded &- 97 < 26 || folded &- 48 < 10 || folded == 95 {
                current.append(folded)
            } else if !current.isEmpty {
                result.append(current)
                current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    static func run(texts: Int) -> Bool {
        let signals = keywords.map {
            ComplexitySignal(name: $0, weight: 1, kind: .keywords([$0], fullAt: fullAt))
        }
        let scorer = ComplexityScorer(ComplexityConfiguration(signals: signals))
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        for _ in 0..<texts {
            let length = Int.random(in: 200...1_500, using: &generator)
            let text = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let textWords = words(text)
            let score = scorer.score(RoutingInput(text: text))
            for (index, keyword) in keywords.enumerated() {
                let phrase = words(keyword)
                var expected = 0
                if textWords.count >= phrase.count {
                    for start in 0...(textWords.count - phrase.count)
                    where Array(textWords[start..<(start + phrase.count)]) == phrase { expected += 1 }
                }
                let got = Int((score.contributions[index].strength * Double(fullAt)).rounded())
                if got != expected {
                    failures += 1
                    if failures < 5 { print("'\(keyword)': expected \(expected), got \(got) in \(text.utf8.count) bytes") }
                }
            }
        }
        print(failures == 0 ? "check-keywords: all agree" : "check-keywords: \(failures) disagreements")
        return failures == 0
    }
}
