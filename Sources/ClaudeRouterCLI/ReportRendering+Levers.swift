import Foundation
import Router
import RouterPolicies
import RouterPostgres

extension ReportCommand {
    /// The cost levers' summary (SQLite and PostgreSQL: in the database; other ledgers: from their records),
    /// priced with the bundled price book. `records`: the other ledgers' records matching `query`,
    /// when already read.
    static func levers(_ store: any CostLedger, query: LedgerQuery, records: [LedgerRecord]? = nil) async throws -> LeverSummary {
        if let sqlite = store as? SQLiteLedger { return try await sqlite.leverSummary(query, prices: .bundledDefault) }
        if let postgres = store as? PostgresLedger { return try await postgres.leverSummary(query, prices: .bundledDefault) }
        if let records { return try LeverSummary.of(records, prices: .bundledDefault) }
        return try LeverSummary.of(try await store.records(query), prices: .bundledDefault)
    }
}

extension ReportRendering {
    /// The "cost levers" lines under the table; empty when no lever left a trace, so a ledger
    /// without batches, trimming or pre-flight renders exactly as before.
    static func levers(_ s: LeverSummary) -> String {
        guard !s.isEmpty else { return "" }
        var lines = ["", "cost levers (savings apart from routing):"]
        if s.batchRecords > 0 {
            lines.append("  batch:     \(s.batchRecords) results at the batch price, cost \(s.batchCost), "
                         + "saved \(s.batchSaving) against the standard price")
        }
        if s.trimmedAttempts > 0 || s.summaryCalls > 0 {
            var line = "  history:   \(s.trimmedAttempts) attempts trimmed, ~\(s.trimmedTokens) input tokens removed "
                + "(worth \(s.trimmedTokensValue))"
            if s.summaryCalls > 0 { line += ", \(s.summaryCalls) summaries cost \(s.summaryCost)" }
            lines.append(line + ", net saving \(s.trimmingSaving)")
        }
        if s.preflightCounted > 0 || s.preflightFallbacks > 0 {
            lines.append("  preflight: \(s.preflightCounted) attempts counted exactly with count_tokens"
                         + (s.preflightFallbacks > 0 ? ", \(s.preflightFallbacks) fell back to the estimate" : ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
