import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// Server tools billed per use (web search: $10 per 1,000 searches, docs/POLICY.md "Prices"):
/// priced exactly, recorded, counted by budgets, and reserved from `max_uses`. Through a router
/// over loopback against the mock, which reports `usage.server_tool_use` on `web-searches=N`.
@Suite("Router: server-tool uses are priced, recorded and budgeted", .serialized)
struct RouterServerToolPricingTests {
    static let dollar = USDAmount(dollars: "1")!

    /// A question that declares web search (with `maxUses`, or without when `nil`).
    static func searching(_ prompt: String, maxUses: Int?) -> MessageRequest {
        var extra: [String: JSONValue] = [:]
        if let maxUses { extra["max_uses"] = .int(Int64(maxUses)) }
        var request = RouterHarness.auto(prompt)
        request.tools = [Tool(name: "web_search", type: "web_search_20250305", extra: extra)]
        return request
    }

    @Test("100 web searches add exactly $1.00 to the attempt's token cost: in the reply, the ledger and the budget")
    func searchesArePriced() async throws {
        let harness = try await RouterHarness.start(policyYAML: RouterHarness.policyYAML + """
            budgets:
              - { name: daily, scope: global, period: day, hard_usd: "5" }

            """)
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(Self.searching("Latest news? [[mock: web-searches=100]]", maxUses: 100),
                                                  options: CallOptions(task: "extraction"))
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.usage.serverToolUse == ["web_search_requests": 100])
        let cost = try #require(record.cost)
        #expect(cost.serverTools == Self.dollar)
        // The tokens alone, priced by the same book: the total is exactly $1.00 more.
        var tokens = record.usage
        tokens.serverToolUse = nil
        let tokenCost = try #require(PriceBook.bundledDefault.cost(of: tokens, model: record.model, at: record.time)?.total)
        #expect(cost.total == tokenCost + Self.dollar)
        #expect(reply.totalCost == cost.total)
        #expect(reply.attempts.last?.cost?.serverTools == Self.dollar)
        let spent = await harness.router.budgetStatus().first { $0.ruleName == "daily" }?.spent
        #expect(spent == cost.total)
    }

    @Test("web fetches are listed at $0 beyond their tokens: priced, not unknown")
    func fetchesAreFree() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        _ = try await harness.router.send(RouterHarness.auto("Read this page [[mock: web-fetches=3]]"),
                                          options: CallOptions(task: "extraction"))
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.usage.serverToolUse == ["web_fetch_requests": 3])
        #expect(record.cost != nil)
        #expect(record.cost?.serverTools == nil)
    }

    @Test("a counter the price book has no price for makes the cost unknown and flagged, never $0")
    func unpricedCounterIsUnknown() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        // The bundled book without its server_tools section.
        let text = try #require(BundledPolicies.text(named: BundledPolicies.directory + "/prices.yaml"))
        let start = try #require(text.range(of: "server_tools:"))
        let end = try #require(text.range(of: "\nmodels:", range: start.upperBound..<text.endIndex))
        let book = try PriceBook.parse(yaml: String(text[..<start.lowerBound]) + String(text[end.lowerBound...]),
                                       file: "no-server-tools.yaml")
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: RouterHarness.policyYAML, file: "p.yaml")),
                                     client: harness.client, ledger: harness.ledger, prices: book)
        let reply = try await router.send(RouterHarness.auto("Search [[mock: web-searches=2]]"),
                                          options: CallOptions(task: "extraction"))
        #expect(reply.attempts.last?.cost == nil)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.cost == nil)
        #expect(record.usage.serverToolUse == ["web_search_requests": 2])
        #expect(record.flags?.contains { $0.hasPrefix("server_tool_unpriced: web_search_requests 2") } == true)
    }

    @Test("a negative count of searches makes the cost unknown and flagged server_tool_invalid, never $0")
    func negativeCountIsUnknown() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(RouterHarness.auto("Search [[mock: web-searches=-1]]"),
                                                  options: CallOptions(task: "extraction"))
        #expect(reply.attempts.last?.cost == nil)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.cost == nil)
        #expect(record.flags?.contains { $0.hasPrefix("server_tool_invalid: web_search_requests -1") } == true, "\(record.flags ?? [])")
    }

    @Test("a hard budget reserves max_uses searches; without max_uses the call is refused; without a budget it goes")
    func reservation() async throws {
        // Haiku's worst case for this short prompt is under $0.01; 5 searches add $0.05.
        let harness = try await RouterHarness.start(policyYAML: RouterHarness.policyYAML + """
            budgets:
              - { name: small, scope: global, period: day, hard_usd: "0.04" }

            """)
        defer { Task { await harness.stop() } }
        let refused = await #expect(throws: RouterError.self) {
            _ = try await harness.router.send(Self.searching("Search it", maxUses: 5), options: CallOptions(task: "extraction"))
        }
        #expect(refused?.code == .budgetExceeded)
        #expect((refused?.budget?.requested ?? .zero) > USDAmount(dollars: "0.05")!)
        let unbounded = await #expect(throws: RouterError.self) {
            _ = try await harness.router.send(Self.searching("Search it", maxUses: nil), options: CallOptions(task: "extraction"))
        }
        #expect(unbounded?.code == .unboundedUnderBudget)
        #expect(unbounded?.message.contains("without max_uses") == true)
        // Two searches fit.
        _ = try await harness.router.send(Self.searching("Search it [[mock: web-searches=2]]", maxUses: 2),
                                          options: CallOptions(task: "extraction"))
        #expect(harness.server.stats.requests(to: .messages) == 1)

        let free = try await RouterHarness.start()
        defer { Task { await free.stop() } }
        _ = try await free.router.send(Self.searching("Search it", maxUses: nil), options: CallOptions(task: "extraction"))
        #expect(free.server.stats.requests(to: .messages) == 1)
    }

    static let budgeted = RouterHarness.policyYAML + """
        budgets:
          - { name: daily, scope: global, period: day, hard_usd: "5" }

        """

    @Test("a huge max_uses or max_tokens is refused as over budget, never an arithmetic trap: single call and batch")
    func hugeBoundsSaturate() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.budgeted)
        defer { Task { await harness.stop() } }
        for request in [Self.searching("Search it", maxUses: 922_337_203),
                        Self.searching("Search it", maxUses: Int(Int32.max)),
                        MessageRequest(model: "claude-opus-4-8", maxTokens: 4_000_000_000_000, messages: [.user("hi")]),
                        // Tokens between Int64.max / 11 and the saturation point (×1.1 overflowed there).
                        MessageRequest(model: "claude-opus-4-8", maxTokens: 40_000_000_000, messages: [.user("hi")])] {
            let refused = await #expect(throws: RouterError.self) {
                _ = try await harness.router.send(request, options: CallOptions(task: "extraction"))
            }
            #expect(refused?.code == .budgetExceeded)
            let batch = await #expect(throws: RouterError.self) {
                var item = request
                if item.model == "auto" { item.model = "claude-haiku-4-5"; item.maxTokens = 100 }
                _ = try await harness.router.reserveBatch([item, item], options: CallOptions(task: "extraction"))
            }
            #expect(batch?.code == .budgetExceeded)
        }
        #expect(harness.server.stats.requests(to: .messages) == 0)
    }

    @Test("a batch's hold takes the batch discount off tokens only: 100 searches hold their whole $1.00")
    func batchHoldKeepsFeesWhole() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.budgeted)
        defer { Task { await harness.stop() } }
        var item = Self.searching("Search it", maxUses: 100)
        item.model = "claude-haiku-4-5"
        item.maxTokens = 100
        let hold = try await harness.router.reserveBatch([item], options: CallOptions(task: "extraction"))
        // Tokens: the single call's token worst case at half price; fees: 100 × $0.01, whole.
        let tokensOnly = try await harness.router.reserveBatch([{ var plain = item; plain.tools = nil; return plain }()],
                                                               options: CallOptions(task: "extraction"))
        // (The tool's definition adds its bytes to the input bound, so the token part is a little larger.)
        #expect(hold.reservation.amount >= tokensOnly.reservation.amount + Self.dollar)
        #expect(hold.reservation.amount < tokensOnly.reservation.amount * 2 + Self.dollar, "\(hold.reservation.amount)")
        await harness.router.releaseBatch(hold)
        await harness.router.releaseBatch(tokensOnly)
    }
}
