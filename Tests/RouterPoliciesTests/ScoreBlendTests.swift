import Foundation
import RouterPolicies
import Testing

/// The `heuristic_weight` blend of the learned and hand-made scores, the guard's fallback as the
/// hand-made score, and what the decision says about which score and thresholds applied.
@Suite("Score blend: heuristic_weight, score source and thresholds source")
struct ScoreBlendTests {
    /// A prompt with a hand-made signal (a code fence) and the n-gram "prove", which the test
    /// model weighs.
    let coded = RoutingInput(text: "prove it\n```swift\nlet x = 1\n```")

    @Test("heuristic_weight h: score = (1 − h)·learned + h·hand-made, both reported on the decision")
    func convexBlend() throws {
        let (plain, first) = try DifficultyGuardTests().engine(guardLines: "")
        defer { try? FileManager.default.removeItem(at: first) }
        let (mixed, second) = try DifficultyGuardTests().engine(guardLines: "  heuristic_weight: 0.25\n")
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(mixed.policy.scorer?.heuristicWeight == 0.25)
        let learnedOnly = plain.decide(coded), blended = mixed.decide(coded)
        #expect(learnedOnly.scoreSource == .learned)
        #expect(blended.scoreSource == .blend)
        let learned = try #require(blended.learnedScore), heuristic = try #require(blended.heuristicScore)
        #expect(abs(learned - learnedOnly.score) < 1e-12)
        #expect(abs(blended.score - (0.75 * learned + 0.25 * heuristic)) < 1e-12)
        #expect(blended.thresholdSource == .policy)
    }

    @Test("a bad heuristic_weight is an error at its line")
    func badWeight() throws {
        for value in ["2", "-0.1", "half"] {
            let error = #expect(throws: PolicyError.self) {
                _ = try DifficultyGuardTests().engine(guardLines: "  heuristic_weight: \(value)\n")
            }
            #expect(error?.description.contains("10:21: error: heuristic_weight must be a number in 0…1") == true,
                    "\(error?.description ?? "")")
        }
    }

    @Test("the guard's fallback says why: no signal (default tier) or unseen text (hand-made score routes)")
    func fallbackReasons() throws {
        let (engine, directory) = try DifficultyGuardTests().engine(guardLines: "  no_signal_fallback: true\n  min_known_fraction: 0.5\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bare = engine.decide(RoutingInput(text: "prove it"))
        #expect(bare.scoreSource == .fallbackNoSignal)
        #expect(bare.learnedScore == nil)
        #expect(bare.thresholdSource == nil)
        #expect(bare.reason.contains("no recognised signal, default tier"))
        // A code fence is a hand-made signal, but only "prove" of its n-grams is known: the
        // hand-made score decides, compared with the thresholds like a policy without a scorer.
        let unseen = engine.decide(RoutingInput(text: "tell me everything about it please\n```swift\nlet x = 1\n```"))
        #expect(unseen.scoreSource == .fallbackUnknownText)
        #expect(unseen.learnedScore == nil)
        #expect(unseen.score == unseen.heuristicScore)
        #expect(unseen.thresholdSource == .policy)
        #expect(unseen.reason.contains(": score "))
    }

    @Test("a policy without a scorer: the hand-made score, reported as such")
    func heuristicOnly() throws {
        var policy = try BundledPolicies.defaultPolicy()
        policy.scorer = nil
        let decision = PolicyEngine(policy: policy).decide(RoutingInput(text: "What is a tort?", task: "qa"))
        #expect(decision.scoreSource == .heuristic)
        #expect(decision.learnedScore == nil)
        #expect(decision.heuristicScore == decision.score)
    }

    @Test("the bundled default blends: 0.05 × learned + 0.95 × hand-made, behind the guard")
    func bundledDefaultBlends() throws {
        let policy = try BundledPolicies.defaultPolicy()
        let scorer = try #require(policy.scorer)
        #expect(scorer.heuristicWeight == 0.95)
        #expect(scorer.noSignalFallback)
        #expect(scorer.minKnownFraction == 0.3)
        let engine = PolicyEngine(policy: policy)
        let review = engine.decide(RoutingInput(text: "Review this function:\n```swift\nfunc add(a: Int, b: Int) -> Int { return a + b }\n```",
                                                task: "code-review"))
        #expect(review.scoreSource == .blend)
        let learned = try #require(review.learnedScore), heuristic = try #require(review.heuristicScore)
        #expect(abs(review.score - (0.05 * learned + 0.95 * heuristic)) < 1e-12)
        // Contributions in score units: hand-made signals × 0.95, and the learned share with its
        // top learned features as evidence; they add up to the score.
        let share = try #require(review.contributions.first { $0.name == "learned" })
        #expect(abs(share.contribution - 0.05 * learned) < 1e-12)
        #expect(!share.evidence.isEmpty)
        #expect(review.contributions.contains { $0.name == "code" && $0.contribution > 0 })
        #expect(abs(review.contributions.map(\.contribution).reduce(0, +) - review.score) < 1e-9)
        let greeting = engine.decide(RoutingInput(text: "hello"))
        #expect(greeting.scoreSource == .fallbackNoSignal)
        #expect(greeting.tier == "haiku")
    }
}
