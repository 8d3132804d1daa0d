import Foundation
import Testing

/// `explain` names the score that decided (learned, blend, hand-made, or the guard's fallback
/// with its reason) and the thresholds it was compared with, in text and in JSON.
@Suite("CLI: explain names the deciding score and the thresholds")
struct ExplainScoreSourceTests {
    let defaultPolicy = CLIHarness.path("policies/default.yaml")

    @Test("text: the default policy's blend, its parts, and the policy's thresholds")
    func blendText() throws {
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--task", "code-review",
                                         "Review this function:\n```swift\nfunc add(a: Int, b: Int) -> Int { return a + b }\n```"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("— blend: 0.05 × learned "), "\(result.stdout)")
        #expect(result.stdout.contains("× hand-made "))
        #expect(result.stdout.contains("thresholds: the policy's (haiku 0.00, sonnet 0.05, opus 0.13)"))
        #expect(result.stdout.contains("signals:    (blend: each hand-made signal × 0.95; `learned` = the learned score's share"))
        #expect(result.stdout.contains("  learned "))
        #expect(result.stdout.contains("  code "))
    }

    @Test("text: the guard's fallback is named with its reason, and no thresholds line for the default tier")
    func fallbackText() throws {
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy, "hello"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("guard fell back (no hand-made signal fired; no_signal_fallback)"), "\(result.stdout)")
        #expect(!result.stdout.contains("thresholds:"))
        #expect(!result.stdout.contains("learned score;"))
    }

    /// The keys under test of one `explain --json` object.
    struct Keys: Decodable {
        var scoreSource: String
        var learnedScore: Double?
        var heuristicScore: Double?
        var thresholdsSource: String?
        var thresholds: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case scoreSource = "score_source", learnedScore = "learned_score", heuristicScore = "heuristic_score"
            case thresholdsSource = "thresholds_source", thresholds
        }
    }

    @Test("--json: score_source, learned_score, heuristic_score, thresholds_source and thresholds")
    func json() throws {
        let result = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--json", "--task", "qa",
                                         "Analyze the liability and indemnification clauses of this contract. Does the force majeure clause survive a breach? Explain the implications for the plaintiff and the jurisdiction that applies."])
        #expect(result.status == 0, "\(result.stderr)")
        let keys = try JSONDecoder().decode(Keys.self, from: Data(result.stdout.utf8))
        #expect(keys.scoreSource == "blend")
        #expect(keys.learnedScore != nil)
        #expect(keys.heuristicScore != nil)
        #expect(keys.thresholdsSource == "policy")
        #expect(keys.thresholds == ["haiku": 0.0, "sonnet": 0.05, "opus": 0.13])
        let fixed = try CLIHarness.run(["explain", "--policy", defaultPolicy, "--json", "--task", "extraction", "Extract the dates."])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let other = try JSONDecoder().decode(Keys.self, from: Data(fixed.stdout.utf8))
        #expect(other.thresholdsSource == nil)
        #expect(other.thresholds == nil)
    }
}
