import Foundation
import RouterPolicies

/// Per-budget spend read so far from the ledger, in the periods it was read for.
struct SpendCache {
    /// Each rule's period start when the sums were read; `nil` before the first read.
    var periodStarts: [Date?]?
    /// The last ledger rowid counted.
    var lastRowID: Int64 = 0
    /// Picodollars per budget.
    var spent: [BudgetBucketID: Int64] = [:]
    /// Budgets whose soft limit this process has seen reached in the current period.
    var softReached: Set<BudgetBucketID> = []
}

/// The queue-confined work of ``SQLiteBudgetStore`` (every method here runs on its queue).
extension SQLiteBudgetStore {
    /// Run by the ledger inside the transaction that inserts `record`: the attempt's reservation
    /// (same id) ends, and an unpriced attempt keeps its reserved worst case as its budget charge,
    /// so a budget is never under-counted.
    static func settle(reservationOf record: LedgerRecord, in db: SQLiteConnection) throws(LedgerError) {
        if record.cost == nil {
            let charge = try db.statement("""
                UPDATE ledger SET budget_charge = (SELECT MAX(amount) FROM budget_reservations WHERE id = ?1)
                WHERE id = ?1
                """)
            charge.bind(record.id, at: 1)
            try charge.run()
        }
        let delete = try db.statement("DELETE FROM budget_reservations WHERE id = ?1")
        delete.bind(record.id, at: 1)
        try delete.run()
    }

    func reserveOnQueue(_ ids: [BudgetBucketID], amount: USDAmount, id: String) throws {
        let now = clock()
        let nowUS = LedgerRecord.microseconds(of: now)
        try connection.execute("BEGIN IMMEDIATE")
        var events: [BudgetSoftLimitEvent] = []
        defer { deliver(events) }
        do {
            let expired = try connection.statement("DELETE FROM budget_reservations WHERE expires_us < ?1")
            expired.bind(nowUS, at: 1)
            try expired.run()
            events = try refresh(at: now)
            for bucket in ids {
                let rule = rules[bucket.rule]
                let spent = USDAmount(picodollars: cache.spent[bucket, default: 0])
                let reserved = try reservedAmount(layout.sharedName(bucket))
                if BudgetBuckets.exceeds(rule, spent: spent, reserved: reserved, requested: amount) {
                    throw BudgetError(code: .hardLimitExceeded, ruleName: rule.name, scopeKey: bucket.key,
                                      limit: rule.hardLimit, spent: spent, reserved: reserved, requested: amount,
                                      downgradeAllowed: rule.onHardLimit == .downgrade)
                }
            }
            let expiresUS = nowUS &+ Int64(reservationExpiry.whole(.microseconds(1)))
            let insert = try connection.statement("""
                INSERT INTO budget_reservations (id, budget, amount, created_us, expires_us, pid)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id, budget) DO NOTHING
                """)
            for bucket in ids {
                insert.bind(id, at: 1)
                insert.bind(layout.sharedName(bucket), at: 2)
                insert.bind(amount.picodollars, at: 3)
                insert.bind(nowUS, at: 4)
                insert.bind(expiresUS, at: 5)
                insert.bind(processID, at: 6)
                try insert.run()
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    func settleOnQueue(_ id: String) throws -> Bool {
        let events = try refresh(at: clock())
        deliver(events)
        return try holds(id) == 0
    }

    func lowerOnQueue(_ id: String, to amount: USDAmount) throws -> Bool {
        let lower = try connection.statement(
            "UPDATE budget_reservations SET amount = ?2 WHERE id = ?1 AND amount > ?2")
        lower.bind(id, at: 1)
        lower.bind(amount.picodollars, at: 2)
        try lower.run()
        return connection.changes > 0
    }

    func releaseOnQueue(_ id: String) throws -> Bool {
        let held = try holds(id)
        let delete = try connection.statement("DELETE FROM budget_reservations WHERE id = ?1")
        delete.bind(id, at: 1)
        try delete.run()
        return held > 0
    }

    func statusOnQueue() throws -> [BudgetStatus] {
        let now = clock()
        // One read transaction: the sums and the reservations are of the same moment.
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        deliver(try refresh(at: now))
        var reserved: [BudgetBucketID: Int64] = [:]
        let statement = try connection.statement(
            "SELECT budget, SUM(amount) FROM budget_reservations WHERE expires_us >= ?1 GROUP BY budget")
        statement.bind(LedgerRecord.microseconds(of: now), at: 1)
        while try statement.step() {
            guard let name = statement.string(0), let bucket = bucketID(sharedName: name) else { continue }
            reserved[bucket, default: 0] += statement.int64(1) ?? 0
        }
        statement.reset()
        let starts = cache.periodStarts ?? []
        let ids = Set(cache.spent.keys).union(reserved.keys).union(layout.unkeyed)
        return ids.sorted { ($0.rule, $0.key ?? "") < ($1.rule, $1.key ?? "") }.map { bucket in
            let rule = rules[bucket.rule]
            return BudgetStatus(
                ruleName: rule.name, scopeKey: bucket.key, period: rule.period,
                periodStart: bucket.rule < starts.count ? starts[bucket.rule] : nil,
                spent: USDAmount(picodollars: cache.spent[bucket, default: 0]),
                reserved: USDAmount(picodollars: reserved[bucket, default: 0]),
                softLimit: rule.softLimit, hardLimit: rule.hardLimit,
                softLimitReached: cache.softReached.contains(bucket))
        }
    }

    // MARK: - Spend

    /// Brings the per-budget sums up to the ledger's last row; re-reads the current periods when
    /// one rolled over (or the table's rowids went back, e.g. after a VACUUM). Returns the
    /// soft limits first reached by rows read incrementally (the first read of a period only
    /// marks them, as seeding from a ledger does).
    func refresh(at now: Date) throws -> [BudgetSoftLimitEvent] {
        let starts = rules.map { layout.periodStart($0.period, at: now) }
        let maxRowID = try connection.integer("SELECT COALESCE(MAX(rowid), 0) FROM ledger")
        var incremental = true
        if cache.periodStarts != starts || maxRowID < cache.lastRowID {
            cache = SpendCache(periodStarts: starts)
            incremental = false
        }
        let since = layout.earliestPeriodStart(at: now).map(LedgerRecord.microseconds(of:)) ?? Int64.min
        let rows = try connection.statement("""
            SELECT rowid, time_us, task, metadata, COALESCE(budget_charge, cost_total) FROM ledger
            WHERE rowid > ?1 AND time_us >= ?2 ORDER BY rowid
            """)
        rows.bind(cache.lastRowID, at: 1)
        rows.bind(since, at: 2)
        defer { rows.reset() }
        var touched = Set<BudgetBucketID>()
        let decoder = JSONDecoder()
        while try rows.step() {
            cache.lastRowID = max(cache.lastRowID, rows.int64(0) ?? 0)
            guard let charge = rows.int64(4), charge > 0 else { continue }
            let time = rows.int64(1) ?? 0
            var metadata: [String: String] = [:]
            if layout.usesMetadata, let text = rows.string(3) {
                metadata = (try? decoder.decode([String: String].self, from: Data(text.utf8))) ?? [:]
            }
            for bucket in layout.applicable(task: rows.string(2), metadata: metadata) {
                if let start = starts[bucket.rule], time < LedgerRecord.microseconds(of: start) { continue }
                cache.spent[bucket, default: 0] &+= charge
                touched.insert(bucket)
            }
        }
        var events: [BudgetSoftLimitEvent] = []
        for bucket in touched.sorted(by: { ($0.rule, $0.key ?? "") < ($1.rule, $1.key ?? "") }) {
            let rule = rules[bucket.rule]
            guard let soft = rule.softLimit, !cache.softReached.contains(bucket),
                  cache.spent[bucket, default: 0] >= soft.picodollars else { continue }
            cache.softReached.insert(bucket)
            if incremental {
                events.append(BudgetSoftLimitEvent(rule: rule, scopeKey: bucket.key,
                                                   spent: USDAmount(picodollars: cache.spent[bucket, default: 0]),
                                                   periodStart: starts[bucket.rule]))
            }
        }
        return events
    }

    // MARK: - Private

    private func reservedAmount(_ sharedName: String) throws -> USDAmount {
        let statement = try connection.statement(
            "SELECT COALESCE(SUM(amount), 0) FROM budget_reservations WHERE budget = ?1")
        statement.bind(sharedName, at: 1)
        defer { statement.reset() }
        _ = try statement.step()
        return USDAmount(picodollars: statement.int64(0) ?? 0)
    }

    private func holds(_ id: String) throws -> Int64 {
        let statement = try connection.statement("SELECT COUNT(*) FROM budget_reservations WHERE id = ?1")
        statement.bind(id, at: 1)
        defer { statement.reset() }
        _ = try statement.step()
        return statement.int64(0) ?? 0
    }

    /// The budget a shared name stands for under this store's rules (`nil`: another policy's rule).
    private func bucketID(sharedName: String) -> BudgetBucketID? {
        let parts = sharedName.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
        guard let index = rules.firstIndex(where: { $0.name == parts[0] }) else { return nil }
        return BudgetBucketID(rule: index, key: parts.count > 1 ? String(parts[1]) : nil)
    }

    private func deliver(_ events: [BudgetSoftLimitEvent]) {
        guard let onSoftLimit else { return }
        events.forEach(onSoftLimit)
    }
}
