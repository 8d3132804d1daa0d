import Foundation
import Logging
import PostgresNIO
public import Router
import RouterPolicies

extension PostgresBudgetStore {
    /// One budget a reservation takes: its shared name, period and period key, and hard limit.
    struct Hold: Sendable {
        var bucket: BudgetBucketID
        var budget: String
        var period: String
        var key: String
        var limit: Int64
    }

    /// Thrown inside the reserve transaction to roll it back when a budget is full.
    struct Refused: PostgresStore.PassThrough {}

    /// The key of the period containing `date`: `YYYY-MM-DD` (UTC day), `YYYY-MM` (UTC month) or
    /// `total` — the same text the ledger's settling statement computes from a record's time.
    func periodKey(_ period: BudgetRule.Period, at date: Date) -> String {
        guard let start = layout.periodStart(period, at: date) else { return "total" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: start)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let month = pad(parts.year, 4) + "-" + pad(parts.month, 2)
        return period == .month ? month : month + "-" + pad(parts.day, 2)
    }

    /// Marks reservations past their expiry as expired and gives back what they held, in one
    /// statement (a reservation is returned by exactly one sweeper: the UPDATE re-checks
    /// `NOT expired` under the row lock).
    func sweepExpired(nowUS: Int64) async throws {
        let logger = store.logger
        try await store.run("expiring budget reservations") { client in
            _ = try await client.query("""
                WITH e AS (
                    UPDATE budget_reservations SET expired = TRUE WHERE NOT expired AND expires_us < \(nowUS)
                    RETURNING budget, period_key, amount
                ), g AS (
                    SELECT budget, period_key, SUM(amount)::bigint AS total FROM e GROUP BY budget, period_key
                )
                UPDATE budget_spend s SET reserved = s.reserved - g.total FROM g
                WHERE s.budget = g.budget AND s.period_key = g.period_key
                """, logger: logger)
        }
    }

    /// Spent and reserved of the holds' rows now, by shared budget name.
    func read(_ holds: [Hold]) async throws -> [String: (Int64, Int64)] {
        let logger = store.logger
        let budgets = holds.map(\.budget), keys = holds.map(\.key)
        return try await store.run("reading budgets") { client in
            var result: [String: (Int64, Int64)] = [:]
            for try await (budget, key, spent, reserved) in try await client.query("""
                SELECT s.budget, s.period_key, s.spent, s.reserved FROM budget_spend s
                JOIN unnest(\(budgets)::text[], \(keys)::text[]) AS h(budget, period_key)
                  ON s.budget = h.budget AND s.period_key = h.period_key
                """, logger: logger).decode((String, String, Int64, Int64).self) {
                _ = key
                result[budget] = (spent, reserved)
            }
            return result
        }
    }

    /// The refusal of `hold` without fresh amounts (after repeated races for its last room).
    func refusal(_ hold: Hold, _ requested: USDAmount) -> BudgetError {
        let rule = rules[hold.bucket.rule]
        return BudgetError(code: .hardLimitExceeded, ruleName: rule.name, scopeKey: hold.bucket.key,
                           limit: rule.hardLimit, spent: .zero, reserved: rule.hardLimit, requested: requested,
                           downgradeAllowed: rule.onHardLimit == .downgrade)
    }

    /// Flags every budget of `ruleNames` whose spend reached its soft limit in the current
    /// period and was not yet flagged, and delivers one event per flagged budget: the flag is
    /// set by exactly one process of the fleet (the UPDATE re-checks `NOT soft_warned`).
    func deliverSoftLimits(ruleNames: [String]) async throws {
        let now = clock()
        let soft = rules.filter { ruleNames.contains($0.name) && $0.softLimit != nil }
        guard !soft.isEmpty else { return }
        let logger = store.logger
        for rule in soft {
            guard let limit = rule.softLimit?.picodollars else { continue }
            let key = periodKey(rule.period, at: now)
            let name = rule.name
            let reached = try await store.run("checking a soft limit") { client in
                var rows: [(String, Int64)] = []
                for try await row in try await client.query("""
                    UPDATE budget_spend SET soft_warned = TRUE
                    WHERE NOT soft_warned AND period_key = \(key) AND spent >= \(limit)
                      AND (budget = \(name) OR starts_with(budget, \(name + "\u{1F}")))
                    RETURNING budget, spent
                    """, logger: logger).decode((String, Int64).self) { rows.append(row) }
                return rows
            }
            guard let onSoftLimit else { continue }
            for (budget, spent) in reached {
                guard let bucket = bucketID(sharedName: budget) else { continue }
                onSoftLimit(BudgetSoftLimitEvent(rule: rule, scopeKey: bucket.key, spent: USDAmount(picodollars: spent),
                                                 periodStart: layout.periodStart(rule.period, at: now)))
            }
        }
    }

    /// The budget a shared name stands for under this store's rules (`nil`: another policy's rule).
    func bucketID(sharedName: String) -> BudgetBucketID? {
        let parts = sharedName.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
        guard let index = rules.firstIndex(where: { $0.name == parts[0] }) else { return nil }
        let key = parts.count > 1 ? String(parts[1]) : nil
        return layout.applicableID(rule: index, key: key)
    }
}

extension BudgetStoreFactory {
    /// Budgets in the PostgreSQL ledger's database (``PostgresBudgetStore``): shared by every
    /// process on every host that uses the database. Pass it as `ModelRouter.Options.budgetStore`
    /// when the router's ledger is a ``PostgresLedger``.
    /// - Parameters:
    ///   - ledger: the ledger whose database holds the budgets and whose records settle them.
    ///   - reservationExpiry: after this a reservation no participant settled stops counting
    ///     (its process was killed); must exceed the longest call. Default 10 minutes.
    public static func postgres(_ ledger: PostgresLedger,
                                reservationExpiry: Duration = PostgresBudgetStore.defaultExpiry) -> BudgetStoreFactory {
        BudgetStoreFactory { context in
            PostgresBudgetStore(ledger: ledger, rules: context.rules, reservationExpiry: reservationExpiry,
                                clock: context.clock, onSoftLimit: context.onSoftLimit)
        }
    }
}
