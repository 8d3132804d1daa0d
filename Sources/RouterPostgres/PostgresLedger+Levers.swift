import Foundation
import PostgresNIO
public import Router
public import RouterPolicies

extension PostgresLedger {
    /// ``LeverSummary`` of the records matching `query`, computed on the server: one scan in
    /// which only rows a lever can have touched (a reserved metadata key, a `history_summary`
    /// call, a batch record id `BATCH_ID:CUSTOM_ID`) reach a `GROUP BY model`; nothing is loaded.
    /// The same sums as `SQLiteLedger.leverSummary` and `LeverSummary.of(_:prices:)`.
    /// `query.limit` and `query.newestFirst` are ignored.
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`; `integer_overflow` as `LeverSummary.of(_:prices:)`).
    public func leverSummary(_ query: LedgerQuery, prices: PriceBook) async throws -> LeverSummary {
        try await writer.flush()
        var bindings = PostgresBindings()
        let filter = (["TRUE"] + PostgresLedgerColumns.filterTemplate(query, bindings: &bindings)
            .map { $0.replacingOccurrences(of: "{a}", with: "") }).joined(separator: " AND ")
        let summaryTask = Policy.historySummaryTask
        // `strpos(id, ':')` first: ids are UUIDs except a batch result's, so the exact test's
        // string building runs only on those.
        let batchTest = "(strpos(id, ':') > 0 AND request_id <> '' AND left(id, length(request_id) + 1) = request_id || ':')"
        let trimmed = PostgresReportQuery.reservedInteger(SQLiteLedger.trimmedInputTokensKey)
        // A batch record's server-tool fees (part of `cost_total`) are summed apart: the batch
        // discount does not apply to them, so they save nothing.
        let fees = PostgresReportQuery.reservedInteger(SQLiteLedger.serverToolCostKey)
        let sql = """
            SELECT model, MAX(time_us),
                   COUNT(*) FILTER (WHERE is_batch), (SUM(cost_total) FILTER (WHERE is_batch))::bigint,
                   (SUM(fees) FILTER (WHERE is_batch AND cost_total IS NOT NULL))::bigint,
                   COUNT(trimmed), SUM(trimmed)::bigint,
                   COUNT(*) FILTER (WHERE task = '\(summaryTask)'),
                   (SUM(cost_total) FILTER (WHERE task = '\(summaryTask)'))::bigint,
                   COUNT(*) FILTER (WHERE strpos(metadata, '\(SQLiteLedger.preflightInputTokensKey)') > 0),
                   COUNT(*) FILTER (WHERE strpos(metadata, 'preflight_fallback') > 0)
            FROM (SELECT model, time_us, task, cost_total, metadata, \(batchTest) AS is_batch, \(trimmed) AS trimmed,
                         \(fees) AS fees
                  FROM ledger
                  WHERE \(filter) AND (strpos(metadata, '"_router_') > 0 OR task = '\(summaryTask)' OR \(batchTest))
                 ) AS touched
            GROUP BY model
            """
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let logger = store.logger
        let rows = try await store.run("computing the cost levers") { client in
            var rows: [(model: String, latest: Int64, sums: [Int64])] = []
            for try await row in try await client.query(statement, logger: logger) {
                let cells = row.makeRandomAccess()
                func integer(_ index: Int) -> Int64 { ((try? cells[index].decode(Int64?.self)) ?? nil) ?? 0 }
                rows.append((((try? cells[0].decode(String.self)) ?? ""), integer(1), (2..<11).map(integer)))
            }
            return rows
        }
        var summary = LeverSummary()
        for (model, latest, sums) in rows {
            try summary.addBatch(Int(sums[0]), cost: USDAmount(picodollars: sums[1]),
                                 serverTools: USDAmount(picodollars: sums[2]), prices: prices)
            summary.trimmedAttempts = try LeverSummary.sum(summary.trimmedAttempts, Int(sums[3]))
            summary.trimmedTokens = try LeverSummary.sum(summary.trimmedTokens, Int(sums[4]))
            try summary.addTrimmedValue(Int(sums[4]), model: model, at: LedgerRecord.microsecondDate(latest), prices: prices)
            summary.summaryCalls = try LeverSummary.sum(summary.summaryCalls, Int(sums[5]))
            summary.summaryCost = try LeverSummary.sum(summary.summaryCost, USDAmount(picodollars: sums[6]))
            summary.preflightCounted = try LeverSummary.sum(summary.preflightCounted, Int(sums[7]))
            summary.preflightFallbacks = try LeverSummary.sum(summary.preflightFallbacks, Int(sums[8]))
        }
        return try summary.checked()
    }
}
