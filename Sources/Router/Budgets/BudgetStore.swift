public import Foundation
public import RouterPolicies

/// Where a policy's budget state lives: spend per rule, key and period, and the worst-case
/// reservations of calls in flight. Every participant that shares a store shares its limits.
///
/// The protocol a router enforces budgets through:
/// 1. ``reserve(estimatedWorstCase:task:metadata:id:)`` before a call is sent: all applicable
///    budgets or none, atomically against every other participant of the store;
/// 2. the attempt's ledger record is written with the reservation's ``BudgetReservation/id`` as
///    its record id;
/// 3. ``settle(_:actualCost:)`` with the billed cost, or ``release(_:)`` when the call cost nothing.
///
/// Implementations: ``BudgetGuard`` (in memory: one process), ``SQLiteBudgetStore`` (the
/// reservations live in the SQLite ledger file: every thread and process on one host).
/// A reservation a participant never settles (it crashed) must stop counting after the store's
/// expiry, where the store has one.
public protocol BudgetStore: AnyObject, Sendable {
    /// The rules enforced, in policy order.
    var rules: [BudgetRule] { get }

    /// Reserves `estimatedWorstCase` against every budget that applies to a call with this task
    /// and metadata — all of them or none.
    /// - Parameter id: the reservation's id; the attempt's ledger record carries the same id.
    /// - Throws: ``BudgetError`` (`hard_limit_exceeded` naming the first rule in policy order
    ///   that would be crossed, with its spent and reserved amounts; `invalid_amount`), or the
    ///   store's own error (e.g. ``LedgerError`` for SQLite).
    func reserve(estimatedWorstCase: USDAmount, task: String?, metadata: [String: String], id: String)
        async throws -> BudgetReservation

    /// Replaces the reservation with the actual cost. Called after the attempt's ledger record
    /// was written (or its write failed). Returns `false` when the reservation was no longer open.
    /// - Throws: the store's own error.
    @discardableResult
    func settle(_ reservation: BudgetReservation, actualCost: USDAmount) async throws -> Bool

    /// Gives the reservation back (the call failed before costing anything). Idempotent.
    /// - Throws: the store's own error.
    @discardableResult
    func release(_ reservation: BudgetReservation) async throws -> Bool

    /// Lowers an open reservation to `amount` (USD) when that is less than it holds: an attempt
    /// whose cost is known before its ledger record is written (the router does this before it
    /// reserves the next tier of an escalation). Returns whether anything was lowered. A store
    /// may return `false` and keep the worst case held until ``settle(_:actualCost:)``: that is
    /// safe (it only over-counts for a moment).
    /// - Throws: the store's own error.
    @discardableResult
    func lower(_ reservation: BudgetReservation, to amount: USDAmount) async throws -> Bool

    /// Spent and reserved per rule (and per key) in the current periods.
    /// - Throws: the store's own error.
    func status() async throws -> [BudgetStatus]

    /// Counts spend already recorded in `ledger` in the current periods (a store that reads its
    /// spend from the ledger itself does nothing).
    /// - Throws: the ledger's error.
    func restore(from ledger: any CostLedger) async throws
}

/// Makes the budget store of a policy's rules; ``ModelRouter`` calls it at start and when a
/// reloaded policy's budgets change.
public struct BudgetStoreFactory: Sendable {
    /// What the factory is given.
    public struct Context: Sendable {
        /// The policy's rules.
        public var rules: [BudgetRule]
        /// The router's clock (``ModelRouter/Options/now``).
        public var clock: @Sendable () -> Date
        /// Called when a soft limit is reached.
        public var onSoftLimit: @Sendable (BudgetSoftLimitEvent) -> Void
    }

    let make: @Sendable (Context) throws -> any BudgetStore

    /// A factory from a closure (e.g. a store on another database).
    public init(_ make: @escaping @Sendable (Context) throws -> any BudgetStore) {
        self.make = make
    }

    /// Budgets in this process's memory (``BudgetGuard``): shared by the threads of one router
    /// only. With a JSON Lines or in-memory ledger this is what a router uses.
    public static let inMemory = BudgetStoreFactory { context in
        BudgetGuard(rules: context.rules, clock: context.clock, onSoftLimit: context.onSoftLimit)
    }

    /// Budgets in the SQLite ledger file (``SQLiteBudgetStore``): shared by every thread and
    /// process that uses the file. The default when the router's ledger is a ``SQLiteLedger``.
    /// - Parameters:
    ///   - ledger: the ledger whose file holds the reservations and whose records are the spend.
    ///   - reservationExpiry: after this a reservation no participant settled stops counting
    ///     (its process was killed); must exceed the longest call. Default 10 minutes.
    public static func sqlite(_ ledger: SQLiteLedger, reservationExpiry: Duration = SQLiteBudgetStore.defaultExpiry)
        -> BudgetStoreFactory {
        BudgetStoreFactory { context in
            try SQLiteBudgetStore(path: ledger.path, rules: context.rules, reservationExpiry: reservationExpiry,
                                  clock: context.clock, onSoftLimit: context.onSoftLimit)
        }
    }
}
