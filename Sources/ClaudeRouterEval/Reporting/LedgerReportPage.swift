import Foundation
package import Router
import RouterPolicies

/// `claude-router report --format html` and `--format markdown`: a ledger's spend and savings
/// as one self-contained page (inline CSS and SVG charts, no script, no external asset) or as
/// Markdown tables with bar columns.
///
/// Every figure comes from ``LedgerReport`` rows, so it follows their definitions: a call counts
/// whole (escalations included) in the group of the attempt that answered it; escalation cost
/// is the cost of replies that were not returned; an unpriced attempt's cost is unknown, so a
/// cost is then a lower bound ("≥ $X + N unpriced") and never a bare $0. The page reuses the
/// eval page's stylesheet, palette, axis ticks and escaping.
package struct LedgerReportPage: Sendable {
    /// The ledger's path, shown in the heading.
    package var ledger: String
    /// The `--since` selection, if any.
    package var since: String?
    /// What ``rows`` are grouped by (`task`, `model`, …).
    package var groupedBy: String
    /// The rows of the chosen grouping.
    package var rows: [LedgerReport.Row]
    /// The one row over every selected record.
    package var total: LedgerReport.Row
    /// Rows per UTC day, per task and per model (the charts).
    package var byDay: [LedgerReport.Row]
    package var byTask: [LedgerReport.Row]
    package var byModel: [LedgerReport.Row]
    /// `2026-11-30 03:40 UTC`, for the footer.
    package var generatedAt: String
    /// The tool's version, for the footer.
    package var toolVersion: String
    /// The batch, history-trimming and pre-flight levers over the same records ("Cost levers").
    package var levers = LeverSummary()
    /// How many cached attempts recorded their caching saving; `nil` when the ledger does not
    /// count it (then a $0 saving over cache tokens is read as not recorded).
    package var cacheCoverage: CacheSavingCoverage?

    package init(ledger: String, since: String?, groupedBy: String, rows: [LedgerReport.Row], total: LedgerReport.Row,
                 byDay: [LedgerReport.Row], byTask: [LedgerReport.Row], byModel: [LedgerReport.Row],
                 generatedAt: String, toolVersion: String) {
        self.ledger = ledger
        self.since = since
        self.groupedBy = groupedBy
        self.rows = rows
        self.total = total
        self.byDay = byDay
        self.byTask = byTask
        self.byModel = byModel
        self.generatedAt = generatedAt
        self.toolVersion = toolVersion
    }

    /// A cost cell: exact when every attempt is priced, otherwise never a bare $0: `unpriced`
    /// when nothing is priced, `≥ $X +N unpriced` when part is.
    package static func costText(_ row: LedgerReport.Row) -> String {
        if let exact = row.exactCost { return exact.formatted() }
        if row.unpricedRecords == row.attempts { return "unpriced" }
        return "≥ \(row.cost.formatted()) +\(row.unpricedRecords) unpriced"
    }

    /// `saved $0.12 (38%)`, `cost $0.01 more (12%)`, or `savings unknown` (an unpriced attempt or
    /// a call without a baseline cost).
    static func savingsText(_ row: LedgerReport.Row) -> String {
        guard let savings = row.savings else { return "savings unknown" }
        let percent = row.savingsPercent.map { " (\(Verdict.percent(abs($0) / 100)))" } ?? ""
        return savings.picodollars >= 0 ? "saved \(savings.formatted())\(percent)" : "cost \((USDAmount.zero - savings).formatted()) more\(percent)"
    }

    /// Cache reads as a share of all input-side tokens (uncached input, cache writes, cache reads).
    static func cacheShare(_ row: LedgerReport.Row) -> Double {
        let t = row.tokens
        let all = t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead
        return all == 0 ? 0 : Double(t.cacheRead) / Double(all)
    }

    var heading: String { Self.heading(ledger: ledger, since: since) }

    /// `Cost report: PATH` or `Cost report: PATH since DATE`.
    static func heading(ledger: String, since: String?) -> String {
        "Cost report: \(ledger)" + (since.map { " since \($0)" } ?? "")
    }

    /// The headline figures, one sentence each.
    var summaryLines: [String] {
        var lines = ["\(total.logicalCalls) calls (\(total.attempts) attempts) cost \(Self.costText(total)) "
            + "against \(total.baselineCost.formatted()) on the baseline tier: \(Self.savingsText(total))."]
        lines.append("\(total.escalatedCalls) call\(total.escalatedCalls == 1 ? "" : "s") escalated (\(Verdict.percent(total.escalationRate))); "
            + "replies that were not returned cost \(total.escalationCost.formatted()).")
        lines.append("Cache reads were \(Verdict.percent(Self.cacheShare(total))) of input tokens "
            + "(\(total.tokens.cacheRead) read, \(total.tokens.cacheWrite5m + total.tokens.cacheWrite1h) written).")
        lines += Self.cachingLines(total, coverage: cacheCoverage)
        if total.unpricedRecords > 0 {
            lines.append("\(total.unpricedRecords) attempt(s) are unpriced (model not in the price book, or usage flagged): "
                + "their cost is unknown, not $0, so costs above are lower bounds.")
        }
        if total.errorAttempts > 0 || total.flaggedRecords > 0 {
            lines.append("\(total.errorAttempts) attempt(s) failed; \(total.flaggedRecords) had flagged usage.")
        }
        return lines
    }

    /// Prompt caching's and the response cache's savings, apart from routing's (empty when neither did anything).
    /// Cache reads or writes whose saving the ledger did not record (records older than that
    /// field) make the saving unknown, never "$0": see ``cachingSavingState(_:coverage:)``.
    package static func cachingLines(_ total: LedgerReport.Row, coverage: CacheSavingCoverage? = nil) -> [String] {
        var lines: [String] = []
        let saving = total.cacheSaving
        let amount = saving.picodollars >= 0
            ? "saved \(saving.formatted())" : "cost \((USDAmount.zero - saving).formatted()) more than sending the same tokens uncached"
        switch cachingSavingState(total, coverage: coverage) {
        case .none: break
        case .recorded:
            lines.append(saving.picodollars >= 0
                ? "Prompt caching saved \(saving.formatted()) (cached tokens at the input price minus what they cost), apart from the routing saving."
                : "Prompt caching cost \((USDAmount.zero - saving).formatted()) more than sending the same tokens uncached (writes outweighed reads).")
        case .notRecorded(let attempts):
            lines.append("Prompt caching's saving is not recorded: "
                + (attempts.map { "\($0) attempt(s) with" } ?? "the records with") + " cache reads or writes predate the ledger's "
                + "caching-saving field, so it is unknown, not $0.")
        case .unpriced:
            lines.append("Prompt caching's saving is unknown: the attempts with cache reads or writes are unpriced.")
        case .partly(let recorded, let unrecorded):
            lines.append("Prompt caching \(amount) on the \(recorded) attempt(s) that recorded it, apart from the routing saving; "
                + "\(unrecorded) older attempt(s) with cache reads or writes did not record it (unknown, not $0).")
        }
        if total.responseCacheHits > 0 {
            lines.append("\(total.responseCacheHits) call(s) were answered from the response cache (no request sent, $0), "
                + "avoiding \(total.avoidedCost.formatted()).")
        }
        return lines
    }

    static let grouping = "Each call is counted whole (escalations included) in the group of the attempt that answered it; "
        + "savings compare it with its own baseline-tier cost."
}
