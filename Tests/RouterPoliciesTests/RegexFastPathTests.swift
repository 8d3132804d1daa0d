import RouterPolicies
import Testing

/// The default policy's three hot patterns are counted by hand-written scanners when compiled
/// case-insensitively (RegexFastPath); compiled case-sensitively they run on the Pike VM. On
/// ASCII-lowercased text the VM is the reference, so both must give the same counts for every
/// limit, on random texts built from the pieces that exercise word boundaries, line starts,
/// sentence ends and fences.
@Suite("Regex fast paths agree with the Pike VM")
struct RegexFastPathTests {
    static let patterns = [#"\bfirst\b[^.?!\n]*\bthen\b"#, #"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#, "```[a-z]*\\n"]
    static let pieces = ["first", "then", "step", "FIRST", "Then", "Step", " ", " ", "\t", "\n", ".", "?", "!",
                         "1", "12", "123", ")", ":", "```", "`", "a", "x", "_", "é", "firstly", "thens", "9",
                         "steps", "\r", "PY", "json"]

    /// SplitMix64: a fixed seed makes every run test the same texts.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    @Test("fast counts equal the VM's on 5,000 random texts per pattern", arguments: patterns)
    func agreesWithVM(pattern: String) throws {
        let fast = try SafeRegex(pattern)
        let vm = try SafeRegex(pattern, caseInsensitive: false)
        var generator = SeededGenerator(state: 0xC1A0_DE00 &+ UInt64(pattern.utf8.count))
        var disagreements: [String] = []
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let text = (0..<length).map { _ in Self.pieces.randomElement(using: &generator)! }.joined()
            let reference = Self.asciiLowercased(text)
            for limit in [1, 2, 1_000] where fast.matchCount(in: text, limit: limit) != vm.matchCount(in: reference, limit: limit) {
                disagreements.append("limit \(limit): \(text.debugDescription)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test("hand-picked cases", arguments: [
        (0, "First, read the file and then parse it.", 1),
        (0, "first read it. then parse it", 0),
        (1, "Step 1: install\n  2) configure\n10. run\n100. no", 3),
        (2, "```swift\nlet x = 1\n```\n```\n", 3),
    ])
    func handPicked(patternIndex: Int, text: String, expected: Int) throws {
        #expect(try SafeRegex(Self.patterns[patternIndex]).matchCount(in: text, limit: 100) == expected)
        #expect(try SafeRegex(Self.patterns[patternIndex], caseInsensitive: false)
            .matchCount(in: Self.asciiLowercased(text), limit: 100) == expected)
    }
}
