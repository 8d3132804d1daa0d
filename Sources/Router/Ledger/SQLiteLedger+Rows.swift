import Foundation
import RouterPolicies

/// Mapping between ``LedgerRecord`` and the `ledger` table's columns.
extension SQLiteLedger {
    static let columns = [
        "id", "time_us", "request_id", "attempt", "parent_id", "task", "variant", "policy_name", "policy_hash",
        "tier", "model", "reason", "score", "input_tokens", "output_tokens", "cache_write_5m_tokens",
        "cache_write_1h_tokens", "cache_read_tokens", "cost_input", "cost_cache_write_5m", "cost_cache_write_1h",
        "cost_cache_read", "cost_output", "cost_total", "baseline_model", "baseline_cost", "latency_ms", "outcome",
        "outcome_detail", "stream", "metadata", "prompt_text", "response_text",
    ]

    /// The metadata key under which ``LedgerRecord/flags`` are stored (a JSON array as text).
    package static let flagsKey = "_router_flags"

    /// Idempotent on the record id: a second write of the same id is a no-op, not an error.
    static let insertSQL = """
        INSERT INTO ledger (\(columns.joined(separator: ", ")))
        VALUES (\(columns.indices.map { "?\($0 + 1)" }.joined(separator: ", ")))
        ON CONFLICT(id) DO NOTHING
        """

    static func insert(_ record: LedgerRecord, into db: SQLiteConnection) throws(LedgerError) {
        let metadata: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            // Flags ride in the metadata JSON under a reserved key rather than a new column, so
            // existing databases need no migration; `decodeRow` moves them back.
            var stored = record.metadata
            if let flags = record.flags, !flags.isEmpty {
                stored[flagsKey] = String(decoding: try encoder.encode(flags), as: UTF8.self)
            }
            storeLeverFields(of: record, in: &stored)
            storeCaching(of: record, in: &stored)
            try storeServerTools(of: record, in: &stored)
            metadata = String(decoding: try encoder.encode(stored), as: UTF8.self)
        } catch {
            throw LedgerError(code: .encoding, message: "record \(record.id): metadata cannot be encoded")
        }
        let s = try db.statement(insertSQL)
        s.bind(record.id, at: 1)
        s.bind(LedgerRecord.microseconds(of: record.time), at: 2)
        s.bind(record.requestID, at: 3)
        s.bind(record.attempt, at: 4)
        s.bind(record.parentID, at: 5)
        s.bind(record.task, at: 6)
        s.bind(record.variant, at: 7)
        s.bind(record.policyName, at: 8)
        s.bind(record.policyHash, at: 9)
        s.bind(record.tier, at: 10)
        s.bind(record.model, at: 11)
        s.bind(record.reason, at: 12)
        s.bind(record.score, at: 13)
        s.bind(record.usage.input, at: 14)
        s.bind(record.usage.output, at: 15)
        s.bind(record.usage.cacheWrite5m, at: 16)
        s.bind(record.usage.cacheWrite1h, at: 17)
        s.bind(record.usage.cacheRead, at: 18)
        s.bind(record.cost?.input.picodollars, at: 19)
        s.bind(record.cost?.cacheWrite5m.picodollars, at: 20)
        s.bind(record.cost?.cacheWrite1h.picodollars, at: 21)
        s.bind(record.cost?.cacheRead.picodollars, at: 22)
        s.bind(record.cost?.output.picodollars, at: 23)
        s.bind(record.cost?.total.picodollars, at: 24)
        s.bind(record.baselineModel, at: 25)
        s.bind(record.baselineCost?.picodollars, at: 26)
        s.bind(record.latencyMs, at: 27)
        s.bind(record.outcome.kind, at: 28)
        s.bind(record.outcome.detail, at: 29)
        s.bind(record.stream ? 1 : 0, at: 30)
        s.bind(metadata, at: 31)
        s.bind(record.promptText, at: 32)
        s.bind(record.responseText, at: 33)
        do {
            try s.run()
        } catch {
            var described = error
            described.message = "record \(record.id) not written: \(error.message)"
            throw described
        }
    }

    /// Decodes the current row of a `SELECT <columns> FROM ledger` statement.
    static func decodeRow(_ s: SQLiteStatement, file: String) throws(LedgerError) -> LedgerRecord {
        let id = s.string(0) ?? ""
        func corrupt(_ what: String) -> LedgerError {
            LedgerError(code: .corruptRecord, message: "row \(id): \(what)", file: file)
        }
        guard let time = s.int64(1), let requestID = s.string(2), let attempt = s.int(3), let model = s.string(10),
              let kind = s.string(27), let outcome = LedgerRecord.Outcome(kind: kind, detail: s.string(28))
        else { throw corrupt("missing or invalid required column") }
        var cost: LedgerRecord.Cost?
        if let total = s.int64(23) {
            func amount(_ column: Int32) -> USDAmount { USDAmount(picodollars: s.int64(column) ?? 0) }
            cost = LedgerRecord.Cost(input: amount(18), cacheWrite5m: amount(19), cacheWrite1h: amount(20),
                                     cacheRead: amount(21), output: amount(22), total: USDAmount(picodollars: total))
        }
        var metadata: [String: String]
        var flags: [String]?
        var levers: (trimmed: Int?, preflight: Int?) = (nil, nil)
        var caching: CachingColumns?
        var serverTools: ServerToolColumns?
        do {
            metadata = try JSONDecoder().decode([String: String].self, from: Data((s.string(30) ?? "{}").utf8))
            if let text = metadata.removeValue(forKey: flagsKey) {
                flags = try JSONDecoder().decode([String].self, from: Data(text.utf8))
            }
            levers = try takeLeverFields(from: &metadata)
            caching = try takeCaching(from: &metadata)
            serverTools = try takeServerTools(from: &metadata)
        } catch {
            throw corrupt("metadata is not a JSON object of strings (with a JSON array under '\(flagsKey)')")
        }
        var record = LedgerRecord(
            id: id, requestID: requestID, attempt: attempt, parentID: s.string(4), task: s.string(5),
            variant: s.string(6), policyName: s.string(7), policyHash: s.string(8), tier: s.string(9), model: model,
            reason: s.string(11), score: s.double(12),
            usage: TokenUsage(input: s.int(13) ?? 0, output: s.int(14) ?? 0, cacheWrite5m: s.int(15) ?? 0,
                              cacheWrite1h: s.int(16) ?? 0, cacheRead: s.int(17) ?? 0),
            cost: cost, baselineModel: s.string(24), baselineCost: s.int64(25).map(USDAmount.init(picodollars:)),
            latencyMs: s.int(26) ?? 0, outcome: outcome, stream: (s.int(29) ?? 0) != 0, metadata: metadata,
            promptText: s.string(31), responseText: s.string(32), flags: flags)
        record.time = LedgerRecord.microsecondDate(time)
        record.trimmedInputTokens = levers.trimmed
        record.preflightInputTokens = levers.preflight
        caching?.apply(to: &record)
        serverTools?.apply(to: &record)
        return record
    }

    /// The SELECT for a query and its bound parameters (text or integer).
    static func selectSQL(for query: LedgerQuery) -> (sql: String, bindings: [Binding]) {
        var conditions: [String] = []
        var bindings: [Binding] = []
        if let since = query.since {
            conditions.append("time_us >= ?")
            bindings.append(.integer(LedgerRecord.microseconds(of: since)))
        }
        if let until = query.until {
            conditions.append("time_us < ?")
            bindings.append(.integer(LedgerRecord.microseconds(of: until)))
        }
        for (column, value) in [("task", query.task), ("model", query.model), ("variant", query.variant)] {
            if let value {
                conditions.append("\(column) = ?")
                bindings.append(.text(value))
            }
        }
        let direction = query.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM ledger"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY time_us \(direction), rowid \(direction)"
        if let limit = query.limit {
            sql += " LIMIT ?"
            bindings.append(.integer(Int64(max(0, limit))))
        }
        return (sql, bindings)
    }

    enum Binding {
        case integer(Int64)
        case text(String)
    }
}
