public import Foundation
public import RouterPolicies

/// The in-memory ``BudgetStore``: a call reserves its worst-case cost against every applicable
/// rule before it is sent, and settles with the actual cost (or releases) afterwards, so
/// concurrent calls of one process can never overspend a hard limit.
///
/// Its state lives in this process only: other processes (and other routers) using the same
/// ledger do not see its reservations. Use ``SQLiteBudgetStore`` for limits that hold across
/// processes. Periods are UTC calendar days and months (`total` never resets); time comes from
/// the injected clock. An actor: `reserve` checks and reserves in one step, with no suspension
/// in between, so the check-then-reserve race cannot happen.
public actor BudgetGuard: BudgetStore {
    /// Called (on the guard's executor; keep it short) when a soft limit is first reached in a period.
    package typealias SoftLimitHandler = @Sendable (BudgetSoftLimitEvent) -> Void

    private typealias BucketID = BudgetBucketID

    private struct Bucket {
        var periodStart: Date?
        var spent = USDAmount.zero
        var reserved = USDAmount.zero
        var softLimitReached = false
    }

    /// The rules, in policy order.
    public nonisolated let rules: [BudgetRule]
    private let clock: @Sendable () -> Date
    private let onSoftLimit: SoftLimitHandler?
    private let layout: BudgetBuckets
    private var buckets: [BucketID: Bucket] = [:]
    private var open: [String: [(BucketID, USDAmount)]] = [:]

    /// A guard for `rules`.
    /// - Parameters:
    ///   - clock: the current time; default `Date()`. Inject one to test period rollover.
    ///   - onSoftLimit: called once per rule, key and period when spend reaches a soft limit.
    package init(rules: [BudgetRule], clock: @escaping @Sendable () -> Date = { Date() },
                onSoftLimit: SoftLimitHandler? = nil) {
        self.rules = rules
        self.clock = clock
        self.onSoftLimit = onSoftLimit
        self.layout = BudgetBuckets(rules: rules)
    }

    /// Reserves `estimatedWorstCase` against every rule that applies to a call with this task and
    /// metadata — all of them or none. Throws the first rule (in policy order) that would exceed
    /// its hard limit; the error says whether that rule allows a downgrade.
    public func reserve(estimatedWorstCase: USDAmount, task: String?, metadata: [String: String],
                        id: String = UUID().uuidString) throws(BudgetError) -> BudgetReservation {
        guard estimatedWorstCase >= .zero else {
            throw BudgetError(code: .invalidAmount, ruleName: "", limit: .zero, spent: .zero, reserved: .zero,
                              requested: estimatedWorstCase, downgradeAllowed: false)
        }
        let now = clock()
        let ids = applicableBuckets(task: task, metadata: metadata)
        for id in ids {
            let bucket = currentBucket(id, at: now)
            let rule = rules[id.rule]
            if BudgetBuckets.exceeds(rule, spent: bucket.spent, reserved: bucket.reserved,
                                     requested: estimatedWorstCase) {
                throw BudgetError(code: .hardLimitExceeded, ruleName: rule.name, scopeKey: id.key, limit: rule.hardLimit,
                                  spent: bucket.spent, reserved: bucket.reserved, requested: estimatedWorstCase,
                                  downgradeAllowed: rule.onHardLimit == .downgrade)
            }
        }
        for id in ids {
            var bucket = currentBucket(id, at: now)
            bucket.reserved += estimatedWorstCase
            buckets[id] = bucket
        }
        open[id] = ids.map { ($0, estimatedWorstCase) }
        return BudgetReservation(id: id, amount: estimatedWorstCase, ruleNames: ids.map { rules[$0.rule].name })
    }

    /// Replaces the reservation with the actual cost (counted in the current period). Returns
    /// `false`, changing nothing, when the reservation was already settled or released.
    /// The actual cost may exceed the reservation (it is what was billed); it is still counted.
    @discardableResult
    public func settle(_ reservation: BudgetReservation, actualCost: USDAmount) -> Bool {
        guard let holds = open.removeValue(forKey: reservation.id) else { return false }
        let now = clock()
        let actual = max(.zero, actualCost)
        var events: [BudgetSoftLimitEvent] = []
        for (id, amount) in holds {
            var bucket = currentBucket(id, at: now)
            bucket.reserved -= amount
            bucket.spent += actual
            let rule = rules[id.rule]
            if let soft = rule.softLimit, !bucket.softLimitReached, bucket.spent >= soft {
                bucket.softLimitReached = true
                events.append(BudgetSoftLimitEvent(rule: rule, scopeKey: id.key, spent: bucket.spent,
                                                   periodStart: bucket.periodStart))
            }
            buckets[id] = bucket
        }
        if let onSoftLimit { events.forEach(onSoftLimit) }
        return true
    }

    /// Gives the reservation back (the call failed before costing anything). Idempotent; returns
    /// `false` when it was already settled or released.
    @discardableResult
    public func release(_ reservation: BudgetReservation) -> Bool {
        guard let holds = open.removeValue(forKey: reservation.id) else { return false }
        let now = clock()
        for (id, amount) in holds {
            var bucket = currentBucket(id, at: now)
            bucket.reserved -= amount
            buckets[id] = bucket
        }
        return true
    }

    /// Lowers an open reservation to `amount` (USD) when that is less than it holds; returns
    /// whether anything was lowered.
    @discardableResult
    public func lower(_ reservation: BudgetReservation, to amount: USDAmount) -> Bool {
        guard let holds = open[reservation.id] else { return false }
        let target = max(.zero, amount)
        let now = clock()
        var lowered = false
        open[reservation.id] = holds.map { id, held in
            guard target < held else { return (id, held) }
            var bucket = currentBucket(id, at: now)
            bucket.reserved -= held - target
            buckets[id] = bucket
            lowered = true
            return (id, target)
        }
        return lowered
    }

    /// Every budget touched so far (plus each unkeyed rule), in the current period.
    public func status() -> [BudgetStatus] {
        let now = clock()
        let ids = Set(buckets.keys).union(layout.unkeyed)
        return ids.sorted { ($0.rule, $0.key ?? "") < ($1.rule, $1.key ?? "") }.map { id in
            let bucket = currentBucket(id, at: now)
            let rule = rules[id.rule]
            return BudgetStatus(ruleName: rule.name, scopeKey: id.key, period: rule.period,
                                periodStart: bucket.periodStart, spent: bucket.spent, reserved: bucket.reserved,
                                softLimit: rule.softLimit, hardLimit: rule.hardLimit,
                                softLimitReached: bucket.softLimitReached)
        }
    }

    /// Counts already-recorded spend of the current periods, so a restart does not reset a
    /// monthly budget. Unpriced records add nothing. A soft limit already reached is marked
    /// reached without calling the handler again.
    package func seed(from records: [LedgerRecord]) {
        let now = clock()
        for record in records {
            guard let cost = record.cost?.total, cost > .zero else { continue }
            for id in applicableBuckets(task: record.task, metadata: record.metadata) {
                var bucket = currentBucket(id, at: now)
                if let start = bucket.periodStart, record.time < start { continue }
                bucket.spent += cost
                if let soft = rules[id.rule].softLimit, bucket.spent >= soft { bucket.softLimitReached = true }
                buckets[id] = bucket
            }
        }
    }

    /// Reads the ledger from the start of the earliest current period and ``seed(from:)``s it.
    package func seed(from ledger: any CostLedger) async throws {
        let since = layout.earliestPeriodStart(at: clock())
        let records = try await ledger.records(LedgerQuery(since: since))
        seed(from: records)
    }

    /// ``seed(from:)``: the spend of a JSON Lines or in-memory ledger, read once.
    public func restore(from ledger: any CostLedger) async throws {
        try await seed(from: ledger)
    }

    /// The start (UTC) of the period containing `date`; `nil` for `total`.
    package nonisolated func periodStart(_ period: BudgetRule.Period, at date: Date) -> Date? {
        layout.periodStart(period, at: date)
    }

    // MARK: - Private

    private func applicableBuckets(task: String?, metadata: [String: String]) -> [BucketID] {
        layout.applicable(task: task, metadata: metadata)
    }

    /// The bucket with its period rolled over if `now` is in a new one. Reservations in flight
    /// stay reserved across a rollover; their cost is counted in the period they settle in.
    private func currentBucket(_ id: BucketID, at now: Date) -> Bucket {
        let start = layout.periodStart(rules[id.rule].period, at: now)
        guard var bucket = buckets[id] else { return Bucket(periodStart: start) }
        if bucket.periodStart != start {
            bucket.periodStart = start
            bucket.spent = .zero
            bucket.softLimitReached = false
        }
        return bucket
    }
}
