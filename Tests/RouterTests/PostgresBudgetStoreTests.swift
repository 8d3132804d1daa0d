import Foundation
import Router
import RouterPolicies
import RouterPostgres
import Testing

/// The PostgreSQL budget store: several ledgers (each its own connection pool) on one database
/// stand for several processes on several hosts.
@Suite("PostgreSQL budget store", .enabled(if: PostgresTestServer.shouldRun, "needs CLAUDE_ROUTER_TEST_POSTGRES_URL"))
struct PostgresBudgetStoreTests {
    static let cent = SQLiteBudgetStoreTests.cent
    /// 1.5¢.
    static let cent15 = USDAmount(picodollars: cent.picodollars * 3 / 2)
    static let global = BudgetRule(name: "global", scope: .global, period: .total, hardLimit: cent * 10)

    static func record(id: String, cost: USDAmount?, time: Date = Date(), task: String = "chat",
                       metadata: [String: String] = [:]) -> LedgerRecord {
        LedgerRecord(id: id, time: time, requestID: "req", task: task, model: "claude-haiku-4-5",
                     usage: TokenUsage(input: 1, output: 1), cost: cost.map { LedgerRecord.Cost(output: $0) },
                     latencyMs: 1, outcome: .success, metadata: metadata)
    }

    /// Opens `count` ledgers on one fresh schema at once (the migrations race too).
    static func ledgers(_ count: Int, url: String) async throws -> [PostgresLedger] {
        try await withThrowingTaskGroup(of: (Int, PostgresLedger).self) { group in
            // 400 reservers queue for 4 pools of 20 connections on a loaded machine.
            for index in 0..<count {
                group.addTask { (index, try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout)) }
            }
            return try await group.reduce(into: [PostgresLedger?](repeating: nil, count: count)) { $0[$1.0] = $1.1 }
                .compactMap { $0 }
        }
    }

    @Test("400 concurrent reservers over 4 pools: exactly limit ÷ worst case admitted, spend equals the ledger's sum")
    func raceNeverOverspends() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledgers = try await Self.ledgers(4, url: url)
        #expect(try await ledgers[0].schemaVersion() == 3)
        let stores = ledgers.map { PostgresBudgetStore(ledger: $0, rules: [Self.global]) }
        // Each call's actual cost is its worst case, so exactly 10 of 1¢ fit in 10¢, however the
        // 400 calls interleave.
        let admitted = try await withThrowingTaskGroup(of: Int.self) { group in
            for call in 0..<400 {
                group.addTask {
                    let participant = call % 4
                    let id = "race-\(call)"
                    do {
                        let reservation = try await stores[participant].reserve(
                            estimatedWorstCase: Self.cent, task: "chat", metadata: [:], id: id)
                        try await ledgers[participant].record(Self.record(id: id, cost: Self.cent))
                        #expect(try await stores[participant].settle(reservation, actualCost: Self.cent))
                        return 1
                    } catch let error as BudgetError {
                        #expect(error.code == .hardLimitExceeded)
                        #expect(error.ruleName == "global")
                        return 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(admitted == 10)
        let records = try await ledgers[0].records(.all)
        #expect(records.count == admitted)
        let sum = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        let status = try await stores[1].status()
        #expect(status.count == 1)
        #expect(status.first?.spent == sum, "the budget's accounting is the ledger's sum")
        #expect(status.first?.reserved == .zero)
        #expect(sum == Self.global.hardLimit)
        for ledger in ledgers { try await ledger.close() }
        await PostgresTestServer.dropSchema(of: url)
    }

    @Test("unreserved spend from another pool (batch results) races 200 reservers over 4 pools: reservations never take more than the limit left, accounting equals the ledger's sum")
    func unreservedSpendRacesReservers() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledgers = try await Self.ledgers(5, url: url)
        let reservers = Array(ledgers.prefix(4))
        // The batch-results path: batched, no reservations, its own pool.
        let results = try await PostgresLedger(url: url, durability: .batched(maxRecords: 4, maxDelay: .milliseconds(5)),
                                               operationTimeout: PostgresTestServer.operationTimeout)
        let limit = Self.cent * 30
        let rule = BudgetRule(name: "global", scope: .global, period: .total, hardLimit: limit)
        let stores = reservers.map { PostgresBudgetStore(ledger: $0, rules: [rule]) }
        // 5¢ already recorded without a reservation before the race starts.
        for index in 0..<5 { try await ledgers[4].record(Self.record(id: "early-\(index)", cost: Self.cent)) }
        let admitted = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for index in 0..<20 {
                    try await results.record(Self.record(id: "batch-\(index)", cost: Self.cent, task: "batch"))
                    if index % 5 == 4 { try await Task.sleep(for: .milliseconds(3)) }
                }
                try await results.flush()
                return 0
            }
            for call in 0..<200 {
                group.addTask {
                    let participant = call % 4
                    let id = "race-\(call)"
                    do {
                        let reservation = try await stores[participant].reserve(
                            estimatedWorstCase: Self.cent, task: "chat", metadata: [:], id: id)
                        try await reservers[participant].record(Self.record(id: id, cost: Self.cent))
                        #expect(try await stores[participant].settle(reservation, actualCost: Self.cent))
                        return 1
                    } catch let error as BudgetError {
                        #expect(error.code == .hardLimitExceeded)
                        return 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let records = try await ledgers[0].records(.all)
        #expect(records.count == admitted + 25)
        let sum = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        let status = try #require(try await stores[1].status().first)
        #expect(status.spent == sum, "the budget's accounting is the ledger's sum, unreserved records included")
        #expect(status.reserved == .zero)
        // Every admission saw the 5¢ recorded first: the reservers took at most the 25¢ left.
        #expect(Self.cent.picodollars * Int64(admitted) <= limit.picodollars - 5 * Self.cent.picodollars)
        #expect(admitted >= 5, "the 20¢ of batch results can take at most 20 of the 25¢ left")
        print("unreserved race: \(admitted) reserved calls admitted of 200, spent \(status.spent.exactDecimal) USD (limit \(limit.exactDecimal))")
        await #expect(throws: BudgetError.self) {
            try await stores[0].reserve(estimatedWorstCase: Self.cent, task: nil, metadata: [:], id: "after")
        }
        try await results.close()
        for ledger in ledgers { try await ledger.close() }
        await PostgresTestServer.dropSchema(of: url)
    }

    @Test("a reservation nobody settles stops counting after its expiry; a late record still counts")
    func expiry() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledger = try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout)
        let now = LockedBox(Date())
        let store = PostgresBudgetStore(ledger: ledger, rules: [Self.global], reservationExpiry: .seconds(60),
                                        clock: { now.get() })
        _ = try await store.reserve(estimatedWorstCase: Self.cent * 6, task: nil, metadata: [:], id: "dead-1")
        await #expect(throws: BudgetError.self) {
            try await store.reserve(estimatedWorstCase: Self.cent * 6, task: nil, metadata: [:], id: "refused")
        }
        now.mutate { $0 += 61 }
        let second = try await store.reserve(estimatedWorstCase: Self.cent * 6, task: nil, metadata: [:], id: "live-1")
        #expect(try await store.status().first?.reserved == Self.cent * 6, "the expired hold no longer counts")
        // The dead call's record arrives after all: its cost counts, nothing is given back twice.
        try await ledger.record(Self.record(id: "dead-1", cost: Self.cent * 2))
        try await ledger.record(Self.record(id: "live-1", cost: Self.cent * 3))
        #expect(try await store.settle(second, actualCost: Self.cent * 3))
        let status = try #require(try await store.status().first)
        #expect(status.spent == Self.cent * 5)
        #expect(status.reserved == .zero)
        try await ledger.close()
        await PostgresTestServer.dropSchema(of: url)
    }

    @Test("release and lower give back exactly what they held; an unpriced attempt keeps its worst case")
    func releaseLowerUnpriced() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledger = try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout)
        let store = PostgresBudgetStore(ledger: ledger, rules: [Self.global])
        let a = try await store.reserve(estimatedWorstCase: Self.cent * 4, task: nil, metadata: [:], id: "a")
        #expect(try await store.release(a))
        #expect(try await !store.release(a), "idempotent")
        let b = try await store.reserve(estimatedWorstCase: Self.cent * 4, task: nil, metadata: [:], id: "b")
        #expect(try await store.lower(b, to: Self.cent))
        #expect(try await store.status().first?.reserved == Self.cent)
        try await ledger.record(Self.record(id: "b", cost: nil))
        #expect(try await store.settle(b, actualCost: Self.cent))
        let status = try #require(try await store.status().first)
        #expect(status.spent == Self.cent, "unpriced: charged what it held")
        #expect(status.reserved == .zero)
        try await ledger.close()
        await PostgresTestServer.dropSchema(of: url)
    }

    @Test("per-key daily budgets roll over at UTC midnight; a soft limit warns once across two processes")
    func rolloverAndSoftLimit() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledgers = try await Self.ledgers(2, url: url)
        let rule = BudgetRule(name: "per-user", scope: .metadata(key: "user"), period: .day,
                              softLimit: Self.cent * 2, hardLimit: Self.cent * 3)
        let now = LockedBox(utc("2026-03-01T23:59:00Z"))
        let events = LockedBox<[String]>([])
        let stores = ledgers.map { ledger in
            PostgresBudgetStore(ledger: ledger, rules: [rule], clock: { now.get() },
                                onSoftLimit: { event in events.mutate { $0.append(event.scopeKey ?? "") } })
        }
        for (index, store) in stores.enumerated() {
            let id = "u1-\(index)"
            let reservation = try await store.reserve(estimatedWorstCase: Self.cent, task: nil, metadata: ["user": "u1"], id: id)
            try await ledgers[index].record(Self.record(id: id, cost: Self.cent15, time: now.get(), metadata: ["user": "u1"]))
            try await store.settle(reservation, actualCost: Self.cent15)
        }
        #expect(events.get() == ["u1"], "one soft-limit event for the fleet")
        await #expect(throws: BudgetError.self) {
            try await stores[0].reserve(estimatedWorstCase: Self.cent, task: nil, metadata: ["user": "u1"], id: "full")
        }
        _ = try await stores[0].reserve(estimatedWorstCase: Self.cent, task: nil, metadata: ["user": "u2"], id: "other-key")
        now.mutate { $0 = utc("2026-03-02T00:00:01Z") }
        _ = try await stores[1].reserve(estimatedWorstCase: Self.cent * 3, task: nil, metadata: ["user": "u1"], id: "next-day")
        let status = try await stores[0].status()
        #expect(status.first { $0.scopeKey == "u1" }?.spent == .zero, "a new day starts empty")
        for ledger in ledgers { try await ledger.close() }
        await PostgresTestServer.dropSchema(of: url)
    }

    @Test("a closed pool fails budget calls closed with database_unavailable; an unreachable URL never shows its password")
    func failsClosed() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let ledger = try await PostgresLedger(url: url, operationTimeout: PostgresTestServer.operationTimeout)
        let store = PostgresBudgetStore(ledger: ledger, rules: [Self.global])
        try await ledger.close()
        let error = await #expect(throws: LedgerError.self) {
            try await store.reserve(estimatedWorstCase: Self.cent, task: nil, metadata: [:], id: "x")
        }
        #expect(error?.code == .unavailable)
        await PostgresTestServer.dropSchema(of: url)

        let unreachable = "postgres://router:s3cret-password@127.0.0.1:1/nothing?connect_timeout=1"
        let openError = await #expect(throws: LedgerError.self) {
            // Long enough for one refused attempt to come back on a loaded machine.
            try await PostgresLedger(url: unreachable, operationTimeout: .seconds(10))
        }
        #expect(openError?.code == .unavailable)
        #expect("\(openError.map { "\($0)" } ?? "")".contains("connecting: Connection refused"), "the reason, not only a timeout")
        #expect(!"\(openError.map { "\($0)" } ?? "")".contains("s3cret"))
        #expect("\(try PostgresURL(unreachable))" == "postgres://router:***@127.0.0.1:1/nothing")
    }

    @Test("sslmode against the test server's self-signed TLS: prefer encrypts without verifying, require refuses at once, disable is plain")
    func sslModes() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        // scripts/postgres.sh's server offers TLS with a self-signed certificate; its URL says disable.
        guard url.contains("sslmode=disable") else {
            Issue.record("the test server's URL should say sslmode=disable (scripts/postgres.sh): \(PostgresURL.redact(url))")
            return
        }
        let sslInUse = "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        let prefer = url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=prefer")
        let ledger = try await PostgresLedger(url: prefer, operationTimeout: PostgresTestServer.operationTimeout)
        try await ledger.close()
        #expect(try await PostgresTestServer.integers(sslInUse, on: prefer) == [1], "prefer: encrypted")
        #expect(try await PostgresTestServer.integers(sslInUse, on: url) == [0], "disable: plain")

        let clock = ContinuousClock()
        let started = clock.now
        let require = url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=require")
        let refused = await #expect(throws: LedgerError.self) {
            try await PostgresLedger(url: require, operationTimeout: PostgresTestServer.operationTimeout)
        }
        #expect(refused?.code == .postgres)
        #expect(refused?.message.contains("certificate failed verification") == true, "\(String(describing: refused))")
        #expect(started.duration(to: clock.now) < PostgresTestServer.operationTimeout / 2, "not retried until the timeout")
        await PostgresTestServer.dropSchema(of: url)
    }

    @Test("opening with a wrong password or a missing database says so at once, with the server's reason")
    func openRefusals() async throws {
        guard let url = PostgresTestServer.freshURL() else { return }
        let base = try #require(URLComponents(string: url))
        let password = try #require(base.password)
        let clock = ContinuousClock()
        // The tests' long operation timeout: the pool would have retried the refusal until it
        // passed and then said only that the server did not answer.
        var wrong = base
        wrong.password = "wrong-" + password
        let started = clock.now
        let denied = await #expect(throws: LedgerError.self) {
            try await PostgresLedger(url: try #require(wrong.string), operationTimeout: PostgresTestServer.operationTimeout)
        }
        #expect(started.duration(to: clock.now) < PostgresTestServer.operationTimeout / 2, "told at once, not at the timeout")
        #expect(denied?.code == .accessDenied)
        #expect("\(denied.map { "\($0)" } ?? "")".contains("SQLSTATE 28P01"))
        #expect(!"\(denied.map { "\($0)" } ?? "")".contains(password))

        var missing = base
        missing.path = "/no_such_database_here"
        let absent = await #expect(throws: LedgerError.self) {
            try await PostgresLedger(url: try #require(missing.string), operationTimeout: PostgresTestServer.operationTimeout)
        }
        #expect(absent?.code == .postgres)
        #expect("\(absent.map { "\($0)" } ?? "")".contains("SQLSTATE 3D000"))
    }
}
