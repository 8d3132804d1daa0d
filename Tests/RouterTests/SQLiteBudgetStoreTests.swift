import Foundation
import Router
import RouterPolicies
import Testing

/// The SQLite budget store: several stores on one file stand for several processes (each has its
/// own connection and its own cache, exactly as a separate process would).
@Suite("SQLite budget store")
struct SQLiteBudgetStoreTests {
    static let cent = USDAmount(picodollars: USDAmount.picodollarsPerDollar / 100)
    /// Tenths of a cent.
    static func tenths(_ count: Int64) -> USDAmount { USDAmount(picodollars: count * 1_000_000_000) }
    static let global = BudgetRule(name: "global", scope: .global, period: .total, hardLimit: cent * 10)

    static func record(id: String, cost: USDAmount?, task: String = "chat",
                       metadata: [String: String] = [:]) -> LedgerRecord {
        LedgerRecord(id: id, time: Date(), requestID: "req", task: task, model: "claude-haiku-4-5",
                     usage: TokenUsage(input: 1, output: 1),
                     cost: cost.map { LedgerRecord.Cost(output: $0) }, latencyMs: 1, outcome: .success,
                     metadata: metadata)
    }

    @Test("8 participants reserve/record/settle until refused: never overspent; ledger sum equals every store's spend")
    func participantsNeverOverspend() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.sqlite")
        let ledgers = try (0..<8).map { _ in try SQLiteLedger(path: path) }
        let stores = try (0..<8).map { _ in try SQLiteBudgetStore(path: path, rules: [Self.global]) }
        // Each call: 1¢ worst case, 0.3¢ actual, against a 10¢ limit. A participant retries while
        // it is refused only because of holds in flight, and stops at its first real refusal.
        let admitted = try await withThrowingTaskGroup(of: Int.self) { group in
            for participant in 0..<8 {
                group.addTask {
                    var count = 0
                    while count < 50 {
                        let id = UUID().uuidString
                        do {
                            let reservation = try await stores[participant].reserve(
                                estimatedWorstCase: Self.cent, task: "chat", metadata: [:], id: id)
                            try await ledgers[participant].record(Self.record(id: id, cost: Self.tenths(3)))
                            #expect(try await stores[participant].settle(reservation, actualCost: Self.tenths(3)))
                            count += 1
                        } catch let error as BudgetError where error.fitsAfterReservationsSettle {
                            try await Task.sleep(for: .milliseconds(1))
                        } catch let error as BudgetError {
                            #expect(error.code == .hardLimitExceeded)
                            break
                        }
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let records = try await ledgers[0].records(.all)
        let sum = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        #expect(records.count == admitted)
        #expect(sum <= Self.global.hardLimit)
        // Refused for good only when spent + 1¢ > 10¢: the limit is used up to one worst case.
        #expect(sum > Self.global.hardLimit - Self.cent)
        for store in stores {
            let status = try #require(try await store.status().first)
            #expect(status.spent == sum)
            #expect(status.reserved == .zero)
        }
        for ledger in ledgers { try await ledger.close() }
    }

    @Test("a reservation is all-or-none across rules, and released holds come back")
    func allOrNone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        let perUser = BudgetRule(name: "per-user", scope: .metadata(key: "user"), period: .day, hardLimit: Self.cent * 2)
        let store = try SQLiteBudgetStore(path: path, rules: [Self.global, perUser])
        let first = try await store.reserve(estimatedWorstCase: Self.cent * 2, task: nil, metadata: ["user": "a"], id: "r1")
        #expect(first.ruleNames == ["global", "per-user"])
        await #expect(throws: BudgetError.self) {
            _ = try await store.reserve(estimatedWorstCase: Self.cent, task: nil, metadata: ["user": "a"], id: "r2")
        }
        // The refused call held nothing, not even against the rule it fitted (global).
        let global = try #require(try await store.status().first { $0.ruleName == "global" })
        #expect(global.reserved == Self.cent * 2)
        #expect(try await store.release(first))
        #expect(!(try await store.release(first)))
        _ = try await store.reserve(estimatedWorstCase: Self.cent * 2, task: nil, metadata: ["user": "a"], id: "r3")
        try await ledger.close()
    }

    @Test("lowering a reservation frees the difference for others at once, never raises it, and the row still settles it")
    func lowerFreesTheDifference() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        let store = try SQLiteBudgetStore(path: path, rules: [Self.global]) // 10¢ limit
        let other = try SQLiteBudgetStore(path: path, rules: [Self.global]) // another process
        let first = try await store.reserve(estimatedWorstCase: Self.cent * 8, task: nil, metadata: [:], id: "r1")
        await #expect(throws: BudgetError.self) {
            _ = try await other.reserve(estimatedWorstCase: Self.cent * 5, task: nil, metadata: [:], id: "r2")
        }
        #expect(try await store.lower(first, to: Self.cent * 3))
        #expect(!(try await store.lower(first, to: Self.cent * 9)))  // never raised
        let second = try await other.reserve(estimatedWorstCase: Self.cent * 5, task: nil, metadata: [:], id: "r2")
        let global = try #require(try await other.status().first { $0.ruleName == "global" })
        #expect(global.reserved == Self.cent * 8)
        try await ledger.record(Self.record(id: "r1", cost: Self.cent * 3))
        #expect(try await store.settle(first, actualCost: Self.cent * 3))
        #expect(try await other.release(second))
        let after = try #require(try await other.status().first { $0.ruleName == "global" })
        #expect(after.spent == Self.cent * 3 && after.reserved == .zero)
        try await ledger.close()
    }

    @Test("a new participant starts from the ledger's spend, including per-key and unpriced records")
    func startsFromLedgerSpend() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        let perTask = BudgetRule(name: "per-task", scope: .task(nil), period: .month, hardLimit: Self.cent * 5)
        let first = try SQLiteBudgetStore(path: path, rules: [Self.global, perTask])
        let priced = try await first.reserve(estimatedWorstCase: Self.cent, task: "qa", metadata: [:], id: "p")
        try await ledger.record(Self.record(id: "p", cost: Self.tenths(5), task: "qa"))
        try await first.settle(priced, actualCost: Self.tenths(5))
        // Unpriced: the reply's model had no price; its reserved worst case is what it counts.
        let unpriced = try await first.reserve(estimatedWorstCase: Self.cent * 2, task: "qa", metadata: [:], id: "u")
        try await ledger.record(Self.record(id: "u", cost: nil, task: "qa"))
        try await first.settle(unpriced, actualCost: Self.cent * 2)

        let second = try SQLiteBudgetStore(path: path, rules: [Self.global, perTask])
        let status = try await second.status()
        #expect(status.first { $0.ruleName == "global" }?.spent == Self.tenths(25))
        #expect(status.first { $0.ruleName == "per-task" && $0.scopeKey == "qa" }?.spent == Self.tenths(25))
        // 2.5¢ spent of the per-task 5¢: 3¢ more no longer fits for "qa", but does for "chat".
        await #expect(throws: BudgetError.self) {
            _ = try await second.reserve(estimatedWorstCase: Self.cent * 3, task: "qa", metadata: [:], id: "x")
        }
        _ = try await second.reserve(estimatedWorstCase: Self.cent * 3, task: "chat", metadata: [:], id: "y")
        try await ledger.close()
    }

    @Test("an unsettled reservation expires, so a dead participant's hold comes back")
    func expiry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        // An injected clock: the expiry is tested, not the machine's speed.
        let now = LockedBox(Date())
        let crashed = try SQLiteBudgetStore(path: path, rules: [Self.global], reservationExpiry: .seconds(60),
                                            clock: { now.get() })
        _ = try await crashed.reserve(estimatedWorstCase: Self.cent * 8, task: nil, metadata: [:], id: "lost")
        let other = try SQLiteBudgetStore(path: path, rules: [Self.global], reservationExpiry: .seconds(60),
                                          clock: { now.get() })
        now.mutate { $0 = $0.addingTimeInterval(59) }
        do {
            _ = try await other.reserve(estimatedWorstCase: Self.cent * 5, task: nil, metadata: [:], id: "a")
            Issue.record("the live hold should refuse 8¢ + 5¢ against 10¢")
        } catch let error as BudgetError {
            #expect(error.reserved == Self.cent * 8)
            #expect(error.fitsAfterReservationsSettle)
        }
        now.mutate { $0 = $0.addingTimeInterval(2) }
        _ = try await other.reserve(estimatedWorstCase: Self.cent * 5, task: nil, metadata: [:], id: "b")
        #expect(try await other.status().first?.reserved == Self.cent * 5)
        try await ledger.close()
    }

    @Test("a ledger written by schema 2 opens, keeps its records, and its spend counts")
    func migratesSchema2Ledger() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("old.sqlite")
        let old = try SQLiteLedger(path: path, durability: .durable, busyTimeout: .seconds(5), schemaVersion: 2)
        #expect(try await old.schemaVersion() == 2)
        try await old.record(Self.record(id: "old-1", cost: Self.cent * 4))
        try await old.record(Self.record(id: "old-2", cost: nil))
        try await old.close()
        // Before the migration the file has no budget tables: a store refuses it by name.
        #expect(throws: LedgerError.self) { _ = try SQLiteBudgetStore(path: path, rules: [Self.global]) }

        let ledger = try SQLiteLedger(path: path)
        #expect(try await ledger.schemaVersion() == 3)
        #expect(try await ledger.records(.all).map(\.id) == ["old-1", "old-2"])
        let store = try SQLiteBudgetStore(path: path, rules: [Self.global])
        #expect(try await store.status().first?.spent == Self.cent * 4)
        try await ledger.close()
    }

    @Test("the first write of a period resets per-day spend; a soft limit is reported once, when crossed")
    func periodsAndSoftLimit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.sqlite")
        let ledger = try SQLiteLedger(path: path)
        let now = LockedBox(Date())
        let events = LockedBox([BudgetSoftLimitEvent]())
        let daily = BudgetRule(name: "daily", scope: .global, period: .day, softLimit: Self.cent, hardLimit: Self.cent * 3)
        let store = try SQLiteBudgetStore(path: path, rules: [daily], clock: { now.get() },
                                          onSoftLimit: { event in events.mutate { $0.append(event) } })
        for index in 0..<3 {
            let id = "d\(index)"
            let reservation = try await store.reserve(estimatedWorstCase: Self.cent, task: nil, metadata: [:], id: id)
            var record = Self.record(id: id, cost: Self.tenths(6))
            record.time = now.get()
            try await ledger.record(record)
            try await store.settle(reservation, actualCost: Self.tenths(6))
        }
        #expect(events.get().count == 1)
        #expect(events.get().first?.spent == Self.tenths(12))
        await #expect(throws: BudgetError.self) {
            _ = try await store.reserve(estimatedWorstCase: Self.cent * 2, task: nil, metadata: [:], id: "full")
        }
        now.mutate { $0 = $0.addingTimeInterval(86_400) }
        _ = try await store.reserve(estimatedWorstCase: Self.cent * 2, task: nil, metadata: [:], id: "next-day")
        #expect(try await store.status().first?.spent == .zero)
        try await ledger.close()
    }
}
