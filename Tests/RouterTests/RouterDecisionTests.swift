import ClaudeClient
import Router
import RouterPolicies
import Testing

/// `ModelRouter.decision(for:options:)`: the router's first decision, without a call.
@Suite("Router decision preview", .serialized)
struct RouterDecisionTests {
    @Test("auto is decided by the policy and matches what send then uses; nothing is recorded")
    func autoMatchesSend() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let request = RouterHarness.auto("Extract the invoice number from: Invoice #4411.")
        let options = CallOptions(task: "extraction")
        let preview = await harness.router.decision(for: request, options: options)
        #expect(preview.tier == "haiku")
        #expect(preview.model == "claude-haiku-4-5")
        #expect(preview.task == "extraction")
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
        #expect(harness.server.stats.totalRequests == 0)

        let reply = try await harness.router.send(request, options: options)
        #expect(reply.attempts[0].decision.tier == preview.tier)
        #expect(reply.attempts[0].decision.model == preview.model)
    }

    @Test("a concrete model is the pass-through decision, naming a tier only when a tier uses it")
    func concreteModel() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let known = await harness.router.decision(
            for: MessageRequest(model: "claude-sonnet-4-6", maxTokens: 100, messages: [.user("hi")]))
        #expect(known.tier == "sonnet")
        #expect(known.model == "claude-sonnet-4-6")
        #expect(known.maxTokens == 100)
        let other = await harness.router.decision(
            for: MessageRequest(model: "claude-3-haiku-20240307", maxTokens: 50, messages: [.user("hi")]))
        #expect(other.tier == "passthrough")
        #expect(other.model == "claude-3-haiku-20240307")
    }
}
