import RouterPolicies

/// `DecisionBench check-regex`: the default policy's hot patterns are counted by hand-written
/// scanners when compiled case-insensitively; compiled case-sensitively they run on the Pike VM.
/// On lowercase texts the two must agree — this compares them on random texts.
enum FastPathCheck {
    static let patterns = [#"\bfirst\b[^.?!\n]*\bthen\b"#, #"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#, "```[a-z]*\\n"]
    static let pieces = ["first", "then", "step", " ", " ", "\t", "\n", ".", "?", "!", "1", "12", "123", ")", ":",
                         "```", "`", "a", "x", "_", "é", "firstly", "thens", "9", "steps", "\r"]

    static func run(texts: Int) -> Bool {
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        for pattern in patterns {
            guard let fast = try? SafeRegex(pattern), let vm = try? SafeRegex(pattern, caseInsensitive: false) else {
                print("does not compile: \(pattern)")
                return false
            }
            for _ in 0..<texts {
                let length = Int.random(in: 0...40, using: &generator)
                let text = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
                for limit in [1, 2, 1_000] {
                    let expected = vm.matchCount(in: text, limit: limit)
                    let got = fast.matchCount(in: text, limit: limit)
                    if expected != got {
                        failures += 1
                        if failures < 10 { print("\(pattern) limit \(limit): VM \(expected), fast \(got) on \(text.debugDescription)") }
                    }
                }
            }
        }
        print(failures == 0 ? "check-regex: all agree" : "check-regex: \(failures) disagreements")
        return failures == 0
    }
}
