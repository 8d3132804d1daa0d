import Foundation
import Router
import RouterPolicies

extension LedgerReportPage {
    /// The table's columns: header and cell of a row.
    static let columns: [(header: String, numeric: Bool, cell: @Sendable (LedgerReport.Row) -> String)] = [
        ("calls", true, { "\($0.logicalCalls)" }),
        ("attempts", true, { "\($0.attempts)" }),
        ("input tok", true, { "\($0.tokens.promptTokens)" }),
        ("output tok", true, { "\($0.tokens.output)" }),
        ("cost", true, { LedgerReportPage.costText($0) }),
        ("baseline", true, { $0.baselineCost.formatted() }),
        ("saved", true, { $0.savings?.formatted() ?? "–" }),
        ("saved %", true, { row in row.savingsPercent.map { Verdict.percent($0 / 100) } ?? "–" }),
        ("escalated", true, { "\($0.escalatedCalls) (\(Verdict.percent($0.escalationRate)))" }),
        ("escalation cost", true, { $0.escalationCost.formatted() }),
        ("cache reads", true, { Verdict.percent(LedgerReportPage.cacheShare($0)) }),
        ("cache saved", true, { $0.cacheSaving.formatted() }),
        ("resp. cache hits", true, { "\($0.responseCacheHits)" }),
        ("avoided", true, { $0.avoidedCost.formatted() }),
        ("unpriced", true, { "\($0.unpricedRecords)" }),
        ("errors", true, { "\($0.errorAttempts)" }),
        ("flagged", true, { "\($0.flaggedRecords)" }),
        ("p50", true, { $0.latencyP50.map { "\($0)ms" } ?? "–" }),
        ("p95", true, { $0.latencyP95.map { "\($0)ms" } ?? "–" }),
    ]

    /// The self-contained HTML page.
    package var html: String {
        let e = htmlEscaped
        var body = ["<h1>\(e(heading))</h1>", "<ul class=\"summary\">"]
        body += summaryLines.map { "<li>\(e($0))</li>" }
        body.append("</ul>")
        let costKey = Self.legend([(Self.costColor, "cost of answered calls"), (Self.escalationColor, "escalation cost"),
                                   (Self.baselineColor, "same calls on the baseline tier")])
        body.append("<section class=\"chart\"><h2>Cost and savings per day (UTC)</h2>\(costKey)\(Self.dayChart(byDay))</section>")
        body.append("<section class=\"chart\"><h2>By task</h2>\(costKey)\(Self.horizontalBars(Self.costLines(byTask), label: "cost by task", tick: EvalReport.axisDollars))</section>")
        body.append("<section class=\"chart\"><h2>By model (the model that answered)</h2>\(costKey)\(Self.horizontalBars(Self.costLines(byModel), label: "cost by model", tick: EvalReport.axisDollars))</section>")
        body.append("<section class=\"chart\"><h2>Escalation rate and cost by task</h2>\(Self.horizontalBars(Self.escalationLines(byTask), label: "escalation rate by task", scale: 1, tick: { Verdict.percent($0) }))</section>")
        let cacheKey = Self.legend([(Self.inputColor, "uncached input"), (Self.cacheWriteColor, "cache writes"), (Self.cacheReadColor, "cache reads")])
        body.append("<section class=\"chart\"><h2>Prompt caching and unpriced calls by model</h2>\(cacheKey)\(Self.horizontalBars(Self.cacheLines(byModel), label: "input token mix by model", scale: 1, tick: { Verdict.percent($0) }))</section>")
        if Self.hasLevers(total, levers: levers) { body.append(leversHTML) }
        body.append("<section><h2>All columns by \(e(groupedBy))</h2><div class=\"wide\"><table><thead><tr><th>\(e(groupedBy))</th>"
            + Self.columns.map { "<th class=\"n\">\(e($0.header))</th>" }.joined() + "</tr></thead><tbody>")
        for (row, name) in rows.map({ ($0, $0.group) }) + [(total, "TOTAL")] {
            let cells = Self.columns.map { "<td class=\"n\">\(e($0.cell(row)))</td>" }.joined()
            body.append("<tr\(name == "TOTAL" ? " class=\"total\"" : "")><td>\(e(name))</td>\(cells)</tr>")
        }
        body.append("</tbody></table></div><p class=\"note\">\(e(Self.grouping))</p></section>")
        return Self.document(ledger: ledger, body: body, generatedAt: generatedAt, toolVersion: toolVersion)
    }

    /// The page for a selection without records: the heading and one sentence saying so (a
    /// valid page, so `--format html > report.html` never writes plain text into an `.html` file).
    package static func emptyHTML(ledger: String, since: String?, generatedAt: String, toolVersion: String) -> String {
        let e = htmlEscaped
        let body = ["<h1>\(e(heading(ledger: ledger, since: since)))</h1>",
                    "<p class=\"note\">\(e(emptySentence(since: since)))</p>"]
        return document(ledger: ledger, body: body, generatedAt: generatedAt, toolVersion: toolVersion)
    }

    /// Markdown for a selection without records: the heading and one sentence saying so.
    package static func emptyMarkdown(ledger: String, since: String?, generatedAt: String, toolVersion: String) -> String {
        func escape(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        return ["# \(escape(heading(ledger: ledger, since: since)))", "", escape(emptySentence(since: since)), "",
                "_Generated \(generatedAt) by claude-router \(toolVersion) from \(escape(ledger))._"].joined(separator: "\n") + "\n"
    }

    static func emptySentence(since: String?) -> String {
        since == nil ? "The ledger holds no records." : "The ledger holds no records for this selection."
    }

    /// The page frame: styles and footer shared by the report and its empty-selection page.
    private static func document(ledger: String, body: [String], generatedAt: String, toolVersion: String) -> String {
        let e = htmlEscaped
        return HTMLDocument.page(
            title: "claude-router report: " + ledger, body: body,
            footer: "<footer>Generated \(e(generatedAt)) by claude-router \(e(toolVersion)) from \(e(ledger)). Money is exact (integer picodollars); an unpriced attempt's cost is unknown, never $0.</footer>",
            css: EvalReport.css + """

            tr.total>td{font-weight:600;border-top:2px solid #9ca3af}.legend{font-size:12px;color:#374151;margin:.2rem 0 .4rem}
            ul.summary{padding-left:1.2rem}ul.summary li{margin:.15rem 0}div.wide{overflow-x:auto}div.wide td,div.wide th{white-space:nowrap}
            """)
    }

    /// Markdown: the summary, then one table per view with a bar column ("cost, bar": `█` per ~5% of the
    /// largest figure in the table), then the chosen grouping's full table.
    package var markdown: String {
        func escape(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        func bar(_ value: Double, of largest: Double) -> String {
            guard largest > 0, value > 0 else { return "" }
            return String(repeating: "█", count: max(1, Int((value / largest * 20).rounded())))
        }
        var lines = ["# \(escape(heading))", ""]
        lines += summaryLines.map { "- \(escape($0))" }
        for (title, group, rows) in [("Cost per day (UTC)", "day", byDay), ("By task", "task", byTask), ("By model", "model", byModel)] {
            let largest = rows.map { max($0.cost.dollars, $0.baselineCost.dollars) }.max() ?? 0
            lines += ["", "## \(title)", "", "| \(group) | cost | baseline | savings | escalated | cache reads | cost, bar |",
                      "|---|--:|--:|--:|--:|--:|---|"]
            for row in rows {
                lines.append("| \(escape(row.group)) | \(escape(Self.costText(row))) | \(row.baselineCost.formatted()) | "
                    + "\(escape(Self.savingsText(row))) | \(row.escalatedCalls) (\(Verdict.percent(row.escalationRate))) | "
                    + "\(Verdict.percent(Self.cacheShare(row))) | \(bar(row.cost.dollars, of: largest)) |")
            }
        }
        lines += leversMarkdown
        // Every column for the chosen grouping; titled apart from the views above, which may
        // group the same way ("By task" twice read as a duplicate).
        lines += ["", "## All columns by \(escape(groupedBy))", "",
                  "| \(escape(groupedBy)) | " + Self.columns.map(\.header).joined(separator: " | ") + " |",
                  "|---|" + Self.columns.map { $0.numeric ? "--:" : "---" }.joined(separator: "|") + "|"]
        for (row, name) in rows.map({ ($0, $0.group) }) + [(total, "**TOTAL**")] {
            lines.append("| \(name == "**TOTAL**" ? name : escape(name)) | " + Self.columns.map { escape($0.cell(row)) }.joined(separator: " | ") + " |")
        }
        lines += ["", "_\(Self.grouping)_", "", "_Generated \(generatedAt) by claude-router \(toolVersion) from \(escape(ledger))._"]
        return lines.joined(separator: "\n") + "\n"
    }
}
