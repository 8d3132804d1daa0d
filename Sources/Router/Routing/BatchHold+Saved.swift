public import RouterPolicies

/// What a ``BatchHold`` needs to be settled by another process: its reservation (id, USD
/// amount, rule names) and the task and metadata it was reserved under. A hold in a store that
/// several processes share (SQLite beside the ledger, PostgreSQL) is found again by its id, so
/// the process that fetches a batch's results can settle what the submitting process reserved.
public struct SavedBatchHold: Sendable, Hashable, Codable {
    /// The reservation id (a UUID string).
    public var id: String
    /// The worst case held, USD at the batch price.
    public var amount: USDAmount
    /// The budget rules the reservation counts against.
    public var ruleNames: [String]
    /// The task the hold was reserved under.
    public var task: String?
    /// The metadata the hold was reserved under.
    public var metadata: [String: String]

    /// A saved hold from its parts (e.g. read back from storage).
    public init(id: String, amount: USDAmount, ruleNames: [String], task: String?, metadata: [String: String]) {
        self.id = id
        self.amount = amount
        self.ruleNames = ruleNames
        self.task = task
        self.metadata = metadata
    }

    /// What `hold` needs to be settled later.
    public init(_ hold: BatchHold) {
        id = hold.reservation.id
        amount = hold.reservation.amount
        ruleNames = hold.reservation.ruleNames
        task = hold.task
        metadata = hold.metadata
    }
}

extension ModelRouter {
    /// A hold saved by ``SavedBatchHold/init(_:)`` (in this or another process), against the
    /// budget store in force now, ready for ``settleBatch(_:actualCost:)``. Settling a hold the
    /// store no longer has (settled before, or expired) changes nothing.
    public func restoreBatchHold(_ saved: SavedBatchHold) async -> BatchHold {
        let budgets = await store.current().budgets
        return BatchHold(reservation: BudgetReservation(id: saved.id, amount: saved.amount, ruleNames: saved.ruleNames),
                         budgets: budgets, task: saved.task, metadata: saved.metadata)
    }
}
