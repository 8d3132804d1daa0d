import Foundation
import Router
import RouterPolicies
import RouterPostgres
import Testing

/// The budget stores that read their spend from a shared ledger: SQLite (one host) and
/// PostgreSQL (the fleet), held to the same accounting.
enum ConformanceBudgetStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// PostgreSQL only when its server is configured (or in CI, where a missing server fails).
    static var available: [ConformanceBudgetStore] {
        PostgresTestServer.shouldRun ? allCases : [.sqlite]
    }

    /// One ledger file or schema, and the stores made on it.
    struct Place: Sendable {
        var kind: ConformanceBudgetStore
        var directory: TemporaryDirectory
        var url: String?

        /// A new connection to the ledger (another process, as far as the database can tell).
        func ledger(durability: LedgerDurability = .durable) async throws -> any CostLedger {
            switch kind {
            case .sqlite: try SQLiteLedger(path: directory.path("ledger.sqlite"), durability: durability)
            case .postgres: try await PostgresLedger(url: url ?? "", durability: durability,
                                                     operationTimeout: PostgresTestServer.operationTimeout)
            }
        }

        /// A store of `rules` on `ledger`'s database, at the time `clock` says.
        func store(_ ledger: any CostLedger, rules: [BudgetRule], clock: @escaping @Sendable () -> Date = { Date() })
            throws -> any BudgetStore {
            switch kind {
            case .sqlite: try SQLiteBudgetStore(path: directory.path("ledger.sqlite"), rules: rules, clock: clock)
            case .postgres: PostgresBudgetStore(ledger: ledger as! PostgresLedger, rules: rules, clock: clock)
            }
        }

        func remove() async {
            directory.remove()
            if let url { await PostgresTestServer.dropSchema(of: url) }
        }
    }

    /// When the spend is checked: after every record (day 2) and, for PostgreSQL, also on day 1
    /// — the SQLite store counts everything from the period's start on, so a record dated after
    /// its clock's now (which a real clock never sees) would count there.
    var checkTimes: [Date] {
        self == .postgres ? [BudgetStoreConformanceTests.day1, BudgetStoreConformanceTests.day2]
            : [BudgetStoreConformanceTests.day2]
    }

    func place() throws -> Place? {
        let directory = try TemporaryDirectory()
        guard self == .postgres else { return Place(kind: self, directory: directory, url: nil) }
        guard let url = PostgresTestServer.freshURL() else {
            directory.remove()
            return nil
        }
        return Place(kind: self, directory: directory, url: url)
    }
}

/// Every ledger record in a budget's scope and period is its spend — reserved or not, written
/// before or after the budget was configured, written once however often it is retried — and a
/// reservation is refused when spent + reserved + its worst case would cross the hard limit.
@Suite("Budget store conformance")
struct BudgetStoreConformanceTests {
    static let cent = SQLiteBudgetStoreTests.cent
    static let day1 = utc("2026-03-01T12:00:00Z")
    static let day2 = utc("2026-03-02T09:00:00Z")

    /// One of each scope and period.
    static let rules = [
        BudgetRule(name: "global", scope: .global, period: .total, hardLimit: cent * 1_000),
        BudgetRule(name: "chat-daily", scope: .task("chat"), period: .day, hardLimit: cent * 1_000),
        BudgetRule(name: "per-task", scope: .task(nil), period: .month, hardLimit: cent * 1_000),
        BudgetRule(name: "per-user", scope: .metadata(key: "user"), period: .day, hardLimit: cent * 1_000),
    ]

    static func record(_ id: String, cost: USDAmount?, time: Date, task: String?, user: String?) -> LedgerRecord {
        LedgerRecord(id: id, time: time, requestID: "req-\(id)", task: task, model: "claude-haiku-4-5",
                     usage: TokenUsage(input: 1, output: 1), cost: cost.map { LedgerRecord.Cost(output: $0) },
                     latencyMs: 1, outcome: .success, metadata: user.map { ["user": $0] } ?? [:])
    }

    /// The spend of each budget at `now`, summed here from the records themselves (the
    /// specification the stores are checked against): `"rule"` or `"rule[key]"` → picodollars.
    static func expected(_ records: [LedgerRecord], rules: [BudgetRule], at now: Date) -> [String: Int64] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var sums: [String: Int64] = [:]
        for record in records {
            guard let charge = record.cost?.total.picodollars, charge > 0 else { continue }
            for rule in rules {
                let inPeriod = switch rule.period {
                case .total: true
                case .day: calendar.isDate(record.time, equalTo: now, toGranularity: .day)
                case .month: calendar.isDate(record.time, equalTo: now, toGranularity: .month)
                }
                guard inPeriod else { continue }
                let name: String? = switch rule.scope {
                case .global: rule.name
                case .task(.some(let task)): record.task == task ? rule.name : nil
                case .task(.none): "\(rule.name)[\(record.task ?? LedgerReport.noValue)]"
                case .metadata(let key): record.metadata[key].map { "\(rule.name)[\($0)]" }
                }
                if let name { sums[name, default: 0] += charge }
            }
        }
        return sums
    }

    /// The store's spend per budget (zero-spend budgets left out, as in ``expected(_:rules:at:)``).
    static func spent(_ store: any BudgetStore) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for status in try await store.status() where status.spent > .zero {
            result[status.scopeKey.map { "\(status.ruleName)[\($0)]" } ?? status.ruleName] = status.spent.picodollars
        }
        return result
    }

    @Test("records written before any budget was configured count once it is", arguments: ConformanceBudgetStore.available)
    func recordsBeforeTheBudgetCount(kind: ConformanceBudgetStore) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await place.ledger()
        var records: [LedgerRecord] = []
        for index in 0..<12 {
            let record = Self.record("pre-\(index)", cost: index == 5 ? nil : Self.cent * (index + 1),
                                     time: index % 3 == 0 ? Self.day1 : Self.day2,
                                     task: [nil, "chat", "qa"][index % 3], user: index % 4 == 0 ? nil : "u\(index % 2)")
            records.append(record)
            try await ledger.record(record)
        }
        for now in kind.checkTimes {
            let store = try place.store(ledger, rules: Self.rules, clock: { now })
            #expect(try await Self.spent(store) == Self.expected(records, rules: Self.rules, at: now), "at \(now)")
        }
        try await ledger.close()
        await place.remove()
    }

    @Test("reserved, unreserved and released calls mixed: each budget's spend is the ledger's sum in scope and period, to the picodollar",
          arguments: ConformanceBudgetStore.available)
    func mixedSpendEqualsLedgerSum(kind: ConformanceBudgetStore) async throws {
        guard let place = try kind.place() else { return }
        let router = try await place.ledger()
        let other = try await place.ledger() // e.g. `batch results` in a later process: no reservations
        let now = LockedBox(Self.day1)
        let store = try place.store(router, rules: Self.rules, clock: { now.get() })
        var generator = HistoryTrimmerTests.Generator(state: 15)
        var records: [LedgerRecord] = []
        for index in 0..<60 {
            if index == 30 { now.mutate { $0 = Self.day2 } }
            let task = [nil, "chat", "qa", "chat"][Int(generator.next() % 4)]
            let user = [nil, "ada", "bob"][Int(generator.next() % 3)]
            let cost = Self.cent * Int(1 + generator.next() % 7) + USDAmount(picodollars: Int64(generator.next() % 997))
            let record = Self.record("mix-\(index)", cost: cost, time: now.get(), task: task, user: user)
            switch generator.next() % 3 {
            case 0: // through a reservation, as the router does
                let reservation = try await store.reserve(estimatedWorstCase: Self.cent * 8, task: task,
                                                          metadata: record.metadata, id: record.id)
                try await router.record(record)
                #expect(try await store.settle(reservation, actualCost: cost))
                records.append(record)
            case 1: // recorded with no reservation, by another connection
                try await other.record(record)
                records.append(record)
            default: // reserved, then the call failed before costing anything
                let reservation = try await store.reserve(estimatedWorstCase: Self.cent * 8, task: task,
                                                          metadata: record.metadata, id: record.id)
                #expect(try await store.release(reservation))
            }
        }
        for day in kind.checkTimes {
            let check = try place.store(router, rules: Self.rules, clock: { day })
            #expect(try await Self.spent(check) == Self.expected(records, rules: Self.rules, at: day), "at \(day)")
            #expect(try await check.status().allSatisfy { $0.reserved == .zero })
        }
        #expect(try await Self.spent(store) == Self.expected(records, rules: Self.rules, at: Self.day2))
        try await router.close()
        try await other.close()
        await place.remove()
    }

    @Test("a record written twice (a retry, a replayed batch) counts once", arguments: ConformanceBudgetStore.available)
    func duplicateCountsOnce(kind: ConformanceBudgetStore) async throws {
        guard let place = try kind.place() else { return }
        let durable = try await place.ledger()
        let batched = try await place.ledger(durability: .batched(maxRecords: 100, maxDelay: .seconds(60)))
        let rule = BudgetRule(name: "global", scope: .global, period: .total, hardLimit: Self.cent * 10)
        let store = try place.store(durable, rules: [rule])
        _ = try await store.status() // the budget exists before the records, too
        let record = Self.record("dup", cost: Self.cent * 3, time: Date(), task: "chat", user: nil)
        try await durable.record(record)
        try await durable.record(record)
        // Twice more in one batch of another connection.
        try await batched.record(record)
        try await batched.record(record)
        try await batched.flush()
        #expect(try await store.status().first?.spent == Self.cent * 3)
        try await durable.close()
        try await batched.close()
        await place.remove()
    }

    @Test("unreserved spend fills a budget: a reservation that would cross the hard limit is refused",
          arguments: ConformanceBudgetStore.available)
    func unreservedSpendRefusesReservations(kind: ConformanceBudgetStore) async throws {
        guard let place = try kind.place() else { return }
        let ledger = try await place.ledger()
        let rule = BudgetRule(name: "per-user", scope: .metadata(key: "user"), period: .day, hardLimit: Self.cent * 10)
        let store = try place.store(ledger, rules: [rule])
        _ = try await store.status()
        try await ledger.record(Self.record("batch-1", cost: Self.cent * 7, time: Date(), task: "chat", user: "ada"))
        _ = try await store.reserve(estimatedWorstCase: Self.cent * 2, task: "chat", metadata: ["user": "ada"], id: "fits")
        let error = await #expect(throws: BudgetError.self) {
            try await store.reserve(estimatedWorstCase: Self.cent * 2, task: "chat", metadata: ["user": "ada"], id: "over")
        }
        #expect(error?.code == .hardLimitExceeded)
        #expect(error?.spent == Self.cent * 7)
        #expect(error?.reserved == Self.cent * 2)
        _ = try await store.reserve(estimatedWorstCase: Self.cent * 9, task: "chat", metadata: ["user": "bob"], id: "other")
        try await ledger.close()
        await place.remove()
    }
}
