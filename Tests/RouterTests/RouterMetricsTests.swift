import ClaudeClient
import Foundation
import Metrics
import MetricsTestKit
import Router
import RouterPolicies
import Testing

/// swift-metrics can be bootstrapped once per process; this suite is the only one that does.
enum TestMetricsBootstrap {
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()
}

@Suite("Router metrics", .serialized)
struct RouterMetricsTests {
    @Test("attempts, tokens, escalations and unpriced records are counted with their dimensions")
    func countsAttemptsTokensEscalations() async throws {
        let metrics = TestMetricsBootstrap.metrics
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let task = "metrics-\(UUID().uuidString.prefix(8))"
        let policy = RouterHarness.policyYAML.replacingOccurrences(
            of: "  extraction: { tier: haiku, max_tokens: 512 }",
            with: "  extraction: { tier: haiku, max_tokens: 512 }\n  \(task): { tier: haiku, max_tokens: 512 }")
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: policy, file: "metrics.yaml")),
                                client: harness.client, ledger: harness.ledger)

        let reply = try await router.send(
            RouterHarness.auto("Extract the total. [[mock: stop=max_tokens models=haiku]]"),
            options: CallOptions(task: task))
        #expect(reply.attempts.count == 2)

        let haikuDimensions = [("model", "claude-haiku-4-5"), ("tier", "haiku"), ("task", task), ("variant", "none")]
        let escalated = try metrics.expectCounter("claude_router_attempts_total", haikuDimensions + [("outcome", "escalated")])
        #expect(escalated.totalValue == 1)
        let escalations = try metrics.expectCounter(
            "claude_router_escalations_total", haikuDimensions + [("trigger", "max_tokens")])
        #expect(escalations.totalValue == 1)
        let input = try metrics.expectCounter("claude_router_tokens_total", haikuDimensions + [("kind", "input")])
        #expect(input.totalValue == Int64(reply.attempts[0].usage.input))
        let sonnetModel = reply.attempts[1].decision.model
        let success = try metrics.expectCounter(
            "claude_router_attempts_total",
            [("model", reply.message.model.isEmpty ? sonnetModel : reply.message.model), ("tier", "sonnet"),
             ("task", task), ("variant", "none"), ("outcome", "success")])
        #expect(success.totalValue == 1)

        _ = try await router.send(MessageRequest(model: "claude-unpriced-x", maxTokens: 50, messages: [.user("hi")]),
                                  options: CallOptions(task: task))
        let unpriced = try metrics.expectCounter(
            "claude_router_unpriced_records_total",
            [("model", "claude-unpriced-x"), ("tier", "passthrough"), ("task", task), ("variant", "none")])
        #expect(unpriced.totalValue == 1)
    }

    @Test("response-cache misses, stores and hits are counted per task")
    func countsResponseCache() async throws {
        let metrics = TestMetricsBootstrap.metrics
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let task = "cached-\(UUID().uuidString.prefix(8))"
        let policy = RouterHarness.policyYAML.replacingOccurrences(
            of: "  extraction: { tier: haiku, max_tokens: 512 }",
            with: "  extraction: { tier: haiku, max_tokens: 512 }\n  \(task): { tier: haiku, max_tokens: 512, response_cache: { ttl: 1h } }")
        var options = ModelRouter.Options()
        options.responseCache = try ResponseCache(path: ":memory:")
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: policy, file: "metrics.yaml")),
                                     client: harness.client, ledger: harness.ledger, options: options)
        let call = CallOptions(task: task, metadata: ["user": "u1"])
        for _ in 0..<3 { _ = try await router.send(RouterHarness.auto("What time is it in Lyon?"), options: call) }
        #expect(try metrics.expectCounter("claude_router_response_cache_misses_total", [("task", task)]).totalValue == 1)
        #expect(try metrics.expectCounter("claude_router_response_cache_stores_total", [("task", task)]).totalValue == 1)
        #expect(try metrics.expectCounter("claude_router_response_cache_hits_total", [("task", task)]).totalValue == 2)
    }
}
