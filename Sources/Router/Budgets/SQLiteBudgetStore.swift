import Dispatch
public import Foundation
public import RouterPolicies

/// A ``BudgetStore`` whose state is the SQLite ledger file itself, so its limits hold across
/// every thread and process on the host that uses the file.
///
/// - Spend is what the `ledger` table records in the current period (`cost_total`, or for an
///   unpriced attempt the worst case it had reserved), so every participant starts from the
///   ledger's spend and the ledger's sum is the budgets' accounting by construction.
/// - Reservations are rows of `budget_reservations`. ``reserve(estimatedWorstCase:task:metadata:id:)``
///   checks and inserts them in one `BEGIN IMMEDIATE` transaction (SQLite's write lock), so two
///   processes can never both take the last of a budget. The attempt's ledger row (its id is the
///   reservation id) deletes them in the transaction that inserts it (``SQLiteLedger``), so there
///   is no moment when a call's cost counts twice or not at all.
/// - A reservation expires ``reservationExpiry`` after it was taken: a `kill -9`ed process's
///   holds come back. An attempt that outlives its reservation is still counted in full once its
///   ledger row is written; only other calls admitted meanwhile could then overspend, so the
///   expiry must exceed the longest call (retries and streaming included).
///
/// Spend is read incrementally: each participant keeps per-budget sums and reads only ledger
/// rows added since (by rowid; the ledger never deletes rows), re-reading the current periods
/// when one rolls over. Soft-limit events fire in the process that first observes the crossing
/// (once per process, rule, key and period).
///
/// The connection is confined to a serial queue; SQLite's busy waits block that queue, never
/// Swift's cooperative threads.
public final class SQLiteBudgetStore: BudgetStore, @unchecked Sendable {
    // @unchecked Sendable: `connection` and `cache` are used only on `queue` (serial), or in
    // `init` before `self` is shared; everything else is immutable.

    /// The default ``reservationExpiry``: 10 minutes, longer than any call the client allows
    /// (its default timeout with every retry).
    public static let defaultExpiry: Duration = .seconds(600)

    /// The rules, in policy order.
    public let rules: [BudgetRule]
    /// The ledger file.
    public let path: String
    /// After this a reservation that was neither settled nor released stops counting.
    public let reservationExpiry: Duration

    let layout: BudgetBuckets
    let clock: @Sendable () -> Date
    let onSoftLimit: (@Sendable (BudgetSoftLimitEvent) -> Void)?
    let queue = DispatchQueue(label: "claude-router.sqlite-budget-store")
    let connection: SQLiteConnection
    var cache = SpendCache()
    let processID = Int64(ProcessInfo.processInfo.processIdentifier)

    /// Opens the budget state in the ledger file at `path` (a ``SQLiteLedger`` must have opened
    /// it first, migrating it to schema 3 or later).
    /// - Parameters:
    ///   - reservationExpiry: default ``defaultExpiry``.
    ///   - busyTimeout: how long a transaction waits for another process's write lock; default 30 s.
    ///   - clock: the current time for periods and expiry; default `Date()`.
    ///   - onSoftLimit: called when this process observes a soft limit being reached.
    /// - Throws: ``LedgerError`` (`sqlite`; `unsupportedSchema` when the file predates schema 3).
    public init(path: String, rules: [BudgetRule], reservationExpiry: Duration = defaultExpiry,
                busyTimeout: Duration = .seconds(30), clock: @escaping @Sendable () -> Date = { Date() },
                onSoftLimit: (@Sendable (BudgetSoftLimitEvent) -> Void)? = nil) throws {
        self.rules = rules
        self.path = path
        self.reservationExpiry = reservationExpiry
        self.layout = BudgetBuckets(rules: rules)
        self.clock = clock
        self.onSoftLimit = onSoftLimit
        let db = try SQLiteConnection(path: path, busyTimeoutMilliseconds:
            Int32(clamping: busyTimeout.whole(.milliseconds(1))))
        // NORMAL: a reservation must survive its process, not a power loss (the process dies too).
        try db.execute("PRAGMA synchronous = NORMAL;")
        let version = Int(try db.integer("PRAGMA user_version"))
        guard version >= SQLiteLedgerSchema.budgetVersion else {
            throw LedgerError(code: .unsupportedSchema, message:
                "schema version \(version) has no budget tables; open the file with SQLiteLedger first", file: path)
        }
        self.connection = db
    }

    /// Reserves `estimatedWorstCase` (picodollars, exact) against every applicable budget in one
    /// `BEGIN IMMEDIATE` transaction: expired reservations are dropped, spend is brought up to
    /// the ledger's last row, every budget is checked, then one row per budget is inserted.
    /// - Throws: ``BudgetError`` (`hard_limit_exceeded`, `invalid_amount`); ``LedgerError``
    ///   (`sqlite`, e.g. the write lock was busy for longer than the busy timeout).
    public func reserve(estimatedWorstCase: USDAmount, task: String?, metadata: [String: String], id: String)
        async throws -> BudgetReservation {
        guard estimatedWorstCase >= .zero else {
            throw BudgetError(code: .invalidAmount, ruleName: "", limit: .zero, spent: .zero, reserved: .zero,
                              requested: estimatedWorstCase, downgradeAllowed: false)
        }
        let ids = layout.applicable(task: task, metadata: metadata)
        let names = ids.map { rules[$0.rule].name }
        // No budget applies: nothing to hold, so no transaction either.
        guard !ids.isEmpty else { return BudgetReservation(id: id, amount: estimatedWorstCase, ruleNames: names) }
        try await onQueue { store in
            try store.reserveOnQueue(ids, amount: estimatedWorstCase, id: id)
        }
        return BudgetReservation(id: id, amount: estimatedWorstCase, ruleNames: names)
    }

    /// The ledger row already settled the reservation in its own transaction; this reads the new
    /// spend (delivering soft-limit events). Returns whether the reservation is gone, i.e. the
    /// spend is counted; `false` means its ledger write is still queued (batched durability) or
    /// failed, and the worst case stays held until the row is written or the reservation expires.
    /// - Throws: ``LedgerError`` (`sqlite`).
    @discardableResult
    public func settle(_ reservation: BudgetReservation, actualCost: USDAmount) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return true }
        return try await onQueue { store in try store.settleOnQueue(reservation.id) }
    }

    /// Deletes the reservation's rows (the call cost nothing). Returns whether it still held any.
    /// - Throws: ``LedgerError`` (`sqlite`).
    @discardableResult
    public func release(_ reservation: BudgetReservation) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return false }
        return try await onQueue { store in try store.releaseOnQueue(reservation.id) }
    }

    /// Lowers the reservation's rows to `amount` (USD) where they hold more, in one statement;
    /// returns whether any row was lowered.
    /// - Throws: ``LedgerError`` (`sqlite`).
    @discardableResult
    public func lower(_ reservation: BudgetReservation, to amount: USDAmount) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return false }
        return try await onQueue { store in try store.lowerOnQueue(reservation.id, to: max(.zero, amount)) }
    }

    /// Spend (from the ledger) and unexpired reservations (of every process) per budget now.
    /// - Throws: ``LedgerError`` (`sqlite`).
    public func status() async throws -> [BudgetStatus] {
        try await onQueue { store in try store.statusOnQueue() }
    }

    /// Nothing to do: spend is read from the ledger file on every reservation.
    public func restore(from ledger: any CostLedger) async throws {}

    /// Runs `body` on the store's queue.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable (SQLiteBudgetStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body(self)) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}
