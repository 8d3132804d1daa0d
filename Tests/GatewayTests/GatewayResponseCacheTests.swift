import ClaudeClient
import ClaudeMockServer
import ClaudeRouterGateway
import Foundation
import Router
import RouterPolicies
import Testing

/// The response cache through the gateway: the gateway calls the same `ModelRouter.send`, so a
/// repeated non-streaming question is answered without an upstream request.
@Suite("Gateway response cache", .serialized)
struct GatewayResponseCacheTests {
    static func start() async throws -> GatewayHarness {
        let mock = MockAnthropicServer()
        try await mock.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-rc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let client = AnthropicClient(configuration: .init(apiKey: GatewayHarness.canaryKey, baseURL: mock.baseURL, maxRetries: 0))
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let yaml = GatewayHarness.policyYAML().replacingOccurrences(
            of: "  extraction: { tier: haiku, max_tokens: 512 }",
            with: "  extraction: { tier: haiku, max_tokens: 512 }\n  faq: { tier: haiku, max_tokens: 256, response_cache: { ttl: 10m } }")
        var options = ModelRouter.Options(policyReloadInterval: .zero)
        options.responseCache = try ResponseCache(path: directory.appendingPathComponent("ledger.sqlite.responses.sqlite").path)
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: yaml, file: "gateway-rc.yaml")), client: client,
                                     ledger: ledger, options: options)
        let gateway = try Gateway(router: router, client: client, ledger: ledger,
                                  configuration: .init(host: "127.0.0.1", port: 0, keys: nil, drainGracePeriod: .seconds(5)),
                                  logger: GatewayHarness.quiet("gateway"), accessLog: GatewayHarness.quiet("access"))
        try await gateway.start()
        return GatewayHarness(mock: mock, client: client, ledger: ledger, router: router, gateway: gateway, directory: directory)
    }

    @Test("a repeated question through serve makes no upstream request and is recorded as a $0 hit")
    func repeatedQuestion() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        var bodies: [String] = []
        for user in ["ann", "ann", "bob"] {
            let reply = try await Curl.run(
                harness.gateway.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "When do you open on Sundays?"),
                headers: ["x-api-key": "anything", "anthropic-version": "2023-06-01", "x-router-task": "faq",
                          "x-router-metadata-user": user])
            #expect(reply.status == 200)
            bodies.append(reply.body)
        }
        #expect(harness.mock.stats.requestsByEndpoint[.messages] == 2) // ann once, bob once
        #expect(bodies[0] == bodies[1])
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.map { $0.responseCacheHit == true } == [false, true, false])
        #expect(records[1].cost?.total == .zero && records[1].avoidedCost == records[0].cost?.total)
    }

    @Test("a parameter the client does not model is part of the key: output_format A and B are two answers, A again is a hit")
    func unmodelledParameterInKey() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let headers = ["x-api-key": "anything", "anthropic-version": "2023-06-01", "x-router-task": "faq",
                       "x-router-metadata-user": "ann"] // the task's cache is partitioned by user
        func format(_ title: String) -> String {
            #",  "output_format": {"type":"json_schema","schema":{"type":"object","title":"\#(title)"}}"#
        }
        for title in ["A", "B", "A"] {
            let reply = try await Curl.run(
                harness.gateway.baseURL + "/v1/messages",
                body: Curl.messageBody(prompt: "When do you open on Sundays?", extra: format(title)), headers: headers)
            #expect(reply.status == 200, "\(reply.body)")
        }
        // A and B each reached the API; the second A was answered from the cache.
        #expect(harness.mock.stats.requestsByEndpoint[.messages] == 2)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.map { $0.responseCacheHit == true } == [false, false, true])
    }
}
