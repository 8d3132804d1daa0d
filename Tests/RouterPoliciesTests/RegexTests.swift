import Testing
import RouterPolicies

@Suite("SafeRegex")
struct RegexTests {
    private func matched(_ pattern: String, _ text: String, caseInsensitive: Bool = true) throws -> String? {
        let regex = try SafeRegex(pattern, caseInsensitive: caseInsensitive)
        return regex.firstMatch(in: text).map { String(text[$0]) }
    }

    @Test func literalsClassesAndQuantifiers() throws {
        #expect(try matched("abc", "xxABCxx") == "ABC")
        #expect(try matched("abc", "xxABCxx", caseInsensitive: false) == nil)
        #expect(try matched(#"\d+"#, "order 12345 shipped") == "12345")
        #expect(try matched(#"\w+@\w+\.com"#, "mail bob@example.com now") == "bob@example.com")
        #expect(try matched(#"[a-c]{2,3}"#, "xxabcabc") == "abc")
        #expect(try matched(#"[^0-9 ]+"#, "12 ab3") == "ab")
        #expect(try matched(#"colou?r"#, "the color red") == "color")
        #expect(try matched(#"a{3}"#, "aa aaaa") == "aaa")
        #expect(try matched(#"x{2,}"#, "x xxxxx") == "xxxxx")
        #expect(try matched(#"\s\S"#, "ab cd") == " c")
        #expect(try matched(#"\D\W"#, "12a-") == "a-")
        #expect(try matched(#"a.c"#, "a\nc aéc") == "aéc")
        #expect(try matched(#"café"#, "Le CAFé") == "CAFé")
        #expect(try matched(#"\x41\.\*"#, "b a.*") == "a.*")
        #expect(try matched(#"a{2"#, "a{2") == "a{2")
    }

    @Test func alternationIsLeftmostFirst() throws {
        #expect(try matched("cat|category", "category") == "cat")
        #expect(try matched("(?:category|cat)s?", "categorys") == "categorys")
        #expect(try matched("(a|b)+c", "zzababc") == "ababc")
    }

    @Test func anchorsAndBoundaries() throws {
        #expect(try matched(#"\bcat\b"#, "concatenate cat") == "cat")
        #expect(try SafeRegex(#"\bcat\b"#).matchCount(in: "concatenate", limit: 10) == 0)
        #expect(try matched(#"\Bcat"#, "concatenate") == "cat")
        #expect(try SafeRegex(#"^\d+\."#).matchCount(in: "1. a\n2. b\n x 3. c", limit: 10) == 2)
        #expect(try SafeRegex(#"end$"#).matchCount(in: "the end\r\nthe end\nbend it", limit: 10) == 2)
        #expect(try SafeRegex(#"\Aab"#).matchCount(in: "ab\nab", limit: 10) == 1)
        #expect(try SafeRegex(#"ab\z"#).matchCount(in: "ab\nab", limit: 10) == 1)
    }

    @Test func countsNonOverlappingMatchesUpToTheLimit() throws {
        let regex = try SafeRegex("aa")
        #expect(regex.matchCount(in: "aaaaa", limit: 10) == 2)
        #expect(regex.matchCount(in: "aaaaaaaa", limit: 3) == 3)
        #expect(regex.matchCount(in: "aaaa", limit: 0) == 0)
        #expect(try SafeRegex("x*").matchCount(in: "ab", limit: 10) == 3)  // empty matches advance
    }

    @Test(arguments: [
        (#"(a)\1"#, 3, "backreference"),
        (#"foo(?=bar)"#, 3, "lookahead"),
        (#"x(?!y)"#, 1, "lookahead"),
        (#"(?<=a)b"#, 0, "lookbehind"),
        (#"(?<!a)b"#, 0, "lookbehind"),
        (#"(?<name>a)"#, 0, "named"),
        (#"(?i)abc"#, 0, "inline flags"),
        (#"ab(c"#, 2, "missing ')'"),
        (#"ab)c"#, 2, "unmatched ')'"),
        (#"[abc"#, 0, "missing ']'"),
        (#"*a"#, 0, "nothing to repeat"),
        (#"a{3,101}"#, 1, "above 100"),
        (#"a{5,2}"#, 1, "n < m"),
        (#"a*?"#, 2, "lazy"),
        (#"a++"#, 2, "possessive"),
        (#"ab\"#, 2, "trailing backslash"),
        (#"\q"#, 0, "unsupported escape"),
        (#"[é]"#, 1, "non-ASCII"),
        (#"[z-a]"#, 1, "out of order"),
        (#"\k<x>"#, 0, "backreference"),
        ("", 0, "empty"),
    ] as [(String, Int, String)])
    func rejectsUnsupportedSyntaxWithItsOffset(pattern: String, offset: Int, message: String) {
        do {
            _ = try SafeRegex(pattern)
            Issue.record("\(pattern) should be rejected")
        } catch {
            #expect(error.offset == offset, "\(pattern): \(error)")
            #expect(error.message.contains(message), "\(pattern): \(error)")
        }
    }

    @Test func rejectsProgramsThatExpandTooFar() {
        #expect(throws: SafeRegexError.self) { try SafeRegex("((a{100}){100}){100}") }
    }

    @Test func pathologicalPatternsRunInLinearTime() throws {
        let fiftyK = String(repeating: "a", count: 50_000)
        let nested = try SafeRegex("(a+)+$")
        #expect(nested.matchCount(in: fiftyK + "!", limit: 5) == 0)
        #expect(nested.firstMatch(in: fiftyK).map { fiftyK.distance(from: $0.lowerBound, to: $0.upperBound) } == 50_000)

        let alternation = try SafeRegex("(a|aa)*b")
        #expect(alternation.matchCount(in: fiftyK, limit: 5) == 0)
        let withB = fiftyK + "b"
        #expect(alternation.firstMatch(in: withB).map { withB.distance(from: $0.lowerBound, to: $0.upperBound) } == 50_001)

        let doubled = try SafeRegex("(x+x+)+y")
        let xs = String(repeating: "x", count: 50_000)
        #expect(doubled.matchCount(in: xs, limit: 5) == 0)
        #expect(doubled.matchCount(in: xs + "y", limit: 5) == 1)
    }

    @Test func prefilterDoesNotChangeResults() throws {
        // Required literal in the middle, prefix after an assertion, case folding of the prefix.
        #expect(try SafeRegex(#"\d+ apples"#).matchCount(in: "3 APPLES, 4 pears, 10 apples", limit: 10) == 2)
        #expect(try SafeRegex(#"\bfirst\b[^.]*\bthen\b"#).matchCount(
            in: "First do x, then y. firstly then. FIRST a THEN b", limit: 10) == 2)
        #expect(try SafeRegex(#"[xy]\d"#).matchCount(in: "aaa x1 bbb y2 z3 x", limit: 10) == 2)
        #expect(try SafeRegex(#"^ *- \w+"#).matchCount(in: "- a\n  - b\n x - c\n-d\n- e", limit: 10) == 3)
        #expect(try SafeRegex("Ab", caseInsensitive: false).matchCount(in: "ab AB Ab aB Ab", limit: 10) == 2)
    }

    @Test func startSkippingDoesNotChangeResults() throws {
        // Start-byte skipping (no literal prefix): alternation of words after a boundary.
        let words = try SafeRegex(#"\bfunc |\bdef |\bclass "#)
        #expect(words.matchCount(in: "def f(): pass\nclass C: ...\nfunc g() {}\nundef x; subclass ", limit: 10) == 3)
        #expect(words.matchCount(in: "DEF x\nClass y", limit: 10) == 2)
        #expect(words.matchCount(in: "(def x)(class y)_def z", limit: 10) == 2)
        #expect(try SafeRegex(#"\bab"#).matchCount(in: "ab cab-ab", limit: 10) == 2)
        #expect(try SafeRegex(#"\b-x"#).matchCount(in: "a-x -x", limit: 10) == 1)
        // Line-anchored: only line starts count, including after an empty line and at the text start.
        let steps = try SafeRegex(#"^[ \t]*(step[ \t]*)?\d{1,2}[.):][ \t]"#)
        #expect(steps.matchCount(in: "1. a\nx 2. b\n\n  3) c\nStep 4: d\nnot 5. e", limit: 10) == 3)
        #expect(steps.matchCount(in: "no steps 1. here", limit: 10) == 0)
        // `\A` anchors to the text start only; a pattern that can match empty is never skipped.
        #expect(try SafeRegex(#"\Aab"#).matchCount(in: "ab\nab", limit: 10) == 1)
        #expect(try SafeRegex("x*").matchCount(in: "ab", limit: 10) == 3)
        // Non-ASCII start bytes: `.` may start with a UTF-8 lead byte.
        #expect(try SafeRegex(".é").matchCount(in: "aé—é", limit: 10) == 2)
    }

    @Test func equalityIgnoresTheCompiledProgram() throws {
        #expect(try SafeRegex("a+") == SafeRegex("a+"))
        #expect(try SafeRegex("a+") != SafeRegex("a+", caseInsensitive: false))
        #expect(try Set([SafeRegex("a"), SafeRegex("a"), SafeRegex("b")]).count == 2)
    }
}
