public import Foundation
import Logging
import PostgresNIO
public import Router
public import RouterPolicies

/// A ``BudgetStore`` in the PostgreSQL ledger's database, so its hard limits hold across every
/// process on every host that uses the database: N gateways on M hosts never overspend.
///
/// - State: one `budget_spend` row per (budget, period key) — `YYYY-MM-DD`, `YYYY-MM` or `total`
///   — with the settled `spent` and the `reserved` total of calls in flight; one
///   `budget_reservations` row per (call, budget) with its amount and expiry.
/// - Reserve: per applicable budget, ONE conditional upsert
///   (`… DO UPDATE SET reserved = reserved + amount WHERE spent + reserved + amount <= hard limit`):
///   PostgreSQL re-checks the condition on the row's latest version under its row lock, so two
///   processes can never both take the last of a budget. Several budgets are taken in one
///   transaction, in a fixed order (no deadlock between reservers): all of them or none.
/// - Spend: EVERY ledger row counts, reserved or not (batch results recorded by another
///   process, records written before the budget existed): the rules are registered in the
///   database (`budget_rules`, summed from the ledger when new or changed) and each ledger
///   INSERT adds its row's charge to the `spent` of every rule whose scope and period it falls
///   in, in the same statement (``PostgresLedger``). So `spent` is the ledger's sum in scope and
///   period, exactly, as for ``SQLiteBudgetStore``.
/// - Settle: the attempt's ledger INSERT (its id is the reservation id) also deletes the
///   reservation and moves its amount out of `reserved`, in that same statement.
/// - Expiry: a reservation not settled ``reservationExpiry`` after it was taken (its process was
///   `kill -9`ed) is marked expired and stops counting; if its attempt is recorded later after
///   all, the cost is still counted in full.
/// - Soft limits warn once per budget and period across the fleet (a flag on the period's row:
///   the first process that sees the crossing delivers the event).
/// - The database unreachable: every call throws ``LedgerError`` `database_unavailable` within
///   the ledger's operation timeout — budgets fail closed, no call is sent unreserved.
public final class PostgresBudgetStore: BudgetStore {
    /// The default reservation expiry: 10 minutes, longer than any call the client allows.
    public static let defaultExpiry: Duration = .seconds(600)

    /// The rules, in policy order.
    public let rules: [BudgetRule]
    /// After this a reservation that was neither settled nor released stops counting.
    public let reservationExpiry: Duration
    let layout: BudgetBuckets
    let store: PostgresStore
    let clock: @Sendable () -> Date
    let onSoftLimit: (@Sendable (BudgetSoftLimitEvent) -> Void)?
    let host = ProcessInfo.processInfo.hostName
    let registration = PostgresRuleRegistration()
    let processID = Int64(ProcessInfo.processInfo.processIdentifier)

    /// The budgets of `rules` in `ledger`'s database (the ledger opened and migrated it).
    /// - Parameters:
    ///   - reservationExpiry: default ``defaultExpiry``; must exceed the longest call.
    ///   - clock: the current time for periods and expiry; default `Date()`.
    ///   - onSoftLimit: called when this process is the first of the fleet to see a soft limit reached.
    public init(ledger: PostgresLedger, rules: [BudgetRule], reservationExpiry: Duration = defaultExpiry,
                clock: @escaping @Sendable () -> Date = { Date() },
                onSoftLimit: (@Sendable (BudgetSoftLimitEvent) -> Void)? = nil) {
        self.rules = rules
        self.reservationExpiry = reservationExpiry
        self.layout = BudgetBuckets(rules: rules)
        self.store = ledger.store
        self.clock = clock
        self.onSoftLimit = onSoftLimit
    }

    /// Reserves `estimatedWorstCase` (picodollars, exact) against every applicable budget, all or none.
    /// - Throws: ``BudgetError`` (`hard_limit_exceeded` naming the first budget in policy order
    ///   that is full, with its spent and reserved amounts; `invalid_amount`); ``LedgerError``
    ///   (`database_unavailable`: fail closed; `postgres`).
    public func reserve(estimatedWorstCase: USDAmount, task: String?, metadata: [String: String], id: String)
        async throws -> BudgetReservation {
        guard estimatedWorstCase >= .zero else {
            throw BudgetError(code: .invalidAmount, ruleName: "", limit: .zero, spent: .zero, reserved: .zero,
                              requested: estimatedWorstCase, downgradeAllowed: false)
        }
        let ids = layout.applicable(task: task, metadata: metadata)
        let reservation = BudgetReservation(id: id, amount: estimatedWorstCase, ruleNames: ids.map { self.rules[$0.rule].name })
        guard !ids.isEmpty else { return reservation }
        let now = clock()
        let nowUS = LedgerRecord.microseconds(of: now)
        let expiresUS = nowUS &+ Int64(reservationExpiry.components.seconds * 1_000_000
            + reservationExpiry.components.attoseconds / 1_000_000_000_000)
        try await ensureRegistered()
        let holds = ids.map { bucket in
            Hold(bucket: bucket, budget: layout.sharedName(bucket), period: self.rules[bucket.rule].period.rawValue,
                 key: periodKey(self.rules[bucket.rule].period, at: now), limit: self.rules[bucket.rule].hardLimit.picodollars)
        }
        try await sweepExpired(nowUS: nowUS)
        let amount = estimatedWorstCase.picodollars
        let (host, pid, logger) = (self.host, processID, store.logger)
        var attempt = 0
        while true {
            do {
                try await store.run("reserving a budget") { client in
                    try await client.withTransaction(logger: logger) { connection in
                        // The reservation rows first: they contend with nobody, so each budget row
                        // below is locked only from its conditional update to the COMMIT.
                        var bindings = PostgresBindings()
                        var rows: [String] = []
                        for hold in holds {
                            let base = bindings.count
                            bindings.append(id)
                            bindings.append(hold.budget)
                            bindings.append(hold.period)
                            bindings.append(hold.key)
                            rows.append("($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $\(base + 5)::bigint, "
                                + "$\(base + 6)::bigint, $\(base + 7)::bigint, $\(base + 8), $\(base + 9)::bigint)")
                            bindings.append(amount)
                            bindings.append(nowUS)
                            bindings.append(expiresUS)
                            bindings.append(host)
                            bindings.append(pid)
                        }
                        try await connection.query(PostgresQuery(unsafeSQL: """
                            INSERT INTO budget_reservations (id, budget, period, period_key, amount, created_us, expires_us, host, pid)
                            VALUES \(rows.joined(separator: ", "))
                            ON CONFLICT (id, budget) DO UPDATE SET amount = budget_reservations.amount + EXCLUDED.amount
                            """, binds: bindings), logger: logger)
                        // A fixed order: two reservers of the same budgets never wait on each other in a cycle.
                        for hold in holds.sorted(by: { ($0.budget, $0.key) < ($1.budget, $1.key) }) {
                            let taken = try await connection.query("""
                                INSERT INTO budget_spend (budget, period_key, spent, reserved)
                                SELECT \(hold.budget), \(hold.key), 0, \(amount) WHERE \(amount) <= \(hold.limit)
                                ON CONFLICT (budget, period_key) DO UPDATE
                                SET reserved = budget_spend.reserved + EXCLUDED.reserved
                                WHERE budget_spend.spent::numeric + budget_spend.reserved + EXCLUDED.reserved <= \(hold.limit)
                                RETURNING 1
                                """, logger: logger)
                            var granted = false
                            for try await _ in taken { granted = true }
                            if !granted { throw Refused() }
                        }
                    }
                }
                return reservation
            } catch is Refused {
                // Name the first full budget in policy order, with the amounts of this moment.
                let states = try await read(holds)
                for hold in holds {
                    let rule = rules[hold.bucket.rule]
                    let (spent, reserved) = states[hold.budget] ?? (0, 0)
                    if BudgetBuckets.exceeds(rule, spent: USDAmount(picodollars: spent),
                                             reserved: USDAmount(picodollars: reserved), requested: estimatedWorstCase) {
                        throw BudgetError(code: .hardLimitExceeded, ruleName: rule.name, scopeKey: hold.bucket.key,
                                          limit: rule.hardLimit, spent: USDAmount(picodollars: spent),
                                          reserved: USDAmount(picodollars: reserved), requested: estimatedWorstCase,
                                          downgradeAllowed: rule.onHardLimit == .downgrade)
                    }
                }
                // Room appeared between the refusal and the read: try again.
                attempt += 1
                if attempt > 8 { throw refusal(holds[0], estimatedWorstCase) }
            } catch let error as LedgerError {
                // A timeout cannot tell whether the server committed after the client gave up:
                // give back whatever may be held (release is idempotent), then fail closed.
                _ = try? await release(reservation)
                throw error
            }
        }
    }

    /// The ledger row already settled the reservation in its own statement; this delivers soft
    /// limits reached and returns whether the reservation is gone (`false`: its ledger write is
    /// still queued, batched durability, and the worst case stays held until it is written).
    /// - Throws: ``LedgerError`` (`database_unavailable`, `postgres`).
    @discardableResult
    public func settle(_ reservation: BudgetReservation, actualCost: USDAmount) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return true }
        let logger = store.logger
        let id = reservation.id
        let open = try await store.run("settling a budget") { client in
            var count: Int64 = 0
            for try await held in try await client.query(
                "SELECT COUNT(*) FROM budget_reservations WHERE id = \(id) AND NOT expired", logger: logger)
                .decode(Int64.self) { count = held }
            return count
        }
        try await deliverSoftLimits(ruleNames: reservation.ruleNames)
        return open == 0
    }

    /// Deletes the reservation's rows and gives back what they held (the call cost nothing),
    /// in one statement. Returns whether it still held anything.
    /// - Throws: ``LedgerError``.
    @discardableResult
    public func release(_ reservation: BudgetReservation) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return false }
        let logger = store.logger
        let id = reservation.id
        return try await store.run("releasing a budget reservation") { client in
            var released: Int64 = 0
            for try await count in try await client.query("""
                WITH d AS (
                    DELETE FROM budget_reservations WHERE id = \(id) RETURNING budget, period_key, amount, expired
                ), u AS (
                    UPDATE budget_spend s SET reserved = s.reserved - d.amount FROM d
                    WHERE NOT d.expired AND s.budget = d.budget AND s.period_key = d.period_key RETURNING 1
                )
                SELECT COUNT(*) FROM d WHERE NOT expired
                """, logger: logger).decode(Int64.self) { released = count }
            return released > 0
        }
    }

    /// Lowers the reservation's rows to `amount` where they hold more, giving the difference
    /// back, in one statement. Returns whether anything was lowered.
    /// - Throws: ``LedgerError``.
    @discardableResult
    public func lower(_ reservation: BudgetReservation, to amount: USDAmount) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return false }
        let logger = store.logger
        let id = reservation.id
        let target = max(.zero, amount).picodollars
        return try await store.run("lowering a budget reservation") { client in
            var lowered: Int64 = 0
            for try await count in try await client.query("""
                WITH o AS (
                    SELECT id, budget, period_key, amount FROM budget_reservations
                    WHERE id = \(id) AND amount > \(target) AND NOT expired FOR UPDATE
                ), l AS (
                    UPDATE budget_reservations b SET amount = \(target) FROM o
                    WHERE b.id = o.id AND b.budget = o.budget RETURNING o.budget, o.period_key, o.amount - \(target) AS delta
                ), u AS (
                    UPDATE budget_spend s SET reserved = s.reserved - l.delta FROM l
                    WHERE s.budget = l.budget AND s.period_key = l.period_key RETURNING 1
                )
                SELECT COUNT(*) FROM l
                """, logger: logger).decode(Int64.self) { lowered = count }
            return lowered > 0
        }
    }

    /// Spent and reserved per budget in the current periods (expired reservations swept first).
    /// - Throws: ``LedgerError``.
    public func status() async throws -> [BudgetStatus] {
        let now = clock()
        try await ensureRegistered()
        try await sweepExpired(nowUS: LedgerRecord.microseconds(of: now))
        let keys = Array(Set(rules.map { periodKey($0.period, at: now) }))
        let logger = store.logger
        let rows = try await store.run("reading budgets") { client in
            var rows: [(String, String, Int64, Int64, Bool)] = []
            for try await row in try await client.query(
                "SELECT budget, period_key, spent, reserved, soft_warned FROM budget_spend WHERE period_key = ANY(\(keys))",
                logger: logger).decode((String, String, Int64, Int64, Bool).self) { rows.append(row) }
            return rows
        }
        var found: [BudgetBucketID: (spent: Int64, reserved: Int64, warned: Bool)] = [:]
        for (budget, key, spent, reserved, warned) in rows {
            guard let bucket = bucketID(sharedName: budget), periodKey(rules[bucket.rule].period, at: now) == key
            else { continue }
            found[bucket] = (spent, reserved, warned)
        }
        let ids = Set(found.keys).union(layout.unkeyed)
        return ids.sorted { ($0.rule, $0.key ?? "") < ($1.rule, $1.key ?? "") }.map { bucket in
            let rule = rules[bucket.rule]
            let state = found[bucket] ?? (0, 0, false)
            return BudgetStatus(
                ruleName: rule.name, scopeKey: bucket.key, period: rule.period,
                periodStart: layout.periodStart(rule.period, at: now), spent: USDAmount(picodollars: state.spent),
                reserved: USDAmount(picodollars: state.reserved), softLimit: rule.softLimit, hardLimit: rule.hardLimit,
                softLimitReached: state.warned || rule.softLimit.map { state.spent >= $0.picodollars } == true)
        }
    }

    /// Nothing to do: the spend lives in the database.
    public func restore(from ledger: any CostLedger) async throws {}

    /// Registers the rules in the database the first time this store needs them (a new or
    /// changed rule's spend is summed from the ledger then).
    /// - Throws: ``LedgerError``.
    func ensureRegistered() async throws {
        let (rules, store) = (self.rules, self.store)
        try await registration.ensure { try await PostgresBudgetRules.register(rules, in: store) }
    }
}
