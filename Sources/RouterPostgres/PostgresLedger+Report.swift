import Foundation
import PostgresNIO
public import Router

/// ``LedgerReport`` computed by the PostgreSQL server: GROUP BY aggregates, no record loaded.
///
/// The same two queries as the SQLite ledger's report (their results merge in the same
/// accumulator, so both render byte-identical reports, equal to the in-memory
/// ``LedgerReport/aggregate(_:by:)`` of the same records):
/// - calls with ONE attempt (a first attempt no record points back to) are their own final
///   attempt: a plain `GROUP BY` over them is exact;
/// - calls with several attempts go through a window that finds each call's final attempt
///   (highest attempt number; ties to the later record) and carries its group to every attempt.
/// Both group by (group, latency), so the nearest-rank percentiles come from exact histograms.
extension PostgresLedger {
    /// The report rows of the records matching `query`, grouped by `key`, sorted by group value.
    /// `query.limit` and `query.newestFirst` are ignored (a report covers every matching record).
    /// - Throws: ``LedgerError`` (`closed`, `postgres` — e.g. a sum past 2⁶³ —, `database_unavailable`).
    public func report(_ query: LedgerQuery, by key: LedgerReport.GroupKey) async throws -> [LedgerReport.Row] {
        try await reportWithTotal(query, by: key).rows
    }

    /// The rows by `key` and, from the same pass, the one-row total over all of them (the
    /// ``LedgerReport/GroupKey/all`` row; `nil` when nothing matches).
    /// - Throws: ``LedgerError`` (as ``report(_:by:)``; `integer_overflow` when the total over
    ///   the groups passes 2⁶³ − 1 or a group's sums are negative or leave a derived figure out
    ///   of range, ``LedgerReport/figuresFit(tokens:cost:baseline:escalationCost:)``).
    public func reportWithTotal(_ query: LedgerQuery, by key: LedgerReport.GroupKey)
        async throws -> (rows: [LedgerReport.Row], total: LedgerReport.Row?) {
        try await writer.flush()
        let queries = PostgresReportQuery(query: query, key: key).queries
        let logger = store.logger
        let groups = try await store.run("computing a report") { client in
            var groups: [String: SQLiteReportQuery.Accumulator] = [:]
            for statement in queries {
                for try await row in try await client.query(statement, logger: logger) {
                    let cells = row.makeRandomAccess()
                    let group = (try? cells[0].decode(String?.self)) ?? nil
                    let latency = ((try? cells[1].decode(Int64?.self)) ?? nil) ?? 0
                    let sums = (2..<cells.count).map { ((try? cells[$0].decode(Int64?.self)) ?? nil) }
                    groups[group ?? LedgerReport.noValue, default: SQLiteReportQuery.Accumulator()]
                        .add(latency: Int(latency), sums: sums)
                }
            }
            return groups
        }
        return try SQLiteReportQuery.Accumulator.rows(groups, by: key)
    }
}

/// The two aggregate statements of ``PostgresLedger/report(_:by:)``.
struct PostgresReportQuery {
    let query: LedgerQuery
    let key: LedgerReport.GroupKey

    /// The SQL expression of a record's group value (``LedgerReport/groupValue(of:by:)``).
    var groupExpression: String {
        let none = "'\(LedgerReport.noValue)'"
        switch key {
        case .all: return "'all'"
        case .task: return "COALESCE(task, \(none))"
        case .model: return "model"
        case .tier: return "COALESCE(tier, \(none))"
        case .variant: return "COALESCE(variant, \(none))"
        case .user: return "COALESCE(metadata::jsonb ->> 'user', \(none))"
        // Floor division: a time before 1970 belongs to the day before, as in the calendar.
        case .day:
            return "to_char(to_timestamp(floor(time_us / 1000000.0)::double precision) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
    }

    /// Whether an attempt's usage was flagged: a non-empty JSON array under the reserved metadata key.
    static let flaggedExpression = """
        (CASE WHEN strpos(metadata, '"\(PostgresLedgerColumns.flagsKey)"') > 0
              THEN COALESCE(metadata::jsonb ->> '\(PostgresLedgerColumns.flagsKey)', '[]') <> '[]' ELSE FALSE END)
        """

    /// An integer under a reserved metadata key (prompt caching's saving, a response-cache hit,
    /// the cost it avoided), NULL when absent; `strpos` first so records without it parse no JSON.
    static func reservedInteger(_ key: String) -> String {
        "(CASE WHEN strpos(metadata, '\"\(key)\"') > 0 THEN (metadata::jsonb ->> '\(key)')::bigint END)"
    }

    /// The caching sums after the per-call ones, in the accumulator's order.
    static let cachingSums = """
        SUM(\(reservedInteger(SQLiteLedger.cacheSavingKey)))::bigint,
        COUNT(*) FILTER (WHERE strpos(metadata, '"\(SQLiteLedger.responseCacheHitKey)"') > 0),
        SUM(\(reservedInteger(SQLiteLedger.avoidedCostKey)))::bigint
        """

    /// The per-attempt sums both statements select, after the group and latency, in the
    /// accumulator's order.
    static func attemptSums(flagged: String) -> String {
        """
        COUNT(*), SUM(input_tokens)::bigint, SUM(output_tokens)::bigint, SUM(cache_write_5m_tokens)::bigint,
        SUM(cache_write_1h_tokens)::bigint, SUM(cache_read_tokens)::bigint, SUM(cost_total)::bigint,
        COUNT(*) FILTER (WHERE cost_total IS NULL), (SUM(cost_total) FILTER (WHERE outcome = 'escalated'))::bigint,
        COUNT(*) FILTER (WHERE outcome = 'error'), COUNT(*) FILTER (WHERE \(flagged))
        """
    }

    var queries: [PostgresQuery] {
        var bindings = PostgresBindings()
        let template = PostgresLedgerColumns.filterTemplate(query, bindings: &bindings)
        func filter(_ alias: String) -> String {
            (["TRUE"] + template.map { $0.replacingOccurrences(of: "{a}", with: alias) }).joined(separator: " AND ")
        }
        let single = """
            SELECT \(groupExpression) AS g, l.latency_ms, \(Self.attemptSums(flagged: Self.flaggedExpression)),
                   COUNT(*), 0::bigint, SUM(baseline_cost)::bigint, COUNT(*) FILTER (WHERE baseline_cost IS NULL),
                   \(Self.cachingSums)
            FROM ledger l
            WHERE \(filter("l.")) AND l.parent_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM ledger c WHERE c.parent_id = l.id AND \(filter("c.")))
            GROUP BY 1, 2
            """
        let columns = """
            seq, attempt, time_us, latency_ms, input_tokens, output_tokens, cache_write_5m_tokens,
            cache_write_1h_tokens, cache_read_tokens, cost_total, outcome, baseline_cost,
            \(Self.flaggedExpression) AS flagged, \(groupExpression) AS own_group, metadata
            """
        let multi = """
            WITH m AS (
                SELECT \(columns), parent_id AS call_id FROM ledger WHERE parent_id IS NOT NULL AND \(filter(""))
                UNION ALL
                SELECT \(columns), id AS call_id FROM ledger l
                WHERE l.parent_id IS NULL AND \(filter("l."))
                  AND EXISTS (SELECT 1 FROM ledger c WHERE c.parent_id = l.id AND \(filter("c.")))
            ), w AS (
                SELECT *, FIRST_VALUE(own_group) OVER call_order AS g, ROW_NUMBER() OVER call_order AS final_rank,
                       COUNT(*) OVER (PARTITION BY call_id) AS call_attempts
                FROM m
                WINDOW call_order AS (PARTITION BY call_id ORDER BY attempt DESC, time_us DESC, seq DESC)
            )
            SELECT g, latency_ms, \(Self.attemptSums(flagged: "flagged")),
                   COUNT(*) FILTER (WHERE final_rank = 1), COUNT(*) FILTER (WHERE final_rank = 1 AND call_attempts > 1),
                   (SUM(baseline_cost) FILTER (WHERE final_rank = 1))::bigint,
                   COUNT(*) FILTER (WHERE final_rank = 1 AND baseline_cost IS NULL),
                   \(Self.cachingSums)
            FROM w
            GROUP BY 1, 2
            """
        return [PostgresQuery(unsafeSQL: single, binds: bindings), PostgresQuery(unsafeSQL: multi, binds: bindings)]
    }
}
