import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

@Suite("Router budgets and hot reload", .serialized)
struct RouterBudgetAndReloadTests {
    static func policy(budgets: String) -> String {
        RouterHarness.policyYAML + "budgets:\n" + budgets
    }

    @Test("a hard limit rejects before any network traffic")
    func hardLimitRejectsWithoutTraffic() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policy(budgets: """
              - { name: tiny, scope: global, period: day, hard_usd: "0.000001", on_hard_limit: reject }

            """))
        defer { Task { await harness.stop() } }
        do {
            _ = try await harness.router.send(RouterHarness.auto("Extract the id."), options: CallOptions(task: "extraction"))
            Issue.record("expected a budget error")
        } catch let error as RouterError {
            #expect(error.code == .budgetExceeded)
            #expect(error.budget?.ruleName == "tiny")
        }
        #expect(harness.server.stats.totalRequests == 0)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
    }

    @Test("a downgrade budget moves the call to a cheaper tier that fits")
    func downgradeBudget() async throws {
        // Opus's worst case for 1,024 output tokens is ~$0.028 and Sonnet's ~$0.017; Haiku's
        // ~$0.006 fits under $0.01.
        let harness = try await RouterHarness.start(policyYAML: Self.policy(budgets: """
              - { name: cap, scope: global, period: day, hard_usd: "0.01", on_hard_limit: downgrade }

            """))
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(
            RouterHarness.auto("Prove it."), options: CallOptions(task: "reasoning"))
        #expect(reply.decision.tier == "haiku")
        #expect(reply.decision.reason.contains("downgraded to haiku by budget 'cap'"))
    }

    @Test("concurrent calls never overspend a budget, and the ledger matches its accounting")
    func concurrentCallsNeverOverspend() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policy(budgets: """
              - { name: pool, scope: global, period: total, hard_usd: "0.05", on_hard_limit: reject }

            """))
        defer { Task { await harness.stop() } }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        _ = try await harness.router.send(
                            RouterHarness.auto("Extract item \(index) from the list."),
                            options: CallOptions(task: "extraction"))
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        let succeeded = outcomes.filter { $0 }.count
        #expect(succeeded > 0)
        #expect(succeeded < 200)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == succeeded)
        let spent = records.compactMap { $0.cost?.total }.sum()
        #expect(spent <= USDAmount(dollars: "0.05")!)
        let status = try #require(await harness.router.budgetStatus().first { $0.ruleName == "pool" })
        #expect(status.spent == spent)
        #expect(status.reserved == .zero)
    }

    @Test("an edited policy file is picked up; a broken edit keeps the previous policy")
    func hotReload() async throws {
        let harness = try await RouterHarness.start(options: ModelRouter.Options(policyReloadInterval: .zero),
                                                    policyFile: true)
        defer { Task { await harness.stop() } }
        let request = RouterHarness.auto("Extract the name.")
        let first = try await harness.router.send(request, options: CallOptions(task: "extraction"))
        #expect(first.decision.model == "claude-haiku-4-5")

        let edited = RouterHarness.policyYAML.replacingOccurrences(of: "claude-haiku-4-5", with: "claude-haiku-5-5-edited")
            .replacingOccurrences(of: "name: test-policy", with: "name: test-policy-v2")
        try edited.write(toFile: harness.policyPath, atomically: true, encoding: .utf8)
        let second = try await harness.router.send(request, options: CallOptions(task: "extraction"))
        #expect(second.decision.model == "claude-haiku-5-5-edited")
        #expect(await harness.router.currentPolicy().name == "test-policy-v2")

        try "tiers: [ { name: broken".write(toFile: harness.policyPath, atomically: true, encoding: .utf8)
        let third = try await harness.router.send(request, options: CallOptions(task: "extraction"))
        #expect(third.decision.model == "claude-haiku-5-5-edited")
    }
}
