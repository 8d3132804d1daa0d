import Foundation
import Router
import RouterPolicies
import Testing
@testable import ClaudeRouterEval

@Suite("Dry-run projections")
struct DryRunTests {
    @Test("Projected cost: input = ceil(chars / 4), output = expected_output_tokens, priced per tier, checked by hand")
    func projection() throws {
        let policy = try BundledPolicies.defaultPolicy()
        let prompt = String(repeating: "a", count: 38) + " ." // 40 characters → 10 input tokens
        let suite = EvalSuite(name: "t", files: [], cases: [
            EvalCase(id: "c", task: "classification", messages: [FixtureMessage(role: "user", text: prompt)],
                     expectedOutputTokens: 100, checks: [LocatedCheck(.expectedTier("haiku"), mark: .wholeFile("t")),
                                                         LocatedCheck(.contains(["x"]), mark: .wholeFile("t"))],
                     mark: .wholeFile("t")),
        ])
        let run = DryRun(prices: .bundledDefault).run(suite, policy: policy, variant: "default", policyFile: "p.yaml")
        let outcome = try #require(run.outcomes.first)
        #expect(outcome.tier == "haiku" && outcome.model == "claude-haiku-4-5")
        #expect(outcome.inputTokens == 10 && outcome.outputTokens == 100)
        // Haiku 4.5: 10 × $1/MTok + 100 × $5/MTok = $0.00051 (docs/ANTHROPIC-API.md).
        #expect(outcome.cost == USDAmount(dollars: "0.00051"))
        // Baseline tier opus (claude-opus-4-8): 10 × $5 + 100 × $25 per MTok = $0.00255.
        #expect(outcome.baselineCost == USDAmount(dollars: "0.00255"))
        // expected_tier is evaluated; `contains` needs a reply and is skipped.
        #expect(outcome.passed && outcome.skippedChecks == 1)
    }

    @Test("Without expected_output_tokens the projection uses a quarter of the decision's max_tokens")
    func outputFallback() throws {
        let item = EvalCase(id: "c", messages: [FixtureMessage(role: "user", text: "hi")], mark: .wholeFile("t"))
        #expect(DryRun.projectedOutputTokens(for: item, maxTokens: 1024) == 256)
        #expect(DryRun.projectedOutputTokens(for: item, maxTokens: 2) == 1)
    }

    @Test("Variant names: policy names, file stems when names collide")
    func names() {
        #expect(variantNames(policyNames: ["default", "alt"], files: ["a.yaml", "b.yaml"]) == ["default", "alt"])
        #expect(variantNames(policyNames: ["default", "default"], files: ["x/a.yaml", "y/b.yaml"]) == ["a", "b"])
        #expect(variantNames(policyNames: ["p", "p"], files: ["x/a.yaml", "y/a.yaml"]) == ["a", "a-2"])
    }

    @Test("The variant-tagging ledger sets the eval variant and keeps a policy's own arm")
    func tagging() async throws {
        let base = InMemoryLedger()
        let ledger = VariantTaggingLedger(base: base, variant: "B")
        try await ledger.record(LedgerRecord(requestID: "r1", model: "claude-haiku-4-5", cost: nil))
        try await ledger.record(LedgerRecord(requestID: "r2", variant: "thrifty", model: "claude-haiku-4-5", cost: nil))
        let records = await base.records(.all)
        #expect(records.map(\.variant) == ["B", "B"])
        #expect(records[1].metadata["policy_variant"] == "thrifty")
    }
}
