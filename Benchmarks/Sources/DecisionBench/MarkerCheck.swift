import RouterPolicies

/// `DecisionBench check-markers`: the `structure` signal's `first_then` and `numbered_steps`
/// counts against the regular expressions they replace, run on the Pike VM over the
/// ASCII-lowercased text. Each marker gets a huge `full_at`, so `strength · full_at` is its count.
enum MarkerCheck {
    static let references: [(StructureMarker, String)] = [
        (.firstThen, #"\bfirst\b[^.?!\n]*\bthen\b"#),
        (.numberedSteps, #"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#),
    ]
    static let pieces = ["first", "then", "step", "First", "THEN", " ", " ", "\t", "\n", ".", "?", "!", "1", "12",
                         "123", ")", ":", "```", "`", "a", "x", "_", "é", "firstly", "thens", "9", "steps", "\r"]
    static let fullAt = 1_000_000

    static func run(texts: Int) -> Bool {
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        for (marker, pattern) in references {
            guard let vm = try? SafeRegex(pattern, caseInsensitive: false) else {
                print("does not compile: \(pattern)")
                return false
            }
            let scorer = ComplexityScorer(ComplexityConfiguration(signals: [
                ComplexitySignal(name: marker.rawValue, weight: 1, kind: .structure([marker], fullAt: fullAt)),
            ]))
            for _ in 0..<texts {
                let length = Int.random(in: 0...40, using: &generator)
                let text = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
                let lowered = String(decoding: text.utf8.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
                let expected = vm.matchCount(in: lowered, limit: 1_000)
                let strength = scorer.score(RoutingInput(text: text)).contributions[0].strength
                let got = Int((strength * Double(fullAt)).rounded())
                if expected != got {
                    failures += 1
                    if failures < 10 { print("\(marker.rawValue): VM \(expected), marker \(got) on \(text.debugDescription)") }
                }
            }
        }
        print(failures == 0 ? "check-markers: all agree" : "check-markers: \(failures) disagreements")
        return failures == 0
    }
}
