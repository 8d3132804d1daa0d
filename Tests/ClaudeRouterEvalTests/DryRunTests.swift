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
        // expected_tier is evaluated; `contains` needs a reply and is skipped: the verdict is
        // unknown ("not evaluated"), never a pass.
        #expect(!outcome.passed && outcome.notEvaluated && outcome.skippedChecks == 1 && outcome.failures.isEmpty)
        #expect(outcome.verdictWord == "not evaluated")
    }

    @Test("A case without checks is not evaluated in a dry run (live it passes when the call succeeds; no call was made)")
    func noChecksNotEvaluated() throws {
        let policy = try BundledPolicies.defaultPolicy()
        let suite = EvalSuite(name: "t", files: [], cases: [
            EvalCase(id: "c", messages: [FixtureMessage(role: "user", text: "x")], mark: .wholeFile("t")),
        ])
        let outcome = try #require(DryRun(prices: .bundledDefault).run(suite, policy: policy, variant: "v", policyFile: "p").outcomes.first)
        #expect(!outcome.passed && outcome.notEvaluated && outcome.failures.isEmpty)
    }

    @Test("A dry run never counts an unevaluated check as a pass: pass rates and statistics cover judged cases only")
    func notEvaluatedIsNeitherPassNorFail() throws {
        let policy = try BundledPolicies.defaultPolicy()
        func item(_ id: String, _ checks: [EvalCheck]) -> EvalCase {
            EvalCase(id: id, task: "classification", messages: [FixtureMessage(role: "user", text: "Label: spam or ham?")],
                     checks: checks.map { LocatedCheck($0, mark: .wholeFile("t")) }, mark: .wholeFile("t"))
        }
        let suite = EvalSuite(name: "t", files: [], cases: [
            item("content-only", [.contains(["spam"])]),                     // not evaluated
            item("tier-ok", [.expectedTier("haiku")]),                       // pass
            item("tier-wrong", [.expectedTier("opus"), .contains(["spam"])]), // fail (a known failure wins)
        ])
        let run = DryRun(prices: .bundledDefault).run(suite, policy: policy, variant: "default", policyFile: "p.yaml")
        #expect(run.outcomes.map(\.verdictWord) == ["not evaluated", "pass", "fail"])
        let report = EvalReport(suite: "t", dryRun: true, runs: [run, run])
        let summary = try #require(report.variants.first)
        #expect(summary.passed == 1 && summary.notEvaluated == 1 && summary.passRate == 0.5)
        #expect(summary.passCell == "1/2 (1 not evaluated)")
        #expect(report.tableText.contains("1/2 (1 not evaluated)"))
        #expect(report.comparisons.first.map { $0.mcnemar.baselineOnly + $0.mcnemar.candidateOnly } == 0)
        #expect(report.anyCheckFailed)
        let contentOnly = EvalReport(suite: "t", dryRun: true, runs: [DryRun(prices: .bundledDefault).run(
            EvalSuite(name: "t", files: [], cases: [item("c", [.contains(["x"])])]), policy: policy, variant: "d", policyFile: "p")])
        #expect(!contentOnly.anyCheckFailed)
        #expect(contentOnly.variants.first?.rateCell == "not evaluated")
    }

    @Test("A task's expected_output_tokens in the policy drives the projection when the case gives none")
    func taskExpectedOutput() throws {
        let yaml = """
            name: p
            baseline_tier: big
            default_tier: small
            tiers:
              - { name: small, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
              - { name: big, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
            tasks:
              qa: { tier: small, max_tokens: 4096, expected_output_tokens: 60 }
            classifier: { fallback_task: qa }

            """
        let policy = try Policy.parse(yaml: yaml, file: "p.yaml")
        #expect(policy.tasks["qa"]?.expectedOutputTokens == 60)
        let suite = EvalSuite(name: "t", files: [], cases: [
            EvalCase(id: "c", task: "qa", messages: [FixtureMessage(role: "user", text: "What is the capital of France?")],
                     mark: .wholeFile("t")),
        ])
        let outcome = try #require(DryRun(prices: .bundledDefault).run(suite, policy: policy, variant: "p", policyFile: "p.yaml")
            .outcomes.first)
        #expect(outcome.outputTokens == 60) // not 4096 / 4
        let tooLong = yaml.replacingOccurrences(of: "expected_output_tokens: 60", with: "expected_output_tokens: 5000")
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: tooLong, file: "p.yaml") }
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
