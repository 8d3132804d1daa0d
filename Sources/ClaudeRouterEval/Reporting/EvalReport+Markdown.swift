import Foundation
import RouterPolicies

extension EvalReport {
    /// GitHub-flavoured Markdown: summary table, verdicts, per-case table, failed checks.
    package var markdownText: String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
                .replacingOccurrences(of: "\n", with: " ")
        }
        var lines = ["# \(cell(headline))", ""]
        for notice in notices { lines += ["> **\(cell(notice))**", ""] }
        lines.append("| variant | pass | rate | cost | cost/case | vs baseline tier | escalated | p50 | p95 | tiers |")
        lines.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
        for v in variants {
            lines.append("| \(cell(v.name)) | \(cell(v.passCell)) | \(v.rateCell) | \(v.totalCost.formatted()) | "
                + "\(v.costPerCase.formatted()) | \(v.savingVsBaseline.map { "saves " + Verdict.percent($0) } ?? "–") | "
                + "\(Verdict.percent(v.escalationRate)) | \(Self.millis(v.latencyP50Ms)) | \(Self.millis(v.latencyP95Ms)) | "
                + "\(cell(Self.tierMixText(v.tierMix))) |")
        }
        if !comparisons.isEmpty {
            lines += ["", "## A/B verdicts", "",
                      "Paired bootstrap 95% intervals (\(bootstrapResamples) resamples, seed \(bootstrapSeed)); exact McNemar test on pass/fail.", ""]
            lines += comparisons.map { "- \(cell($0.verdict))" }
        }
        lines += ["", "## Cases", ""]
        lines.append("| case | task | " + runs.map { cell($0.name) }.joined(separator: " | ") + " |")
        lines.append("|---|---|" + runs.map { _ in "---|" }.joined())
        for (index, id) in caseIDs.enumerated() {
            let task = runs.first?.outcomes[index].task ?? ""
            let cells = runs.map { run -> String in
                guard index < run.outcomes.count else { return "" }
                let o = run.outcomes[index]
                return "\(o.notEvaluated ? "❔" : o.passed ? "✅" : "❌") \(o.tier ?? "–") \(o.cost?.formatted() ?? "unpriced")"
            }
            lines.append("| \(cell(id)) | \(cell(task)) | " + cells.map(cell).joined(separator: " | ") + " |")
        }
        let failures = failureLines
        if !failures.isEmpty {
            lines += ["", "## Failed checks", ""]
            lines += failures.map { "- **\(cell($0.variant))** `\($0.caseID)`: \(cell($0.message))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
