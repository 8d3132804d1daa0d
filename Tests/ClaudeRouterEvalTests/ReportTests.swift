import Foundation
import RouterPolicies
import Testing
@testable import ClaudeRouterEval

/// Hand-built runs: 4 cases, baseline costs $0.01 each; the candidate costs half and fails one
/// case the baseline passed.
func sampleRuns(caseIDs: [String] = ["a", "b", "c", "d"]) -> [VariantRun] {
    let cent = USDAmount(dollars: "0.01")!
    let halfCent = USDAmount(dollars: "0.005")!
    let baseline = caseIDs.enumerated().map { index, id in
        CaseOutcome(caseID: id, variant: "default", task: "qa", tier: "strong", model: "claude-opus-4-5",
                    passed: true, cost: cent, baselineCost: cent, latencyMs: Double(100 * (index + 1)))
    }
    let candidate = caseIDs.enumerated().map { index, id in
        CaseOutcome(caseID: id, variant: "cheap", task: "qa", tier: index == 0 ? "strong" : "fast",
                    model: "claude-haiku-4-5", passed: index != 1,
                    failures: index == 1 ? ["contains: \"Paris\" not found in the reply"] : [],
                    cost: halfCent, baselineCost: cent, latencyMs: 50, escalated: index == 0)
    }
    return [VariantRun(name: "default", policyFile: "a.yaml", outcomes: baseline),
            VariantRun(name: "cheap", policyFile: "b.yaml", outcomes: candidate)]
}

@Suite("Eval report aggregation")
struct ReportAggregationTests {
    @Test("Per-variant summary: pass rate, exact totals, tier mix, escalations, latency percentiles")
    func summary() throws {
        let report = EvalReport(suite: "s", dryRun: false, runs: sampleRuns(), bootstrap: .init(resamples: 200))
        let base = report.variants[0], cheap = report.variants[1]
        #expect(base.passed == 4 && base.passRate == 1)
        #expect(base.totalCost == USDAmount(dollars: "0.04"))
        #expect(base.costPerCase == USDAmount(dollars: "0.01"))
        #expect(base.latencyP50Ms == 250) // 100 200 300 400 → h = 1.5
        #expect(abs(try #require(base.latencyP95Ms) - 385) < 1e-9) // h = 2.85 → 300 + 0.85 * 100
        #expect(cheap.passed == 3 && cheap.passRate == 0.75)
        #expect(cheap.totalCost == USDAmount(dollars: "0.02"))
        #expect(cheap.savingVsBaseline == 0.5)
        #expect(cheap.escalationRate == 0.25)
        #expect(cheap.tierMix.map(\.tier) == ["fast", "strong"])
        #expect(cheap.tierMix.map(\.count) == [3, 1])
        #expect(report.anyCheckFailed)
    }

    @Test("Comparison: McNemar counts, exact saving, plain verdict")
    func comparison() throws {
        let report = EvalReport(suite: "s", dryRun: false, runs: sampleRuns(), bootstrap: .init(resamples: 500))
        let pair = try #require(report.comparisons.first)
        #expect(pair.baseline == "default" && pair.candidate == "cheap")
        #expect(pair.mcnemar.baselineOnly == 1 && pair.mcnemar.candidateOnly == 0)
        #expect(pair.mcnemar.pValue == 1) // n = 1: 2 * 1/2 = 1
        let saving = try #require(pair.costSaving)
        #expect(saving.value == 0.5 && saving.lower == 0.5 && saving.upper == 0.5)
        #expect(pair.verdict == "cheap saves 50% [50%, 50%] vs default with no significant change in pass rate (p=1.00)")
    }

    @Test("A significant pass-rate drop and a cost increase are said plainly")
    func significantDrop() {
        let ids = (1...12).map { "c\($0)" }
        var runs = sampleRuns(caseIDs: ids)
        runs[1].outcomes = runs[1].outcomes.map { o in
            var o = o
            o.passed = false
            o.cost = USDAmount(dollars: "0.02")
            return o
        }
        let report = EvalReport(suite: "s", dryRun: true, runs: runs, bootstrap: .init(resamples: 300))
        let verdict = report.comparisons[0].verdict
        // 12 discordant pairs all one way: p = 2 / 4096.
        #expect(verdict == "cheap would cost 100% more [100%, 100%] vs default with a significant drop in pass rate (-100.0 pts, p<0.001)")
    }

    @Test("Unpriced cases are left out of totals, never counted as $0")
    func unpriced() {
        var runs = sampleRuns()
        runs[1].outcomes[2].cost = nil
        let report = EvalReport(suite: "s", dryRun: false, runs: runs, bootstrap: .init(resamples: 100))
        #expect(report.variants[1].unpricedCases == 1)
        #expect(report.variants[1].totalCost == USDAmount(dollars: "0.015"))
        #expect(report.tableText.contains("unpriced"))
    }
}

@Suite("Report rendering")
struct ReportRenderingTests {
    func hostileReport() -> EvalReport {
        var runs = sampleRuns(caseIDs: ["<script>alert(1)</script>", "a|b", "c&d", "\"q\""])
        runs[1].outcomes[1].failures = ["regex: /<b>/ does not match & 'x'"]
        runs[1].name = "cheap<i>"
        return EvalReport(suite: "suite & <co>", dryRun: false, runs: runs, bootstrap: .init(resamples: 100))
    }

    @Test("Table lists variants, verdicts and failed checks")
    func table() {
        let text = EvalReport(suite: "s", dryRun: false, runs: sampleRuns(), bootstrap: .init(resamples: 100)).tableText
        #expect(text.contains("default"))
        #expect(text.contains("$0.040000"))
        #expect(text.contains("cheap saves 50%"))
        #expect(text.contains("[cheap] b: contains: \"Paris\" not found in the reply"))
    }

    @Test("JSON round-trips with exact decimal-dollar money, snake_case keys and a schema version")
    func json() throws {
        let report = EvalReport(suite: "s", dryRun: false, runs: sampleRuns(), bootstrap: .init(resamples: 100))
        let text = try report.jsonText
        let decoded = try JSONDecoder().decode(EvalReport.self, from: Data(text.utf8))
        #expect(decoded == report)
        #expect(text.contains("\"total_cost_usd\" : \"0.04\""))
        #expect(text.contains("\"schema_version\" : \(EvalReport.currentSchemaVersion)"))
    }

    @Test("Markdown escapes pipes in cells")
    func markdown() {
        let text = hostileReport().markdownText
        #expect(text.contains("| a\\|b |"))
        #expect(text.contains("## A/B verdicts"))
    }

    @Test("HTML is one self-contained, well-formed, escaped page")
    func html() throws {
        let page = hostileReport().htmlPage
        // One inline script of our own (the case filters); hostile text stays escaped.
        #expect(page.components(separatedBy: "<script").count == 2 && !page.contains("<script src"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("cheap&lt;i&gt;"))
        #expect(page.contains("<svg"))
        #expect(!page.contains("src=") && !page.contains("href=") && !page.contains("@import"))
        try TagBalance.check(page)
    }

    @Test("The tag-balance checker rejects broken markup")
    func checkerCatchesErrors() {
        #expect(throws: TagBalance.Failure.self) { try TagBalance.check("<div><p>x</div></p>") }
        #expect(throws: TagBalance.Failure.self) { try TagBalance.check("<div>a < b</div>") }
        #expect(throws: TagBalance.Failure.self) { try TagBalance.check("<p title=\"x>y</p>") }
        #expect(throws: TagBalance.Failure.self) { try TagBalance.check("<p>fish & chips</p>") }
    }
}
