import Foundation
import PostgresNIO
import Router
import RouterPolicies

/// The one place that maps ``LedgerRecord`` to the `ledger` table's columns: names, bound
/// values and decoding. A new record field is a new column here plus a migration in
/// ``PostgresLedgerSchema``.
enum PostgresLedgerColumns {
    /// The written columns, in bind order (the SQLite ledger's names).
    static let names = [
        "id", "time_us", "request_id", "attempt", "parent_id", "task", "variant", "policy_name", "policy_hash",
        "tier", "model", "reason", "score", "input_tokens", "output_tokens", "cache_write_5m_tokens",
        "cache_write_1h_tokens", "cache_read_tokens", "cost_input", "cost_cache_write_5m", "cost_cache_write_1h",
        "cost_cache_read", "cost_output", "cost_total", "baseline_model", "baseline_cost", "latency_ms", "outcome",
        "outcome_detail", "stream", "metadata", "prompt_text", "response_text",
    ]

    /// The metadata key under which ``LedgerRecord/flags`` ride (a JSON array as text), as in SQLite.
    static var flagsKey: String { SQLiteLedger.flagsKey }

    /// Rejects what the table's CHECK constraints would, before the record is queued: a failed
    /// statement aborts a PostgreSQL transaction, so one bad record must not sink a batch.
    /// - Throws: ``LedgerError`` `encoding`.
    static func validate(_ record: LedgerRecord) throws(LedgerError) {
        guard record.attempt >= 1 else {
            throw LedgerError(code: .encoding, message: "record \(record.id): attempt must be at least 1")
        }
        guard record.latencyMs >= 0 else {
            throw LedgerError(code: .encoding, message: "record \(record.id): latency_ms must not be negative")
        }
        for text in [record.id, record.requestID, record.model] + [record.task, record.variant, record.tier,
                      record.reason, record.promptText, record.responseText].compactMap({ $0 })
            where text.utf8.contains(0) {
            throw LedgerError(code: .encoding, message: "record \(record.id): text contains a NUL character")
        }
    }

    /// The metadata column: the record's metadata, flags under ``flagsKey``, as sorted-key JSON.
    static func metadataText(_ record: LedgerRecord) throws(LedgerError) -> String {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var stored = record.metadata
            if let flags = record.flags, !flags.isEmpty {
                stored[flagsKey] = String(decoding: try encoder.encode(flags), as: UTF8.self)
            }
            // The lever, caching and server-tool fields ride under the same reserved keys as in SQLite.
            SQLiteLedger.storeLeverFields(of: record, in: &stored)
            SQLiteLedger.storeCaching(of: record, in: &stored)
            try SQLiteLedger.storeServerTools(of: record, in: &stored)
            return String(decoding: try encoder.encode(stored), as: UTF8.self)
        } catch {
            throw LedgerError(code: .encoding, message: "record \(record.id): metadata cannot be encoded")
        }
    }

    /// Appends the record's values in ``names`` order.
    static func bind(_ record: LedgerRecord, metadata: String, to b: inout PostgresBindings) {
        b.append(record.id)
        b.append(LedgerRecord.microseconds(of: record.time))
        b.append(record.requestID)
        b.append(Int64(record.attempt))
        b.append(record.parentID)
        b.append(record.task)
        b.append(record.variant)
        b.append(record.policyName)
        b.append(record.policyHash)
        b.append(record.tier)
        b.append(record.model)
        b.append(record.reason)
        b.append(record.score)
        b.append(Int64(record.usage.input))
        b.append(Int64(record.usage.output))
        b.append(Int64(record.usage.cacheWrite5m))
        b.append(Int64(record.usage.cacheWrite1h))
        b.append(Int64(record.usage.cacheRead))
        b.append(record.cost?.input.picodollars)
        b.append(record.cost?.cacheWrite5m.picodollars)
        b.append(record.cost?.cacheWrite1h.picodollars)
        b.append(record.cost?.cacheRead.picodollars)
        b.append(record.cost?.output.picodollars)
        b.append(record.cost?.total.picodollars)
        b.append(record.baselineModel)
        b.append(record.baselineCost?.picodollars)
        b.append(Int64(record.latencyMs))
        b.append(record.outcome.kind)
        b.append(record.outcome.detail)
        b.append(record.stream)
        b.append(metadata)
        b.append(record.promptText)
        b.append(record.responseText)
    }

    /// Decodes one row of `SELECT <names> FROM ledger`.
    /// - Throws: ``LedgerError`` `corruptRecord` naming the row.
    static func decode(_ row: PostgresRow, place: String) throws(LedgerError) -> LedgerRecord {
        let cells = row.makeRandomAccess()
        let id = (try? cells[0].decode(String.self)) ?? ""
        func corrupt(_ what: String) -> LedgerError {
            LedgerError(code: .corruptRecord, message: "row \(id): \(what)", file: place)
        }
        func text(_ index: Int) -> String? { (try? cells[index].decode(String?.self)) ?? nil }
        func int64(_ index: Int) -> Int64? { (try? cells[index].decode(Int64?.self)) ?? nil }
        func int(_ index: Int) -> Int { Int(truncatingIfNeeded: int64(index) ?? 0) }
        guard let time = int64(1), let requestID = text(2), let attempt = int64(3), let model = text(10),
              let kind = text(27), let outcome = LedgerRecord.Outcome(kind: kind, detail: text(28)) else {
            throw corrupt("missing or invalid required column")
        }
        var cost: LedgerRecord.Cost?
        if let total = int64(23) {
            func amount(_ index: Int) -> USDAmount { USDAmount(picodollars: int64(index) ?? 0) }
            cost = LedgerRecord.Cost(input: amount(18), cacheWrite5m: amount(19), cacheWrite1h: amount(20),
                                     cacheRead: amount(21), output: amount(22), total: USDAmount(picodollars: total))
        }
        var metadata: [String: String]
        var flags: [String]?
        var levers: (trimmed: Int?, preflight: Int?) = (nil, nil)
        var caching: SQLiteLedger.CachingColumns?
        var serverTools: SQLiteLedger.ServerToolColumns?
        do {
            metadata = try JSONDecoder().decode([String: String].self, from: Data((text(30) ?? "{}").utf8))
            if let flagsText = metadata.removeValue(forKey: flagsKey) {
                flags = try JSONDecoder().decode([String].self, from: Data(flagsText.utf8))
            }
            levers = try SQLiteLedger.takeLeverFields(from: &metadata)
            caching = try SQLiteLedger.takeCaching(from: &metadata)
            serverTools = try SQLiteLedger.takeServerTools(from: &metadata)
        } catch {
            throw corrupt("metadata is not a JSON object of strings (with a JSON array under '\(flagsKey)')")
        }
        let score = (try? cells[12].decode(Double?.self)) ?? nil
        let stream = (try? cells[29].decode(Bool.self)) ?? false
        var record = LedgerRecord(
            id: id, requestID: requestID, attempt: Int(attempt), parentID: text(4), task: text(5), variant: text(6),
            policyName: text(7), policyHash: text(8), tier: text(9), model: model, reason: text(11), score: score,
            usage: TokenUsage(input: int(13), output: int(14), cacheWrite5m: int(15), cacheWrite1h: int(16),
                              cacheRead: int(17)),
            cost: cost, baselineModel: text(24), baselineCost: int64(25).map(USDAmount.init(picodollars:)),
            latencyMs: int(26), outcome: outcome, stream: stream, metadata: metadata,
            promptText: text(31), responseText: text(32), flags: flags)
        record.time = LedgerRecord.microsecondDate(time)
        record.trimmedInputTokens = levers.trimmed
        record.preflightInputTokens = levers.preflight
        caching?.apply(to: &record)
        serverTools?.apply(to: &record)
        return record
    }

    /// The period key of a budget period, as the budget store and the ledger's settling
    /// statement both compute it: `YYYY-MM-DD` (UTC day), `YYYY-MM` (UTC month) or `total`.
    static func periodKeySQL(period: String, timeUS: String) -> String {
        let timestamp = "(to_timestamp(floor(\(timeUS) / 1000000.0)::double precision) AT TIME ZONE 'UTC')"
        return """
            (CASE \(period) WHEN 'day' THEN to_char(\(timestamp), 'YYYY-MM-DD')
                            WHEN 'month' THEN to_char(\(timestamp), 'YYYY-MM') ELSE 'total' END)
            """
    }

    /// The INSERT of `count` records that also keeps the budgets' accounting, in ONE statement
    /// (so atomically): each new row (not a duplicate id) adds its charge — its `cost_total`,
    /// or for an unpriced attempt the worst case it reserved (kept in `budget_charge`) — to
    /// `spent` of every registered budget rule it matches (``PostgresBudgetRules``), in the
    /// period of the record's time, whether or not it was reserved; and it deletes the
    /// reservations with its id, moving their amounts out of `reserved` (unless they already
    /// expired). Returns one row: the number of records inserted.
    static func insertSQL(count: Int, unpriced: [Bool]) -> String {
        let width = names.count
        let rows = (0..<count).map { row in
            let base = row * width
            let values = (1...width).map { "$\(base + $0)" }
            let charge = unpriced[row]
                ? "(SELECT MAX(amount) FROM budget_reservations WHERE id = $\(base + 1))" : "NULL::bigint"
            // Explicit types: a NULL in a multi-row VALUES list has no type of its own.
            return "(" + values.joined(separator: ", ") + ", \(charge))"
        }
        return """
            WITH ins AS (
                INSERT INTO ledger (\(names.joined(separator: ", ")), budget_charge)
                VALUES \(rows.joined(separator: ",\n       "))
                ON CONFLICT (id) DO NOTHING
                RETURNING id, time_us, task, metadata, \(PostgresBudgetRules.chargeSQL(row: "ledger")) AS charge
            ), r AS (
                DELETE FROM budget_reservations b USING ins WHERE b.id = ins.id
                RETURNING b.budget, b.period_key, b.amount, b.expired
            ), spend AS (
                SELECT m.budget, m.key, m.charge FROM (
                    SELECT \(PostgresBudgetRules.bucketSQL(row: "ins", rule: "g")) AS budget,
                           \(periodKeySQL(period: "g.period", timeUS: "ins.time_us")) AS key, ins.charge
                    FROM ins CROSS JOIN budget_rules g WHERE ins.charge > 0
                ) m WHERE m.budget IS NOT NULL
            ), deltas AS (
                SELECT budget, period_key AS key, CASE WHEN expired THEN 0 ELSE -amount END AS d_reserved,
                       0::bigint AS d_spent
                FROM r
                UNION ALL
                SELECT budget, key, 0, charge FROM spend
            ), settled AS (
                INSERT INTO budget_spend (budget, period_key, spent, reserved)
                SELECT budget, key, SUM(d_spent)::bigint, SUM(d_reserved)::bigint FROM deltas
                GROUP BY budget, key ORDER BY budget, key
                ON CONFLICT (budget, period_key) DO UPDATE
                SET spent = budget_spend.spent + EXCLUDED.spent, reserved = budget_spend.reserved + EXCLUDED.reserved
                RETURNING 1
            )
            SELECT (SELECT COUNT(*) FROM ins), (SELECT COUNT(*) FROM settled)
            """
    }

    /// The SELECT of a ``LedgerQuery`` and its bindings.
    static func selectQuery(_ query: LedgerQuery) -> PostgresQuery {
        var bindings = PostgresBindings()
        let conditions = filterTemplate(query, bindings: &bindings).map { $0.replacingOccurrences(of: "{a}", with: "") }
        let direction = query.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(names.joined(separator: ", ")) FROM ledger"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY time_us \(direction), seq \(direction)"
        if let limit = query.limit {
            bindings.append(Int64(max(0, limit)))
            sql += " LIMIT $\(bindings.count)"
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// The WHERE conditions of `query`, each with `{a}` where a table alias goes, binding each
    /// value once (PostgreSQL reuses `$n` wherever it appears, so a condition may be repeated).
    static func filterTemplate(_ query: LedgerQuery, bindings: inout PostgresBindings) -> [String] {
        var conditions: [String] = []
        if let since = query.since {
            bindings.append(LedgerRecord.microseconds(of: since))
            conditions.append("{a}time_us >= $\(bindings.count)")
        }
        if let until = query.until {
            bindings.append(LedgerRecord.microseconds(of: until))
            conditions.append("{a}time_us < $\(bindings.count)")
        }
        for (column, value) in [("task", query.task), ("model", query.model), ("variant", query.variant)] {
            if let value {
                bindings.append(value)
                conditions.append("{a}\(column) = $\(bindings.count)")
            }
        }
        return conditions
    }
}
