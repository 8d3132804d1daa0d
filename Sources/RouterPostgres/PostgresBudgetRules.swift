import Foundation
import Logging
import PostgresNIO
import Router
import RouterPolicies

/// Budget rules as the database knows them (`budget_rules`), so that EVERY ledger row counts
/// against the budgets whose scope and period it falls in — not only rows written through a
/// reservation. Batch results recorded by a later process, a record from another code path, or
/// records written before the budget existed are spend too (as they are for the SQLite store,
/// which reads its spend from the ledger).
///
/// - The ledger's INSERT (``PostgresLedgerColumns/insertSQL(count:unpriced:)``) adds each NEW
///   row's charge to the `budget_spend` row of every registered rule it matches, in the same
///   statement (a duplicate id inserts nothing, so counts nothing).
/// - A rule is registered (or re-registered when its scope or period changed) in one
///   transaction that holds `SHARE ROW EXCLUSIVE` on `ledger` — ledger INSERTs wait, and the
///   registration waits for INSERTs in flight — and sets `spent` of the rule's rows to the
///   ledger's sums. Every row is therefore counted exactly once: by the registration's sums
///   (committed before it) or by its own INSERT (which sees the registered rule).
enum PostgresBudgetRules {
    /// A rule's matching definition: `scope` is `global`, `task` (one task, `value` its name),
    /// `each_task` (one budget per task) or `metadata` (one budget per value of the key `value`).
    struct Definition: Sendable, Hashable {
        var name: String
        var scope: String
        var value: String?
        var period: String
    }

    static func definition(of rule: BudgetRule) -> Definition {
        let (scope, value): (String, String?) = switch rule.scope {
        case .global: ("global", nil)
        case .task(.some(let name)): ("task", name)
        case .task(.none): ("each_task", nil)
        case .metadata(let key): ("metadata", key)
        }
        return Definition(name: rule.name, scope: scope, value: value, period: rule.period.rawValue)
    }

    /// The shared budget name (``BudgetBuckets/sharedName(_:)``: the rule's name, plus unit
    /// separator and key for per-key rules) that ledger row `r` counts against under rule `g`
    /// (a `budget_rules` row), or NULL when the row is outside the rule's scope. Mirrors
    /// ``BudgetBuckets/applicable(task:metadata:)``; the metadata JSON is parsed only for
    /// per-metadata rules.
    static func bucketSQL(row r: String, rule g: String) -> String {
        let none = LedgerReport.noValue.replacingOccurrences(of: "'", with: "''")
        return """
            (CASE \(g).scope WHEN 'global' THEN \(g).name
                WHEN 'task' THEN CASE WHEN \(r).task = \(g).scope_value THEN \(g).name END
                WHEN 'each_task' THEN \(g).name || chr(31) || COALESCE(\(r).task, '\(none)')
                WHEN 'metadata' THEN \(g).name || chr(31) || (\(r).metadata::json ->> \(g).scope_value)
            END)
            """
    }

    /// What a ledger row charges its budgets (picodollars): its `cost_total`, or for an unpriced
    /// attempt the worst case its reservation held (`budget_charge`), as the SQLite store reads it.
    static func chargeSQL(row r: String) -> String { "COALESCE(\(r).cost_total, \(r).budget_charge)" }

    /// Registers `rules` unless the database already has exactly these definitions; a new or
    /// changed rule's `spent` is recomputed from the whole ledger, for every key and period.
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`).
    static func register(_ rules: [BudgetRule], in store: PostgresStore) async throws {
        var wanted: [Definition] = []
        for rule in rules where !wanted.contains(where: { $0.name == rule.name }) { wanted.append(definition(of: rule)) }
        guard !wanted.isEmpty else { return }
        let logger = store.logger
        let names = wanted.map(\.name)
        let known = try await store.run("reading budget rules") { client in
            var known: Set<Definition> = []
            for try await (name, scope, value, period) in try await client.query(
                "SELECT name, scope, scope_value, period FROM budget_rules WHERE name = ANY(\(names))",
                logger: logger).decode((String, String, String?, String).self) {
                known.insert(Definition(name: name, scope: scope, value: value, period: period))
            }
            return known
        }
        let stale = wanted.filter { !known.contains($0) }
        guard !stale.isEmpty else { return }
        let nowUS = LedgerRecord.microseconds(of: Date())
        // Summing a large ledger takes longer than one ordinary operation may.
        try await store.run("registering budget rules", timeout: max(store.operationTimeout, .seconds(120))) { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("LOCK TABLE ledger IN SHARE ROW EXCLUSIVE MODE", logger: logger)
                for rule in stale {
                    let (name, scope, value, period) = (rule.name, rule.scope, rule.value, rule.period)
                    try await connection.query("""
                        INSERT INTO budget_rules (name, scope, scope_value, period, registered_us)
                        VALUES (\(name), \(scope), \(value), \(period), \(nowUS))
                        ON CONFLICT (name) DO UPDATE SET scope = EXCLUDED.scope, scope_value = EXCLUDED.scope_value,
                            period = EXCLUDED.period, registered_us = EXCLUDED.registered_us
                        """, logger: logger)
                    try await connection.query("""
                        UPDATE budget_spend SET spent = 0
                        WHERE budget = \(name) OR starts_with(budget, \(name + "\u{1F}"))
                        """, logger: logger)
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        INSERT INTO budget_spend (budget, period_key, spent)
                        SELECT m.budget, m.key, SUM(m.charge)::bigint FROM (
                            SELECT \(bucketSQL(row: "l", rule: "g")) AS budget,
                                   \(PostgresLedgerColumns.periodKeySQL(period: "g.period", timeUS: "l.time_us")) AS key,
                                   \(chargeSQL(row: "l")) AS charge
                            FROM ledger l CROSS JOIN budget_rules g
                            WHERE g.name = $1 AND \(chargeSQL(row: "l")) > 0
                        ) m
                        WHERE m.budget IS NOT NULL
                        GROUP BY m.budget, m.key ORDER BY m.budget, m.key
                        ON CONFLICT (budget, period_key) DO UPDATE SET spent = EXCLUDED.spent
                        """, binds: { var b = PostgresBindings(); b.append(name); return b }()), logger: logger)
                }
            }
        }
        logger.info("budget rules registered; their spend was summed from the ledger",
                    metadata: ["rules": "\(stale.map(\.name).joined(separator: ", "))"])
    }
}

/// Registers a store's rules once (the first budget operation does it; a failure is retried by
/// the next operation).
actor PostgresRuleRegistration {
    private var done = false
    private var running: Task<Void, any Error>?

    func ensure(_ register: @escaping @Sendable () async throws -> Void) async throws {
        if done { return }
        if let running {
            try await running.value
            return
        }
        let task = Task { try await register() }
        running = task
        do {
            try await task.value
            done = true
        } catch {
            running = nil
            throw error
        }
    }
}
