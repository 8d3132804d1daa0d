import Foundation
import RouterPolicies

/// ``LedgerReport`` computed inside SQLite: GROUP BY aggregates instead of loading every record.
///
/// The result is the same `[LedgerReport.Row]` that ``LedgerReport/aggregate(_:by:)`` gives for
/// the same records (same grouping rule, exact integer picodollar sums, nearest-rank latency
/// percentiles), so both paths render byte-identical reports. Two queries share the work:
/// - calls with ONE attempt (the vast majority: a first attempt nothing points back to) are
///   their own final attempt, so a plain `GROUP BY` over them is exact;
/// - the few calls with several attempts (found through the `parent_id` index and the primary
///   key, not by scanning) go through a window that finds each call's final
///   attempt (highest attempt number; ties to the later record, as the in-memory path does)
///   and carries its group to every attempt of the call.
/// Both group by (group, latency) so the nearest-rank percentiles come from exact latency
/// histograms; the histograms and sums of both parts are merged here.
extension SQLiteLedger {
    /// The report rows of the records matching `query`, grouped by `key`, sorted by group value.
    /// `query.limit` and `query.newestFirst` are ignored (a report covers every matching record).
    /// - Throws: ``LedgerError`` (`closed`, `sqlite` — e.g. an integer overflow of a sum).
    public func report(_ query: LedgerQuery, by key: LedgerReport.GroupKey) async throws -> [LedgerReport.Row] {
        try await reportWithTotal(query, by: key).rows
    }

    /// The rows by `key` and, from the same pass, the one-row total over all of them (the
    /// ``LedgerReport/GroupKey/all`` row; `nil` when nothing matches): every sum adds up across
    /// groups and the latency histograms merge, so the total costs no second query.
    /// - Throws: ``LedgerError`` (`closed`, `sqlite`).
    public func reportWithTotal(_ query: LedgerQuery, by key: LedgerReport.GroupKey)
        async throws -> (rows: [LedgerReport.Row], total: LedgerReport.Row?) {
        try await writer.withStorage { storage throws(LedgerError) in
            let groups = try SQLiteReportQuery(query: query, key: key).run(on: storage.connection)
            let rows = groups.sorted { $0.key < $1.key }.map { $0.value.row(group: $0.key) }
            guard !groups.isEmpty else { return (rows, nil) }
            let total = groups.values.reduce(into: SQLiteReportQuery.Accumulator()) { $0.merge($1) }
            return (rows, total.row(group: "all"))
        }
    }
}

/// The two aggregate queries of ``SQLiteLedger/report(_:by:)`` and the merge of their rows.
struct SQLiteReportQuery {
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
        case .user: return "COALESCE(json_extract(metadata, '$.user'), \(none))"
        // Floor division: a time before 1970 belongs to the day before, as in the calendar.
        case .day: return "strftime('%Y-%m-%d', (time_us - ((time_us % 1000000) + 1000000) % 1000000) / 1000000, 'unixepoch')"
        }
    }

    /// The filter of `query` (`+time_us`: a full scan beats the time index for a report, which
    /// reads most of the table) and its bindings.
    var filter: (sql: String, bindings: [SQLiteLedger.Binding]) {
        var conditions: [String] = ["1"]
        var bindings: [SQLiteLedger.Binding] = []
        if let since = query.since {
            conditions.append("+time_us >= ?")
            bindings.append(.integer(LedgerRecord.microseconds(of: since)))
        }
        if let until = query.until {
            conditions.append("+time_us < ?")
            bindings.append(.integer(LedgerRecord.microseconds(of: until)))
        }
        for (column, value) in [("task", query.task), ("model", query.model), ("variant", query.variant)] {
            if let value {
                conditions.append("\(column) = ?")
                bindings.append(.text(value))
            }
        }
        return (conditions.joined(separator: " AND "), bindings)
    }

    /// Whether an attempt's usage was flagged: a non-empty JSON array under the reserved metadata key.
    static let flaggedExpression = """
        CASE WHEN instr(metadata, '"\(SQLiteLedger.flagsKey)"') > 0
             THEN json_extract(metadata, '$.\(SQLiteLedger.flagsKey)') <> '[]' ELSE 0 END
        """

    /// A record's prompt-caching saving in picodollars (NULL when none), from its reserved
    /// metadata key, looked for with `instr` first so records without it cost no JSON parse.
    static let cacheSavingExpression = """
        CASE WHEN instr(metadata, '"\(SQLiteLedger.cacheSavingKey)"') > 0
             THEN CAST(json_extract(metadata, '$.\(SQLiteLedger.cacheSavingKey)') AS INTEGER) END
        """

    /// 1 for a response-cache hit, else 0.
    static let responseCacheHitExpression = "(instr(metadata, '\"\(SQLiteLedger.responseCacheHitKey)\"') > 0)"

    /// What a response-cache hit avoided, in picodollars (NULL otherwise).
    static let avoidedCostExpression = """
        CASE WHEN instr(metadata, '"\(SQLiteLedger.avoidedCostKey)"') > 0
             THEN CAST(json_extract(metadata, '$.\(SQLiteLedger.avoidedCostKey)') AS INTEGER) END
        """

    /// The per-attempt sums both queries select, in this order, after the group and latency.
    static func attemptSums(flagged: String) -> String {
        """
        COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens),
        SUM(cache_read_tokens), SUM(cost_total), SUM(cost_total IS NULL),
        SUM(CASE WHEN outcome = 'escalated' THEN cost_total END), SUM(outcome = 'error'), SUM(\(flagged))
        """
    }

    /// Single-attempt calls: every record is final, its call has one attempt.
    var singleAttemptSQL: String {
        let where_ = filter.sql
        return """
            SELECT \(groupExpression) AS g, latency_ms, \(Self.attemptSums(flagged: Self.flaggedExpression)),
                   COUNT(*), 0, SUM(baseline_cost), SUM(baseline_cost IS NULL),
                   SUM(\(Self.cacheSavingExpression)), SUM(\(Self.responseCacheHitExpression)),
                   SUM(\(Self.avoidedCostExpression))
            FROM ledger
            WHERE \(where_) AND parent_id IS NULL
              AND id NOT IN (SELECT parent_id FROM ledger WHERE parent_id IS NOT NULL AND \(where_))
            GROUP BY g, latency_ms
            """
    }

    /// Calls with several attempts (or a self-referencing first attempt): their later attempts
    /// through the `parent_id` index, their first attempts by primary key, only the columns the
    /// sums need; the window orders each call's attempts final-first and hands the final
    /// attempt's group to all of them.
    var multiAttemptSQL: String {
        let where_ = filter.sql
        let columns = """
            rowid AS rid, attempt, time_us, latency_ms, input_tokens, output_tokens, cache_write_5m_tokens,
            cache_write_1h_tokens, cache_read_tokens, cost_total, outcome, baseline_cost,
            \(Self.flaggedExpression) AS flagged, \(groupExpression) AS own_group,
            \(Self.cacheSavingExpression) AS cache_saving, \(Self.responseCacheHitExpression) AS cache_hit,
            \(Self.avoidedCostExpression) AS avoided_cost
            """
        return """
            WITH m AS (
                SELECT \(columns), parent_id AS call FROM ledger WHERE parent_id IS NOT NULL AND \(where_)
                UNION ALL
                SELECT \(columns), id AS call FROM ledger
                WHERE parent_id IS NULL AND \(where_)
                  AND id IN (SELECT parent_id FROM ledger WHERE parent_id IS NOT NULL AND \(where_))
            ), w AS (
                SELECT *, FIRST_VALUE(own_group) OVER call_order AS g, ROW_NUMBER() OVER call_order AS final_rank,
                       COUNT(*) OVER (PARTITION BY call) AS call_attempts
                FROM m
                WINDOW call_order AS (PARTITION BY call ORDER BY attempt DESC, time_us DESC, rid DESC)
            )
            SELECT g, latency_ms, \(Self.attemptSums(flagged: "flagged")),
                   SUM(final_rank = 1), SUM(final_rank = 1 AND call_attempts > 1),
                   SUM(CASE WHEN final_rank = 1 THEN baseline_cost END), SUM(final_rank = 1 AND baseline_cost IS NULL),
                   SUM(cache_saving), SUM(cache_hit), SUM(avoided_cost)
            FROM w
            GROUP BY g, latency_ms
            """
    }

    /// Each group's accumulated sums and latency histogram.
    func run(on connection: SQLiteConnection) throws(LedgerError) -> [String: Accumulator] {
        var groups: [String: Accumulator] = [:]
        // The filter appears twice in the first query and three times in the second.
        for (sql, copies) in [(singleAttemptSQL, 2), (multiAttemptSQL, 3)] {
            let bindings = Array(repeating: filter.bindings, count: copies).flatMap { $0 }
            let statement = try connection.statement(sql)
            defer { statement.reset() }
            for (offset, binding) in bindings.enumerated() {
                switch binding {
                case .integer(let value): statement.bind(value, at: Int32(offset + 1))
                case .text(let value): statement.bind(value, at: Int32(offset + 1))
                }
            }
            while try statement.step() {
                groups[statement.string(0) ?? LedgerReport.noValue, default: Accumulator()].add(statement)
            }
        }
        return groups
    }

    /// One group's sums and its latency histogram.
    struct Accumulator {
        var attempts = 0
        var tokens = TokenUsage()
        var cost: Int64 = 0
        var unpriced = 0
        var escalationCost: Int64 = 0
        var errors = 0
        var flagged = 0
        var calls = 0
        var escalatedCalls = 0
        var baseline: Int64 = 0
        var withoutBaseline = 0
        var latencyCounts: [(latency: Int, count: Int)] = []
        var cacheSaving: Int64 = 0
        var responseCacheHits = 0
        var avoidedCost: Int64 = 0

        /// Adds one (group, latency) row: columns 2… are `attemptSums`, then the call columns.
        mutating func add(_ s: SQLiteStatement) {
            let count = s.int(2) ?? 0
            attempts += count
            latencyCounts.append((s.int(1) ?? 0, count))
            tokens.input += s.int(3) ?? 0
            tokens.output += s.int(4) ?? 0
            tokens.cacheWrite5m += s.int(5) ?? 0
            tokens.cacheWrite1h += s.int(6) ?? 0
            tokens.cacheRead += s.int(7) ?? 0
            cost += s.int64(8) ?? 0
            unpriced += s.int(9) ?? 0
            escalationCost += s.int64(10) ?? 0
            errors += s.int(11) ?? 0
            flagged += s.int(12) ?? 0
            calls += s.int(13) ?? 0
            escalatedCalls += s.int(14) ?? 0
            baseline += s.int64(15) ?? 0
            withoutBaseline += s.int(16) ?? 0
            cacheSaving += s.int64(17) ?? 0
            responseCacheHits += s.int(18) ?? 0
            avoidedCost += s.int64(19) ?? 0
        }

        /// Adds another group's sums and histogram (the total over groups).
        mutating func merge(_ other: Accumulator) {
            attempts += other.attempts
            tokens.input += other.tokens.input
            tokens.output += other.tokens.output
            tokens.cacheWrite5m += other.tokens.cacheWrite5m
            tokens.cacheWrite1h += other.tokens.cacheWrite1h
            tokens.cacheRead += other.tokens.cacheRead
            cost += other.cost
            unpriced += other.unpriced
            escalationCost += other.escalationCost
            errors += other.errors
            flagged += other.flagged
            calls += other.calls
            escalatedCalls += other.escalatedCalls
            baseline += other.baseline
            withoutBaseline += other.withoutBaseline
            latencyCounts += other.latencyCounts
            cacheSaving += other.cacheSaving
            responseCacheHits += other.responseCacheHits
            avoidedCost += other.avoidedCost
        }

        /// The nearest-rank percentile from the histogram (``LedgerReport/nearestRank(_:of:)``).
        func percentile(_ p: Int, sorted histogram: [(latency: Int, count: Int)]) -> Int? {
            guard attempts > 0 else { return nil }
            let rank = min(max((p * attempts + 99) / 100, 1), attempts)
            var seen = 0
            for (latency, count) in histogram {
                seen += count
                if seen >= rank { return latency }
            }
            return histogram.last?.latency
        }

        func row(group: String) -> LedgerReport.Row {
            let histogram = latencyCounts.sorted { $0.latency < $1.latency }
            let costAmount = USDAmount(picodollars: cost), baselineAmount = USDAmount(picodollars: baseline)
            var row = LedgerReport.Row(
                group: group, attempts: attempts, logicalCalls: calls, tokens: tokens, cost: costAmount,
                baselineCost: baselineAmount,
                savings: unpriced == 0 && withoutBaseline == 0 ? baselineAmount - costAmount : nil,
                escalatedCalls: escalatedCalls, escalationCost: USDAmount(picodollars: escalationCost),
                unpricedRecords: unpriced, errorAttempts: errors, flaggedRecords: flagged,
                callsWithoutBaseline: withoutBaseline,
                latencyP50: percentile(50, sorted: histogram), latencyP95: percentile(95, sorted: histogram),
                latencyP99: percentile(99, sorted: histogram))
            row.cacheSaving = USDAmount(picodollars: cacheSaving)
            row.responseCacheHits = responseCacheHits
            row.avoidedCost = USDAmount(picodollars: avoidedCost)
            return row
        }
    }
}
