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

    @Test("when a budget forbids the next tier, the reply is returned and its record says success, not escalated")
    func budgetForbiddingEscalationKeepsTheRecordHonest() async throws {
        // Haiku's worst case (512 output tokens, ~$0.0032 with headroom) fits under $0.005;
        // after its max_tokens stop, Sonnet's (1,024 output tokens, ~$0.018) does not.
        let harness = try await RouterHarness.start(policyYAML: Self.policy(budgets: """
              - { name: cap, scope: global, period: day, hard_usd: "0.005", on_hard_limit: reject }

            """))
        defer { Task { await harness.stop() } }
        let response = try await harness.router.send(
            RouterHarness.auto("Extract A-1 [[mock: stop=max_tokens]]"), options: CallOptions(task: "extraction"))
        #expect(response.unresolvedTrigger == .maxTokens)
        #expect(response.decision.tier == "haiku")
        #expect(harness.server.stats.totalRequests == 1)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 1)
        #expect(records.first?.outcome == .success)
    }

    @Test("an escalation is reserved against the first attempt's actual cost, not its worst case")
    func escalationReservesAgainstActualCost() async throws {
        // Worst cases carry 10% headroom and price input at the 1-hour cache-write rate: Haiku's
        // (512 output tokens) is ~$0.0032, Sonnet's after a max_tokens stop (1,024 output
        // tokens) ~$0.018; together over $0.0195. Haiku's actual cost (10 output tokens,
        // ~$0.0001) plus Sonnet's worst case is under it: without lowering the first hold to its
        // actual cost, the escalation would be refused.
        let harness = try await RouterHarness.start(policyYAML: Self.policy(budgets: """
              - { name: cap, scope: global, period: day, hard_usd: "0.0195", on_hard_limit: reject }

            """))
        defer { Task { await harness.stop() } }
        let response = try await harness.router.send(
            RouterHarness.auto("Extract A-1 [[mock: stop=max_tokens output-tokens=10 models=haiku]]"),
            options: CallOptions(task: "extraction"))
        #expect(response.unresolvedTrigger == nil)
        #expect(response.attempts.count == 2)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.map(\.outcome.kind).sorted() == ["escalated", "success"])
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
