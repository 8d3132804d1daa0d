/// A ledger kept in memory: for tests, previews and short-lived tools.
public actor InMemoryLedger: CostLedger {
    private var stored: [LedgerRecord] = []
    private var ids: Set<String> = []
    private var isClosed = false

    /// An empty ledger, optionally pre-filled.
    public init(_ records: [LedgerRecord] = []) {
        for record in records where ids.insert(record.id).inserted {
            stored.append(record)
        }
    }

    public func record(_ record: LedgerRecord) throws {
        guard !isClosed else { throw LedgerError(code: .closed, message: "the in-memory ledger is closed") }
        if ids.insert(record.id).inserted { stored.append(record) }
    }

    public func records(_ query: LedgerQuery) -> [LedgerRecord] {
        query.apply(to: stored)
    }

    public func flush() {}

    public func close() { isClosed = true }

    /// How many distinct records are stored.
    public var count: Int { stored.count }
}
