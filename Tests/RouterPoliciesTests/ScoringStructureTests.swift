import RouterPolicies
import Testing
import ClaudeRouterEval

/// The `structure` signal kind counts numbered steps and `first … then` sentences in the
/// scorer's scan of the text. The patterns the default policy used to run for them are the
/// reference: on ASCII-lowercased text the Pike VM must give the same counts, on random texts
/// built from the pieces that exercise word boundaries, line starts, sentence ends and fences.
@Suite("Structure markers agree with the regular expressions they replace")
struct ScoringStructureTests {
    static let references: [(StructureMarker, String)] = [
        (.firstThen, #"\bfirst\b[^.?!\n]*\bthen\b"#),
        (.numberedSteps, #"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#),
    ]
    static let pieces = ["first", "then", "step", "FIRST", "Then", "Step", " ", " ", "\t", "\n", ".", "?", "!",
                         "1", "12", "123", ")", ":", "```", "`", "a", "x", "_", "é", "firstly", "thens", "9",
                         "steps", "\r", "PY", "json", "~~~"]
    static let fullAt = 1_000_000

    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// The exact count of `markers` in `text` (a huge `full_at` makes strength · full_at the count).
    static func count(_ markers: [StructureMarker], in text: String) -> Int {
        let scorer = ComplexityScorer(ComplexityConfiguration(signals: [
            ComplexitySignal(name: "structure", weight: 1, kind: .structure(markers, fullAt: fullAt)),
        ]))
        let strength = scorer.score(RoutingInput(text: text)).contributions[0].strength
        return Int((strength * Double(fullAt)).rounded())
    }

    @Test("marker counts equal the VM's on 5,000 random texts per marker", arguments: [0, 1])
    func agreesWithTheRegularExpression(reference: Int) throws {
        let (marker, pattern) = Self.references[reference]
        let vm = try SafeRegex(pattern, caseInsensitive: false)
        var generator = SeededGenerator(seed: 0xC1A0_DE00 &+ UInt64(pattern.utf8.count))
        var disagreements: [String] = []
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let text = (0..<length).map { _ in Self.pieces.randomElement(using: &generator)! }.joined()
            let expected = vm.matchCount(in: Self.asciiLowercased(text), limit: 1_000)
            if Self.count([marker], in: text) != expected { disagreements.append(text.debugDescription) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test("hand-picked cases", arguments: [
        (StructureMarker.firstThen, "First, read the file and then parse it.", 1),
        (.firstThen, "first read it. then parse it", 0),
        (.firstThen, "First do A, then B. First C; then D! Firstly E then F.", 2),
        (.numberedSteps, "Step 1: install\n  2) configure\n10. run\n100. no", 3),
        (.codeFences, "```swift\nlet x = 1\n```\n```\n", 2),
        (.codeFences, "~~~\ncode\n~~~\nprose", 1),
        (.codeFences, "no fence here", 0),
    ])
    func handPicked(marker: StructureMarker, text: String, expected: Int) {
        #expect(Self.count([marker], in: text) == expected)
    }

    @Test func markersAddUpAndNameTheirEvidence() throws {
        let text = "First install it, then run it.\n1. open\n2. close\n```\ncode\n```"
        let scorer = ComplexityScorer(ComplexityConfiguration(signals: [
            ComplexitySignal(name: "s", weight: 1, kind: .structure([.firstThen, .numberedSteps, .codeFences], fullAt: 8)),
        ]))
        let contribution = try #require(scorer.score(RoutingInput(text: text)).contributions.first)
        #expect(contribution.strength == 0.5)  // 1 + 2 + 1 of 8
        #expect(contribution.evidence == ["1 first_then", "2 numbered_steps", "1 code_fences"])
    }
}
