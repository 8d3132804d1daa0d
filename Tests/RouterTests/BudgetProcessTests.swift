import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// Budgets shared through one SQLite ledger by many `claude-router` processes, against the mock
/// server on loopback (which counts the requests that reached it).
@Suite("Budgets across processes", .serialized)
struct BudgetProcessTests {
    @Test("16 processes × 20 sends against a third of their demand: never overspent, ledger = accounting, no request for a refused call")
    func raceOfProcesses() async throws {
        let harness = try await BudgetProcessHarness.start()
        defer { Task { await harness.stop() } }
        let cost = try await harness.measureCallCost()
        let limit = USDAmount(picodollars: cost.picodollars * 320 / 3)
        try harness.writePolicy(limit: limit)
        let requestsBefore = harness.server.stats.requests(to: .messages)

        let statuses = try await withThrowingTaskGroup(of: [Int32].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var lane: [Int32] = []
                    for _ in 0..<20 { lane.append(try await harness.run(harness.sendArguments()).status) }
                    return lane
                }
            }
            return try await group.reduce(into: [Int32]()) { $0 += $1 }
        }
        let succeeded = statuses.filter { $0 == 0 }.count
        let (records, spent) = try await harness.ledgerSpend()
        let status = try #require(try await harness.budgetStatus(limit: limit).status().first)
        let requests = harness.server.stats.requests(to: .messages) - requestsBefore
        print("budget race: 16×20 sends, limit \(limit.exactDecimal), spent \(spent.exactDecimal) "
              + "(\(String(format: "%.1f", spent.dollars / limit.dollars * 100))%), \(succeeded) sent, "
              + "\(statuses.count - succeeded) refused, \(requests) requests at the mock")
        #expect(spent <= limit)
        #expect(statuses.allSatisfy { $0 == 0 || $0 == 5 }, "a refused send exits 5: \(Set(statuses))")
        #expect(succeeded > 0 && succeeded < 320)
        #expect(records.count == succeeded)
        #expect(status.spent == spent)
        #expect(status.reserved == .zero)
        #expect(requests == succeeded)
    }

    @Test("calibrate --fixtures starts from the ledger's spend: with the budget spent, it sends nothing")
    func calibrateStartsFromLedger() async throws {
        let harness = try await BudgetProcessHarness.start()
        defer { Task { await harness.stop() } }
        let cost = try await harness.measureCallCost()
        let worst = try await harness.measureWorstCase()
        try harness.writePolicy(limit: worst + cost * 3)
        // Fill the budget from separate send processes until one is refused.
        for _ in 0..<10 where try await harness.run(harness.sendArguments(wait: 0)).status == 0 {}
        let fixtures = harness.directory.path("fixtures.yaml")
        try "suite: budget\ncases:\n  - id: one\n    task: extraction\n    prompt: \"\(BudgetProcessHarness.prompt)\"\n"
            .write(toFile: fixtures, atomically: true, encoding: .utf8)
        let requestsBefore = harness.server.stats.requests(to: .messages)
        let child = try await harness.run(["calibrate", "--policy", harness.policyPath, "--fixtures", fixtures,
                                           "--ledger", harness.ledgerPath, "--base-url", harness.server.baseURL,
                                           "--budget-wait", "0", "--target-quality-ratio", "0.95",
                                           "--output", harness.directory.path("out.yaml")])
        #expect(harness.server.stats.requests(to: .messages) == requestsBefore, "\(child.stderr)")
        #expect(child.stderr.contains("budget_exceeded"), "\(child.stderr)")
        #expect(try await harness.ledgerSpend().sum <= worst + cost * 3)
    }

    @Test("sequential sends start from the ledger's spend: a fresh process is refused once the ledger holds the limit")
    func sequentialRunsStartFromLedger() async throws {
        let harness = try await BudgetProcessHarness.start()
        defer { Task { await harness.stop() } }
        let cost = try await harness.measureCallCost()
        let worst = try await harness.measureWorstCase()
        // Room for the worst case plus 3 actual costs: the 5th process at the latest is refused,
        // although on its own (an empty in-process budget) every call would fit.
        let limit = worst + cost * 3
        try harness.writePolicy(limit: limit)
        let requestsBefore = harness.server.stats.requests(to: .messages)
        var sent = 0
        var refused: BudgetProcessHarness.Child?
        for _ in 0..<10 {
            let child = try await harness.run(harness.sendArguments(wait: 0))
            if child.status != 0 { refused = child; break }
            sent += 1
        }
        let child = try #require(refused, "no process was refused: budgets did not start from the ledger")
        #expect(child.stderr.contains("budget_exceeded"))
        #expect(child.status == 5)
        #expect(sent >= 3)
        #expect(try await harness.ledgerSpend().sum <= limit)
        #expect(harness.server.stats.requests(to: .messages) - requestsBefore == sent)

        // An eval run after them starts from the same spend: nothing fits, nothing is sent.
        let fixtures = try harness.writeFixtures(count: 5)
        _ = try await harness.run(["eval", "--fixtures", fixtures, "--policy", harness.policyPath, "--ledger",
                                   harness.ledgerPath, "--base-url", harness.server.baseURL, "--budget-wait", "0"])
        #expect(harness.server.stats.requests(to: .messages) - requestsBefore == sent)
    }

    @Test("a kill -9ed process's reservation expires and the budget comes back")
    func killedProcessReservationExpires() async throws {
        let harness = try await BudgetProcessHarness.start()
        defer { Task { await harness.stop() } }
        let ample = USDAmount(dollars: "100")!
        try harness.writePolicy(limit: ample)
        // The mock holds the reply for a minute: the child reserves, sends, and waits.
        let slow = BudgetProcessHarness.prompt.replacingOccurrences(of: "reply=Ada", with: "reply=Ada delay-ms=60000")
        let quick = BudgetProcessHarness.prompt.replacingOccurrences(of: "reply=Ada", with: "reply=Ada delay-ms=00001")
        _ = try await harness.ledgerSpend() // creates the ledger file, so the store below can open it
        let (child, _) = try harness.launch(harness.sendArguments(slow, expiry: 15))
        let store = try harness.budgetStatus(limit: ample)
        var held = USDAmount.zero
        for _ in 0..<200 where held == .zero {
            try await Task.sleep(for: .milliseconds(50))
            held = try await store.status().first?.reserved ?? .zero
        }
        #expect(held > .zero, "the child never reserved")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)

        // Room for one call only: while the dead child's hold counts, another call cannot fit.
        let limit = held + USDAmount(picodollars: held.picodollars / 2)
        try harness.writePolicy(limit: limit)
        let blocked = try await harness.run(harness.sendArguments(quick, wait: 0))
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("budget_exceeded"))
        // Waiting outlasts the 15-second expiry: the hold returns and the call goes through.
        let waited = try await harness.run(harness.sendArguments(quick, wait: 40))
        #expect(waited.status == 0, "\(waited.stderr)")
        let status = try #require(try await harness.budgetStatus(limit: limit).status().first)
        #expect(status.reserved == .zero)
        #expect(status.spent == (try await harness.ledgerSpend().sum))
    }

    @Test("eval --concurrency 64 waits for reservations and uses at least 95% of the budget")
    func highConcurrencyEvalUtilisation() async throws {
        let harness = try await BudgetProcessHarness.start()
        defer { Task { await harness.stop() } }
        let cost = try await harness.measureCallCost()
        let worst = try await harness.measureWorstCase()
        // 40 worst cases of budget (the unused tail is at most one worst case: 2.5%), and twice
        // as many cases as it pays for.
        let limit = worst * 40
        let cases = Int(limit.picodollars * 2 / max(cost.picodollars, 1))
        let fixtures = try harness.writeFixtures(count: cases)
        try harness.writePolicy(limit: limit)
        var utilisation: [Double: Double] = [:]
        for wait in [0.0, 30.0] {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: harness.ledgerPath + suffix) }
            _ = try await harness.run(["eval", "--fixtures", fixtures, "--policy", harness.policyPath,
                                       "--ledger", harness.ledgerPath, "--base-url", harness.server.baseURL,
                                       "--concurrency", "64", "--budget-wait", "\(wait)", "--no-cache"])
            let spent = try await harness.ledgerSpend().sum
            #expect(spent <= limit)
            utilisation[wait] = spent.dollars / limit.dollars
        }
        print("budget utilisation, eval --concurrency 64, \(cases) cases, limit \(limit.exactDecimal) "
              + "(worst case \(worst.exactDecimal), actual \(cost.exactDecimal) per call): "
              + "--budget-wait 0: \(String(format: "%.1f", (utilisation[0] ?? 0) * 100))%, "
              + "--budget-wait 30: \(String(format: "%.1f", (utilisation[30] ?? 0) * 100))%")
        #expect((utilisation[30] ?? 0) >= 0.95)
    }
}
