import Foundation
import Router
import RouterPolicies
import Testing

@Suite("Budget guard")
struct BudgetGuardTests {
    static let dollar = USDAmount(picodollars: USDAmount.picodollarsPerDollar)
    static let cent = USDAmount(picodollars: USDAmount.picodollarsPerDollar / 100)

    @Test("1,000 concurrent reserve/settle tasks never overspend; guard, settled sum and SQLite ledger agree")
    func concurrentNeverOverspends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("budget.sqlite"),
                                      durability: .batched(maxRecords: 64, maxDelay: .milliseconds(50)))
        let hardLimit = Self.dollar
        let budget = BudgetGuard(rules: [BudgetRule(name: "global", scope: .global, period: .total, hardLimit: hardLimit)])
        let worstCase = Self.cent // 1,000 × 1¢ worst case = $10 ≫ $1 limit

        // Each task: reserve; every 10th "fails" and releases; the rest spend 1..7 tenths of a cent.
        let outcomes = try await withThrowingTaskGroup(of: USDAmount?.self) { group in
            for index in 0..<1000 {
                group.addTask {
                    let reservation: BudgetReservation
                    do {
                        reservation = try await budget.reserve(estimatedWorstCase: worstCase, task: "t", metadata: [:])
                    } catch {
                        #expect((error as? BudgetError)?.code == .hardLimitExceeded)
                        return nil
                    }
                    if index % 10 == 0 {
                        await budget.release(reservation)
                        return .zero
                    }
                    let actual = USDAmount(picodollars: Int64(index % 7 + 1) * worstCase.picodollars / 10)
                    try await ledger.record(LedgerRecord(requestID: "req-\(index)", task: "t", model: "m",
                                                         cost: LedgerRecord.Cost(output: actual)))
                    #expect(await budget.settle(reservation, actualCost: actual))
                    return actual
                }
            }
            var results: [USDAmount?] = []
            for try await outcome in group { results.append(outcome) }
            return results
        }
        try await ledger.flush()

        let settled = outcomes.compactMap { $0 }.sum()
        let rejected = outcomes.filter { $0 == nil }.count
        let status = try #require(await budget.status().first)
        #expect(rejected > 0, "the limit must actually bind")
        #expect(status.spent == settled)
        #expect(status.spent <= hardLimit)
        #expect(status.reserved == .zero)
        let recorded = try await ledger.records(.all).compactMap { $0.cost?.total }.sum()
        #expect(recorded == settled)
        #expect(await ledger.failedWrites == 0)
        try await ledger.close()
    }

    @Test("lowering a reservation frees the difference at once and never raises it")
    func lowerFreesTheDifference() async throws {
        let budget = BudgetGuard(rules: [BudgetRule(name: "global", scope: .global, period: .total, hardLimit: Self.cent * 10)])
        let first = try await budget.reserve(estimatedWorstCase: Self.cent * 8, task: nil, metadata: [:])
        await #expect(throws: BudgetError.self) {
            _ = try await budget.reserve(estimatedWorstCase: Self.cent * 5, task: nil, metadata: [:])
        }
        #expect(await budget.lower(first, to: Self.cent * 3))
        #expect(!(await budget.lower(first, to: Self.cent * 9)))
        let second = try await budget.reserve(estimatedWorstCase: Self.cent * 5, task: nil, metadata: [:])
        #expect(await budget.status().first?.reserved == Self.cent * 8)
        #expect(await budget.settle(first, actualCost: Self.cent * 3))
        #expect(await budget.release(second))
        let status = try #require(await budget.status().first)
        #expect(status.spent == Self.cent * 3 && status.reserved == .zero)
    }

    @Test("a call reserves against every applicable rule or none")
    func allOrNothing() async throws {
        let budget = BudgetGuard(rules: [
            BudgetRule(name: "global", scope: .global, period: .total, hardLimit: pico(100)),
            BudgetRule(name: "code-budget", scope: .task("code"), period: .total, hardLimit: pico(50)),
        ])
        let first = try await budget.reserve(estimatedWorstCase: pico(40), task: "code", metadata: [:])
        #expect(first.ruleNames == ["global", "code-budget"])
        let error = await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(20), task: "code", metadata: [:])
        }
        #expect(error?.code == .hardLimitExceeded)
        #expect(error?.ruleName == "code-budget")
        #expect(error?.limit == pico(50))
        #expect(error?.reserved == pico(40))
        #expect(error?.requested == pico(20))
        #expect(error?.downgradeAllowed == false)
        // The refused call reserved nothing in the global rule either.
        #expect(await budget.status().first { $0.ruleName == "global" }?.reserved == pico(40))
        let chat = try await budget.reserve(estimatedWorstCase: pico(60), task: "chat", metadata: [:])
        #expect(chat.ruleNames == ["global"])
        await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(1), task: "chat", metadata: [:])
        }
    }

    @Test("release returns the reservation; release and settle afterwards are no-ops")
    func releaseOnFailure() async throws {
        let budget = BudgetGuard(rules: [BudgetRule(name: "g", scope: .global, period: .total, hardLimit: pico(100))])
        let reservation = try await budget.reserve(estimatedWorstCase: pico(100), task: nil, metadata: [:])
        await #expect(throws: BudgetError.self) { try await budget.reserve(estimatedWorstCase: pico(1), task: nil, metadata: [:]) }
        #expect(await budget.release(reservation))
        #expect(!(await budget.release(reservation)))
        #expect(!(await budget.settle(reservation, actualCost: pico(70))))
        let status = try #require(await budget.status().first)
        #expect(status.spent == .zero && status.reserved == .zero)
        _ = try await budget.reserve(estimatedWorstCase: pico(100), task: nil, metadata: [:])
    }

    @Test("the soft-limit callback fires once per rule and period")
    func softLimitOnce() async throws {
        let events = LockedBox<[BudgetSoftLimitEvent]>([])
        let rule = BudgetRule(name: "soft", scope: .global, period: .total, softLimit: pico(100), hardLimit: pico(1000))
        let budget = BudgetGuard(rules: [rule], onSoftLimit: { event in events.mutate { $0.append(event) } })
        for _ in 0..<4 {
            let reservation = try await budget.reserve(estimatedWorstCase: pico(60), task: nil, metadata: [:])
            await budget.settle(reservation, actualCost: pico(60))
        }
        #expect(events.get().count == 1)
        #expect(events.get().first?.spent == pico(120))
        #expect(events.get().first?.rule == rule)
        #expect(await budget.status().first?.softLimitReached == true)
    }

    @Test("day and month budgets start again at UTC period boundaries (injected clock)")
    func periodRollover() async throws {
        let now = LockedBox(utc("2026-03-31T23:59:00Z"))
        let events = LockedBox(0)
        let budget = BudgetGuard(rules: [
            BudgetRule(name: "daily", scope: .global, period: .day, softLimit: pico(50), hardLimit: pico(100)),
            BudgetRule(name: "monthly", scope: .global, period: .month, hardLimit: pico(150)),
        ], clock: { now.get() }, onSoftLimit: { _ in events.mutate { $0 += 1 } })

        let first = try await budget.reserve(estimatedWorstCase: pico(80), task: nil, metadata: [:])
        await budget.settle(first, actualCost: pico(80))
        let refused = await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(30), task: nil, metadata: [:])
        }
        #expect(refused?.ruleName == "daily")

        now.mutate { $0 = utc("2026-04-01T00:00:01Z") } // new day and new month
        let second = try await budget.reserve(estimatedWorstCase: pico(90), task: nil, metadata: [:])
        await budget.settle(second, actualCost: pico(90))
        let status = await budget.status()
        #expect(status.map(\.spent) == [pico(90), pico(90)])
        #expect(status.first?.periodStart == utc("2026-04-01T00:00:00Z"))
        #expect(events.get() == 2, "the soft limit fires again in the new period")

        now.mutate { $0 = utc("2026-04-02T12:00:00Z") } // new day, same month
        let monthly = await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(61), task: nil, metadata: [:])
        }
        #expect(monthly?.ruleName == "monthly")
        #expect(monthly?.spent == pico(90))
    }

    @Test("the error says whether the rule allows a downgrade")
    func downgradeFlag() async throws {
        let budget = BudgetGuard(rules: [
            BudgetRule(name: "per-user", scope: .metadata(key: "user"), period: .total, hardLimit: pico(100),
                       onHardLimit: .downgrade),
        ])
        _ = try await budget.reserve(estimatedWorstCase: pico(80), task: nil, metadata: ["user": "u1"])
        _ = try await budget.reserve(estimatedWorstCase: pico(80), task: nil, metadata: ["user": "u2"])
        _ = try await budget.reserve(estimatedWorstCase: pico(500), task: nil, metadata: [:]) // no key: no rule
        let error = await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(30), task: nil, metadata: ["user": "u1"])
        }
        #expect(error?.downgradeAllowed == true)
        #expect(error?.scopeKey == "u1")
        // The caller retries with a cheaper tier's worst case, which fits.
        _ = try await budget.reserve(estimatedWorstCase: pico(20), task: nil, metadata: ["user": "u1"])
        #expect(await budget.status().map(\.scopeKey) == ["u1", "u2"])
    }

    @Test("seeding from a ledger counts only the current period's priced spend")
    func seedFromLedger() async throws {
        let ledger = InMemoryLedger([
            LedgerRecord(time: utc("2026-02-28T23:00:00Z"), requestID: "old", model: "m", cost: .init(output: pico(500))),
            LedgerRecord(time: utc("2026-03-01T00:00:00Z"), requestID: "new", model: "m", cost: .init(output: pico(70))),
            LedgerRecord(time: utc("2026-03-05T00:00:00Z"), requestID: "unpriced", model: "x", cost: nil),
        ])
        let budget = BudgetGuard(rules: [BudgetRule(name: "m", scope: .global, period: .month, hardLimit: pico(100))],
                                 clock: { utc("2026-03-10T00:00:00Z") })
        try await budget.seed(from: ledger)
        #expect(await budget.status().first?.spent == pico(70))
        await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(31), task: nil, metadata: [:])
        }
    }

    @Test("a negative worst case is refused")
    func negativeAmount() async {
        let budget = BudgetGuard(rules: [])
        let error = await #expect(throws: BudgetError.self) {
            try await budget.reserve(estimatedWorstCase: pico(-1), task: nil, metadata: [:])
        }
        #expect(error?.code == .invalidAmount)
    }
}
