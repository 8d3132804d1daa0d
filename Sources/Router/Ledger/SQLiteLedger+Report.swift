import CSQLite
import Foundation
import RouterPolicies

/// ``LedgerReport`` computed inside SQLite: one aggregate pass instead of loading every record.
///
/// The result is the same `[LedgerReport.Row]` that ``LedgerReport/aggregate(_:by:)`` gives for
/// the same records (same grouping rule, exact integer picodollar sums, nearest-rank latency
/// percentiles), so both paths render byte-identical reports. The sums are taken by an aggregate
/// SQL function (`router_report_add`, ``SQLiteReportQuery/Sink``) that keeps a table of groups
/// and exact latency histograms, so no `GROUP BY` sorts the table: SQLite's `GROUP BY` sorts its
/// input (about 1 s of CPU per million rows on a 2-core machine), a hash of a few groups does not.
/// Two statements feed it:
/// - every first attempt, as a call of one attempt (the vast majority are: nothing points back
///   to them), in one scan of the table with no sort;
/// - the few calls with several attempts (found through the `parent_id` index and the primary
///   key, not by scanning) go through a window that finds each call's final attempt (highest
///   attempt number; ties to the later record, as the in-memory path does) and carries its group
///   to every attempt of the call; their first attempts are taken back out of the first pass.
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
        try await reports(query, by: [key])[0]
    }

    /// Several groupings of the records matching `query` from the same scans of the table:
    /// element `i` is what ``reportWithTotal(_:by:)`` gives for `keys[i]` — its rows sorted by
    /// group value, and the one-row total over all matching records (the same row in every
    /// element; `nil` when nothing matches). Each further grouping adds its group expression to
    /// the scan and one table of groups, not another pass over the table (the report page's views
    /// by day, task and model). A repeated key is computed once. An empty `keys` gives `[]`.
    /// - Throws: ``LedgerError`` (`closed`, `sqlite` — "integer overflow" when a group's sum
    ///   passes 2⁶³ − 1 picodollars —, `integer_overflow` when the total does, or a group's sums
    ///   are negative or leave a derived figure out of range,
    ///   ``LedgerReport/figuresFit(tokens:cost:baseline:escalationCost:)``).
    public func reports(_ query: LedgerQuery, by keys: [LedgerReport.GroupKey])
        async throws -> [(rows: [LedgerReport.Row], total: LedgerReport.Row?)] {
        let unique = keys.reduce(into: [LedgerReport.GroupKey]()) { if !$0.contains($1) { $0.append($1) } }
        guard !unique.isEmpty else { return [] }
        let results = try await writer.withStorage { storage throws(LedgerError) in
            let grouped = try SQLiteReportQuery(query: query, keys: unique).run(on: storage.connection)
            return try zip(unique, grouped).map { key, groups throws(LedgerError) in
                try SQLiteReportQuery.Accumulator.rows(groups, by: key)
            }
        }
        return keys.map { key in results[unique.firstIndex(of: key)!] }
    }
}

/// The two statements of ``SQLiteLedger/report(_:by:)`` and the aggregate they feed, for one or
/// more groupings at once.
package struct SQLiteReportQuery {
    let query: LedgerQuery
    /// The groupings computed together: each record's group under every one of them.
    let keys: [LedgerReport.GroupKey]

    /// The statements for one grouping (and the filter of `query`, which the levers and the
    /// caching coverage reuse).
    package init(query: LedgerQuery, key: LedgerReport.GroupKey) {
        self.init(query: query, keys: [key])
    }

    init(query: LedgerQuery, keys: [LedgerReport.GroupKey]) {
        self.query = query
        self.keys = keys
    }

    /// The group expressions of ``keys``, comma-separated, in their order.
    var groupExpressions: String { keys.map(Self.groupExpression).joined(separator: ", ") }

    /// The SQL expression of a record's group value (``LedgerReport/groupValue(of:by:)``).
    static func groupExpression(_ key: LedgerReport.GroupKey) -> String {
        let none = "'\(LedgerReport.noValue)'"
        switch key {
        case .all: return "'all'"
        case .task: return "COALESCE(task, \(none))"
        case .model: return "model"
        case .tier: return "COALESCE(tier, \(none))"
        case .variant: return "COALESCE(variant, \(none))"
        case .user: return "COALESCE(json_extract(metadata, '$.user'), \(none))"
        // Floor division: a time before 1970 belongs to the day before, as in the calendar.
        // The day number since 1970-01-01 (UTC); named by ``Sink`` once per group, not per row.
        case .day: return "(time_us - ((time_us % 86400000000) + 86400000000) % 86400000000) / 86400000000"
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

    /// The aggregate of the first statement: one attempt's group under each of ``keys``, then its
    /// columns in ``Sink/Attempt`` order (latency_ms, input, output, 5-minute cache write, 1-hour
    /// cache write and cache read tokens, cost_total, outcome, flagged, baseline_cost, cache
    /// saving, response-cache hit, avoided cost), added as a call of one attempt.
    static let function = "router_report_add"
    /// The aggregate's argument count: the groups, then ``Sink/Attempt/columnCount`` values.
    var functionArguments: Int32 { Int32(keys.count + Sink.Attempt.columnCount) }

    /// The columns of one attempt, in ``Sink/Attempt`` order, after the groups.
    static let attemptColumns = "latency_ms, input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
        + "cache_read_tokens, cost_total, outcome, \(flaggedExpression), baseline_cost, \(cacheSavingExpression), "
        + "\(responseCacheHitExpression), \(avoidedCostExpression)"

    /// Every first attempt, as the final attempt of a call of one attempt, in one scan with no
    /// sort; calls with several attempts are corrected by ``multiAttemptSQL``.
    var firstAttemptSQL: String {
        """
        SELECT \(Self.function)(\(groupExpressions), \(Self.attemptColumns))
        FROM ledger WHERE \(filter.sql) AND parent_id IS NULL
        """
    }

    /// The attempts of calls with several attempts (or a self-referencing first attempt): their
    /// later attempts through the `parent_id` index, their first attempts (`root`) by primary
    /// key, each call's attempts together and final attempt first (highest attempt number; ties
    /// to the later record). Sorting these few rows is cheap; a window over them costs 3-4×
    /// more in SQLite, which copies every row into a temporary table.
    var multiAttemptSQL: String {
        let where_ = filter.sql
        let columns = "\(groupExpressions), \(Self.attemptColumns), rowid AS rid, attempt, time_us"
        return """
            SELECT * FROM (
                SELECT \(columns), parent_id AS call, 0 AS root FROM ledger WHERE parent_id IS NOT NULL AND \(where_)
                UNION ALL
                SELECT \(columns), id AS call, 1 AS root FROM ledger
                WHERE parent_id IS NULL AND \(where_)
                  AND id IN (SELECT parent_id FROM ledger WHERE parent_id IS NOT NULL AND \(where_))
            )
            ORDER BY call, attempt DESC, time_us DESC, rid DESC
            """
    }

    /// Each group's accumulated sums and latency histogram, one table per grouping of ``keys``
    /// (element `i` is by `keys[i]`).
    func run(on connection: SQLiteConnection) throws(LedgerError) -> [[String: Accumulator]] {
        let sink = Sink(keys: keys)
        func prepared(_ sql: String, filterCopies: Int) throws(LedgerError) -> SQLiteStatement {
            let statement = try connection.statement(sql)
            let bindings = Array(repeating: filter.bindings, count: filterCopies).flatMap { $0 }
            for (offset, binding) in bindings.enumerated() {
                switch binding {
                case .integer(let value): statement.bind(value, at: Int32(offset + 1))
                case .text(let value): statement.bind(value, at: Int32(offset + 1))
                }
            }
            return statement
        }
        try connection.withAggregateFunction(Self.function, arguments: functionArguments, context: sink,
                                             step: Sink.step) { () throws(LedgerError) in
            let statement = try prepared(firstAttemptSQL, filterCopies: 1)
            defer { statement.reset() }
            while try statement.step() {}
        }
        // The filter appears three times in the second statement.
        let statement = try prepared(multiAttemptSQL, filterCopies: 3)
        defer { statement.reset() }
        let callColumn = functionArguments + 3, rootColumn = callColumn + 1
        var call: [Sink.GroupedAttempt] = [], callID: String?
        func finishCall() throws(LedgerError) {
            guard !call.isEmpty else { return }
            guard sink.addCall(call) else {
                throw connection.error(SQLITE_ERROR, "integer overflow")
            }
            call.removeAll(keepingCapacity: true)
        }
        while try statement.step() {
            let id = statement.string(callColumn)
            if id != callID {
                try finishCall()
                callID = id
            }
            let groups = (0..<keys.count).map { sink.key(grouping: $0, statement.value(Int32($0))) }
            let attempt = Sink.attempt { statement.value(Int32(keys.count + $0)) }
            call.append(Sink.GroupedAttempt(groups: groups, attempt: attempt, root: statement.int64(rootColumn) == 1))
        }
        try finishCall()
        return try sink.groups.map { table throws(LedgerError) in
            var groups: [String: Accumulator] = [:]
            for (key, accumulator) in table where accumulator.attempts != 0 {
                let group: String
                switch key {
                case .text(let text): group = text
                case .day(let day): group = LedgerReport.utcDay(Date(timeIntervalSince1970: TimeInterval(day) * 86_400))
                case .none: group = LedgerReport.noValue
                }
                // Two SQL values can name one group: NULL and the no-value text.
                guard groups[group, default: Accumulator()].merge(accumulator) else {
                    throw connection.error(SQLITE_ERROR, "integer overflow")
                }
            }
            return groups
        }
    }

    /// The groups of one report: for each grouping, each group with exact sums and a latency
    /// histogram. Fed by `router_report_add` (first attempts) and by the calls of several
    /// attempts; only touched from one statement at a time, on the ledger writer's serial queue.
    final class Sink {
        /// A group value as the SQL hands it over: text, a day number (the `day` grouping) or NULL.
        enum Key: Hashable {
            case text(String)
            case day(Int64)
            case none
        }

        /// The values of one attempt that its groups sum (its groups are read apart, one per grouping).
        struct Attempt {
            /// The values read, in ``SQLiteReportQuery/attemptColumns`` order.
            static let columnCount = 13
            var latency: Int
            var tokens: (Int64, Int64, Int64, Int64, Int64)
            var cost: Int64?
            var isEscalation: Bool
            var isError: Bool
            var isFlagged: Bool
            var baseline: Int64?
            /// Prompt caching's saving on this attempt (``LedgerRecord/cacheSaving``).
            var cacheSaving: Int64?
            var isResponseCacheHit: Bool
            /// What a response-cache hit avoided (``LedgerRecord/avoidedCost``).
            var avoidedCost: Int64?
        }

        /// One attempt of a call of several, with its group under each grouping.
        struct GroupedAttempt {
            var groups: [Key]
            var attempt: Attempt
            /// Whether this is the first attempt of a call of several (counted once already as a
            /// call of its own by the first statement).
            var root: Bool
        }

        /// One table of groups per grouping, in ``SQLiteReportQuery/keys`` order.
        var groups: [[Key: Accumulator]]
        /// Per grouping: whether an integer group value is a day number (the `day` grouping) rather than text.
        let daysAsGroups: [Bool]

        init(keys: [LedgerReport.GroupKey]) {
            groups = Array(repeating: [:], count: keys.count)
            daysAsGroups = keys.map { $0 == .day }
        }

        /// `router_report_add`'s step: adds the attempt as a call of one attempt to its group
        /// under every grouping; an overflowing sum fails the statement with "integer overflow",
        /// as SQLite's own `SUM` does.
        static let step: SQLiteConnection.AggregateStep = { context, count, values in
            guard let context, let values, let userData = sqlite3_user_data(context) else { return }
            let sink = Unmanaged<Sink>.fromOpaque(userData).takeUnretainedValue()
            let groupings = sink.groups.count
            // SQLite checks the count against the registration; a mismatch here is a bug, reported.
            guard count == Int32(groupings + Attempt.columnCount) else {
                return sqlite3_result_error(context, "router_report_add: unexpected argument count", -1)
            }
            let attempt = Sink.attempt { values[groupings + $0] }
            var ok = true
            for grouping in 0..<groupings {
                let key = sink.key(grouping: grouping, values[grouping])
                ok = sink.groups[grouping][key, default: Accumulator()].add(
                    attempt, sign: 1, isFinal: true, isEscalatedCall: false) && ok
            }
            if !ok { sqlite3_result_error(context, "integer overflow", -1) }
        }

        /// Reads one group value under grouping `grouping` (text, a day number or NULL).
        func key(grouping: Int, _ value: OpaquePointer?) -> Key {
            switch sqlite3_value_type(value) {
            case SQLITE_NULL: return .none
            case SQLITE_INTEGER where daysAsGroups[grouping]: return .day(sqlite3_value_int64(value))
            default:
                return .text(String(decoding: UnsafeBufferPointer(start: sqlite3_value_text(value),
                                                                  count: Int(sqlite3_value_bytes(value))), as: UTF8.self))
            }
        }

        /// Reads one attempt from the SQL values `value(0)…value(12)` (``Attempt`` order).
        static func attempt(_ value: (Int) -> OpaquePointer?) -> Attempt {
            func integer(_ index: Int) -> Int64 { sqlite3_value_int64(value(index)) }
            func optional(_ index: Int) -> Int64? {
                sqlite3_value_type(value(index)) == SQLITE_NULL ? nil : sqlite3_value_int64(value(index))
            }
            // `outcome` is 'success', 'escalated' or 'error' (a CHECK constraint): its length tells.
            let outcomeLength = sqlite3_value_bytes(value(7))
            return Attempt(latency: Int(truncatingIfNeeded: integer(0)),
                           tokens: (integer(1), integer(2), integer(3), integer(4), integer(5)), cost: optional(6),
                           isEscalation: outcomeLength == 9, isError: outcomeLength == 5, isFlagged: integer(8) != 0,
                           baseline: optional(9), cacheSaving: optional(10), isResponseCacheHit: integer(11) != 0,
                           avoidedCost: optional(12))
        }

        /// Adds the attempts of one call, final attempt first, under each grouping all in the
        /// final attempt's group; a first attempt is taken back out of its own group, where the
        /// first statement counted it as a call of one attempt. `false` when a sum overflowed.
        func addCall(_ attempts: [GroupedAttempt]) -> Bool {
            guard let final = attempts.first else { return true }
            var ok = true
            for grouping in groups.indices {
                for (index, attempt) in attempts.enumerated() {
                    let isFinal = index == 0
                    ok = groups[grouping][final.groups[grouping], default: Accumulator()].add(
                        attempt.attempt, sign: 1, isFinal: isFinal, isEscalatedCall: isFinal && attempts.count > 1) && ok
                    if attempt.root {
                        ok = groups[grouping][attempt.groups[grouping], default: Accumulator()].add(
                            attempt.attempt, sign: -1, isFinal: true, isEscalatedCall: false) && ok
                    }
                }
            }
            return ok
        }
    }

    /// One group's sums and its latency histogram (shared with the PostgreSQL report, which
    /// hands it the rows of its server-side `GROUP BY`).
    package struct Accumulator {
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
        /// Attempts by latency in ms (a count may pass through zero while first attempts are taken back).
        var latencyCounts: [Int: Int] = [:]
        var cacheSaving: Int64 = 0
        var responseCacheHits = 0
        var avoidedCost: Int64 = 0

        package init() {}

        /// Adds one (group, latency) row of a server-side `GROUP BY` given its 18 sums in query
        /// order (a `NULL` or missing sum is 0): attempts, the five token kinds, cost, unpriced,
        /// escalation cost, errors, flagged, calls, escalated calls, baseline cost, calls without a
        /// baseline, cache saving, response-cache hits, avoided cost.
        package mutating func add(latency: Int, sums: [Int64?]) {
            func value(_ index: Int) -> Int64 { index < sums.count ? sums[index] ?? 0 : 0 }
            let count = Int(value(0))
            attempts += count
            latencyCounts[latency, default: 0] += count
            tokens.input += Int(value(1))
            tokens.output += Int(value(2))
            tokens.cacheWrite5m += Int(value(3))
            tokens.cacheWrite1h += Int(value(4))
            tokens.cacheRead += Int(value(5))
            cost += value(6)
            unpriced += Int(value(7))
            escalationCost += value(8)
            errors += Int(value(9))
            flagged += Int(value(10))
            calls += Int(value(11))
            escalatedCalls += Int(value(12))
            baseline += value(13)
            withoutBaseline += Int(value(14))
            cacheSaving += value(15)
            responseCacheHits += Int(value(16))
            avoidedCost += value(17)
        }

        /// Adds (`sign` 1) or takes back (`sign` -1) one attempt; its baseline counts only on a
        /// final attempt. `false` when a sum overflowed.
        mutating func add(_ attempt: Sink.Attempt, sign: Int64, isFinal: Bool, isEscalatedCall: Bool) -> Bool {
            let (latency, counts, cost, baseline) = (attempt.latency, attempt.tokens, attempt.cost, attempt.baseline)
            let step = Int(truncatingIfNeeded: sign)
            attempts += step
            latencyCounts[latency, default: 0] += step
            var overflow = false
            func sum(_ total: inout Int64, _ value: Int64) {
                let (product, multiplied) = value.multipliedReportingOverflow(by: sign)
                let (result, added) = total.addingReportingOverflow(product)
                total = result
                overflow = overflow || multiplied || added
            }
            func sum(_ total: inout Int, _ value: Int64) {
                var wide = Int64(total)
                sum(&wide, value)
                total = Int(truncatingIfNeeded: wide)
            }
            sum(&tokens.input, counts.0)
            sum(&tokens.output, counts.1)
            sum(&tokens.cacheWrite5m, counts.2)
            sum(&tokens.cacheWrite1h, counts.3)
            sum(&tokens.cacheRead, counts.4)
            if let cost {
                sum(&self.cost, cost)
                if attempt.isEscalation { sum(&escalationCost, cost) }
            } else {
                unpriced += step
            }
            if attempt.isError { errors += step }
            if attempt.isFlagged { flagged += step }
            if isFinal {
                calls += step
                if let baseline { sum(&self.baseline, baseline) } else { withoutBaseline += step }
            }
            if isEscalatedCall { escalatedCalls += step }
            if let saving = attempt.cacheSaving { sum(&cacheSaving, saving) }
            if attempt.isResponseCacheHit { responseCacheHits += step }
            if let avoided = attempt.avoidedCost { sum(&avoidedCost, avoided) }
            return !overflow
        }

        /// Adds another group's sums and histogram (the total over groups). `false` when a sum
        /// overflowed (past 2⁶³ − 1 picodollars or tokens; the sums are then unusable).
        package mutating func merge(_ other: Accumulator) -> Bool {
            var overflow = false
            func sum(_ total: inout Int64, _ value: Int64) {
                let (result, overflowed) = total.addingReportingOverflow(value)
                total = result
                overflow = overflow || overflowed
            }
            func sum(_ total: inout Int, _ value: Int) {
                let (result, overflowed) = total.addingReportingOverflow(value)
                total = result
                overflow = overflow || overflowed
            }
            sum(&attempts, other.attempts)
            sum(&tokens.input, other.tokens.input)
            sum(&tokens.output, other.tokens.output)
            sum(&tokens.cacheWrite5m, other.tokens.cacheWrite5m)
            sum(&tokens.cacheWrite1h, other.tokens.cacheWrite1h)
            sum(&tokens.cacheRead, other.tokens.cacheRead)
            sum(&cost, other.cost)
            sum(&unpriced, other.unpriced)
            sum(&escalationCost, other.escalationCost)
            sum(&errors, other.errors)
            sum(&flagged, other.flagged)
            sum(&calls, other.calls)
            sum(&escalatedCalls, other.escalatedCalls)
            sum(&baseline, other.baseline)
            sum(&withoutBaseline, other.withoutBaseline)
            // Attempt counts per latency: bounded by the number of records, no overflow check.
            latencyCounts.merge(other.latencyCounts, uniquingKeysWith: +)
            sum(&cacheSaving, other.cacheSaving)
            sum(&responseCacheHits, other.responseCacheHits)
            sum(&avoidedCost, other.avoidedCost)
            return !overflow
        }

        /// The total over `groups` (the ``LedgerReport/GroupKey/all`` row's sums); `nil` when a
        /// sum overflowed.
        package static func total(of groups: some Sequence<Accumulator>) -> Accumulator? {
            var total = Accumulator()
            for group in groups where !total.merge(group) { return nil }
            return total
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

        /// ``LedgerReport/figuresFit(tokens:cost:baseline:escalationCost:)`` for these sums.
        package var figuresFit: Bool {
            LedgerReport.figuresFit(tokens: tokens, cost: cost, baseline: baseline, escalationCost: escalationCost)
        }

        /// The rows of `groups` sorted by group, and their total row (`nil` for no groups).
        /// - Throws: ``LedgerError`` (`integer_overflow`) when the total overflows or a group's or the
        ///   total's sums fail ``figuresFit``.
        package static func rows(_ groups: [String: Accumulator], by key: LedgerReport.GroupKey)
            throws(LedgerError) -> (rows: [LedgerReport.Row], total: LedgerReport.Row?) {
            if let group = groups.filter({ !$0.value.figuresFit }).keys.min() {
                throw LedgerReport.overflowError(group: group, by: key.rawValue)
            }
            let rows = groups.sorted { $0.key < $1.key }.map { $0.value.row(group: $0.key) }
            guard !groups.isEmpty else { return (rows, nil) }
            guard let total = total(of: groups.values), total.figuresFit else {
                throw LedgerReport.overflowError(group: "all", by: key.rawValue)
            }
            return (rows, total.row(group: "all"))
        }

        package func row(group: String) -> LedgerReport.Row {
            let histogram = latencyCounts.filter { $0.value != 0 }.map { (latency: $0.key, count: $0.value) }
                .sorted { $0.latency < $1.latency }
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
