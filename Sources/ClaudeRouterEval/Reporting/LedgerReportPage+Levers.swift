import Foundation
package import Router
import RouterPolicies

/// The "Cost levers" section of the page formats: what prompt caching, the response cache, batch
/// routing, history trimming and pre-flight did, each with its saving apart from routing's.
extension LedgerReportPage {
    /// Whether prompt caching's saving over a set of records is known.
    package enum CachingSavingState: Equatable, Sendable {
        /// No cache reads or writes.
        case none
        /// Every priced cached attempt recorded its saving.
        case recorded
        /// None did (records older than the field); the count when the ledger counts it.
        case notRecorded(attempts: Int?)
        /// Some did.
        case partly(recorded: Int, unrecorded: Int)
        /// Every attempt with cache tokens is unpriced, so its saving is unknown.
        case unpriced
    }

    /// The state of `total`'s caching saving. Without a coverage count (a ledger that does not
    /// keep one), a $0 saving over cache reads or writes is taken as not recorded: a recorded
    /// saving is cached tokens × (input − read or write price), zero only by coincidence.
    package static func cachingSavingState(_ total: LedgerReport.Row, coverage: CacheSavingCoverage?) -> CachingSavingState {
        let cached = total.tokens.cacheRead + total.tokens.cacheWrite5m + total.tokens.cacheWrite1h
        guard cached > 0 else { return .none }
        guard let coverage else { return total.cacheSaving == .zero ? .notRecorded(attempts: nil) : .recorded }
        if coverage.cachedAttempts == 0 { return .unpriced }
        if coverage.unrecordedAttempts <= 0 { return .recorded }
        if coverage.recordedAttempts == 0 { return .notRecorded(attempts: coverage.unrecordedAttempts) }
        return .partly(recorded: coverage.recordedAttempts, unrecorded: coverage.unrecordedAttempts)
    }

    /// One row of the section: the lever, what it did, what it cost and what it saved.
    package struct LeverRow: Sendable, Equatable {
        package var lever: String
        package var activity: String
        package var cost: String
        package var saving: String
    }

    /// Whether any lever left a trace (else the section is left out, as in the text table).
    package static func hasLevers(_ total: LedgerReport.Row, levers: LeverSummary) -> Bool {
        total.tokens.cacheRead + total.tokens.cacheWrite5m + total.tokens.cacheWrite1h > 0
            || total.responseCacheHits > 0 || !levers.isEmpty
    }

    /// The five levers' rows over `total` and `levers`.
    package static func leverRows(_ total: LedgerReport.Row, levers s: LeverSummary,
                                  coverage: CacheSavingCoverage?) -> [LeverRow] {
        let t = total.tokens
        let hitRate = total.cacheHitRate.map { Verdict.percent($0) } ?? "–"
        let cachingSaving: String
        switch cachingSavingState(total, coverage: coverage) {
        case .none, .recorded: cachingSaving = total.cacheSaving.formatted()
        case .notRecorded: cachingSaving = "not recorded"
        case .partly(_, let unrecorded): cachingSaving = "\(total.cacheSaving.formatted()) +\(unrecorded) not recorded"
        case .unpriced: cachingSaving = "unknown (unpriced)"
        }
        var history = "\(s.trimmedAttempts) attempts trimmed, ~\(s.trimmedTokens) input tokens removed "
            + "(worth \(s.trimmedTokensValue.formatted()))"
        if s.summaryCalls > 0 { history += ", \(s.summaryCalls) summaries written" }
        return [
            LeverRow(lever: "Prompt caching",
                     activity: "\(t.cacheRead) tokens read, \(t.cacheWrite5m + t.cacheWrite1h) written; hit rate \(hitRate)",
                     cost: "–", saving: cachingSaving),
            LeverRow(lever: "Response cache",
                     activity: "\(total.responseCacheHits) calls answered without a request",
                     cost: USDAmount.zero.formatted(), saving: total.avoidedCost.formatted()),
            LeverRow(lever: "Batch", activity: "\(s.batchRecords) results at the batch price",
                     cost: s.batchCost.formatted(), saving: s.batchSaving.formatted()),
            LeverRow(lever: "History trimming", activity: history,
                     cost: s.summaryCost.formatted(), saving: s.trimmingSaving.formatted()),
            LeverRow(lever: "Pre-flight",
                     activity: "\(s.preflightCounted) attempts counted exactly with count_tokens, "
                        + "\(s.preflightFallbacks) fell back to the estimate",
                     cost: USDAmount.zero.formatted(), saving: "– (exact budget reservations; not priced)"),
        ]
    }

    static let leverNote = "Each saving is apart from the routing saving: prompt caching — cached tokens at the input "
        + "price minus what they cost; response cache — what the answered calls cost when first sent; batch — the same "
        + "tokens at the standard price minus the batch price; history trimming — removed tokens at the input price "
        + "minus the summaries' cost."

    /// The HTML section (empty when no lever left a trace).
    var leversHTML: String {
        guard Self.hasLevers(total, levers: levers) else { return "" }
        let e = htmlEscaped
        var html = "<section><h2>Cost levers</h2><div class=\"wide\"><table><thead><tr><th>lever</th><th>what it did</th>"
            + "<th class=\"n\">cost</th><th class=\"n\">saved</th></tr></thead><tbody>"
        for row in Self.leverRows(total, levers: levers, coverage: cacheCoverage) {
            html += "<tr><td>\(e(row.lever))</td><td>\(e(row.activity))</td><td class=\"n\">\(e(row.cost))</td>"
                + "<td class=\"n\">\(e(row.saving))</td></tr>"
        }
        return html + "</tbody></table></div><p class=\"note\">\(e(Self.leverNote))</p></section>"
    }

    /// The Markdown section (empty when no lever left a trace).
    var leversMarkdown: [String] {
        guard Self.hasLevers(total, levers: levers) else { return [] }
        func escape(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["", "## Cost levers", "", "| lever | what it did | cost | saved |", "|---|---|--:|--:|"]
        for row in Self.leverRows(total, levers: levers, coverage: cacheCoverage) {
            lines.append("| \(escape(row.lever)) | \(escape(row.activity)) | \(escape(row.cost)) | \(escape(row.saving)) |")
        }
        return lines + ["", "_\(Self.leverNote)_"]
    }
}
