import Foundation
import RouterPolicies

/// Output formats of `claude-router eval`.
package enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, markdown, html, csv
}

extension EvalReport {
    /// Renders the report in `format`; `answers` adds the per-case prompts, answers and attempts
    /// to the table and Markdown formats (JSON and HTML always carry them).
    package func rendered(as format: ReportFormat, answers: Bool = false) throws -> String {
        switch format {
        case .table: return tableText + (answers ? "\n" + answersText(markdown: false) : "")
        case .json: return try jsonText
        case .markdown: return markdownText + (answers ? "\n" + answersText(markdown: true) : "")
        case .html: return htmlPage
        case .csv: return csvText
        }
    }

    /// Pretty-printed JSON with sorted keys in the style of every claude-router command:
    /// snake_case keys, money as exact decimal-dollar strings in `…_usd` fields (`null` when
    /// unknown), and `schema_version`.
    package var jsonText: String {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }

    /// A one-line heading shared by the text formats.
    var headline: String {
        let kind = dryRun ? "DRY RUN (projected costs; output checks not evaluated)" : "live run"
        return "Eval \(suite): \(caseIDs.count) cases × \(variants.count) variant\(variants.count == 1 ? "" : "s"), \(kind)"
    }

    /// Said at the top of every format when answers came from the local mock: its replies are
    /// placeholders, so pass/fail judges placeholder text (costs and routing are still real).
    package var mockNotice: String? {
        guard mockReplies > 0 else { return nil }
        return "MOCK ANSWERS: \(mockReplies) of \(answers) answers came from claude-router's LOCAL MOCK server, "
            + "not from Claude; they are placeholders, so their checks judge placeholder text"
    }

    /// Said at the top of every format when answers were reused from the result cache: what
    /// this run actually spent, apart from what the answers cost when they were made.
    package var cacheNotice: String? {
        guard !dryRun, cachedAnswers > 0 else { return nil }
        if cachedAnswers == answers, judgeCost == .zero {
            return "CACHED: all \(answers) answers came from the result cache: this run made no API calls and cost $0 "
                + "(costs below are what the calls cost when they were made)"
        }
        return "CACHED: \(cachedAnswers) of \(answers) answers came from the result cache (no calls made for them); "
            + "this run spent \(spentThisRun.formatted()) (costs below are what each answer's calls cost when made)"
    }

    /// Said when judge checks made grading calls: their cost is apart from the routed cost.
    package var judgeNotice: String? {
        guard !dryRun, runs.contains(where: { $0.outcomes.contains { $0.judgeCost != nil } }) else { return nil }
        return "JUDGE: the judge checks' grading calls cost \(judgeCost.formatted()) more; it is not in any variant's cost"
    }

    /// Every notice for the top of a report, in order.
    package var notices: [String] { [mockNotice, cacheNotice, judgeNotice].compactMap { $0 } }

    /// `fast 60%, balanced 30%, strong 10%`.
    static func tierMixText(_ mix: [TierShare]) -> String {
        mix.map { "\($0.tier) \(Verdict.percent($0.fraction))" }.joined(separator: ", ")
    }

    static func millis(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value >= 1000 ? String(format: "%.2fs", value / 1000) : String(format: "%.0fms", value)
    }

    /// Failed checks as `(variant, case, message)`, in run order.
    var failureLines: [(variant: String, caseID: String, message: String)] {
        runs.flatMap { run in
            run.outcomes.flatMap { outcome in
                outcome.failures.map { (run.name, outcome.caseID, $0) }
            }
        }
    }

    /// The terminal table: one row per variant, then the verdicts and failed checks.
    package var tableText: String {
        var table = TextTable(
            headers: ["variant", "pass", "rate", "cost", "cost/case", "vs baseline tier", "escalated", "p50", "p95", "tiers"],
            alignments: [.left, .right, .right, .right, .right, .right, .right, .right, .right, .left])
        for v in variants {
            table.append([
                v.name, v.passCell, v.rateCell,
                v.totalCost.formatted() + (v.unpricedCases > 0 ? "*" : ""), v.costPerCase.formatted(),
                v.savingVsBaseline.map { "saves " + Verdict.percent($0) } ?? "–",
                Verdict.percent(v.escalationRate), Self.millis(v.latencyP50Ms), Self.millis(v.latencyP95Ms),
                Self.tierMixText(v.tierMix),
            ])
        }
        var lines = [headline] + notices + ["", table.rendered]
        if variants.contains(where: { $0.unpricedCases > 0 }) {
            lines.append("* some cases are unpriced or failed and are left out of the cost")
        }
        if !comparisons.isEmpty {
            lines.append("")
            lines.append("A/B vs \(comparisons[0].baseline) (paired bootstrap 95% CI, \(bootstrapResamples) resamples; exact McNemar):")
            lines += comparisons.map { "  " + $0.verdict }
        }
        let failures = failureLines
        if !failures.isEmpty {
            lines.append("")
            lines.append("Failed checks (\(failures.count)):")
            lines += failures.map { "  [\($0.variant)] \($0.caseID): \($0.message)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
