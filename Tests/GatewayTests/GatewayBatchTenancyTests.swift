import ClaudeClient
import ClaudeRouterGateway
import Foundation
import Logging
import Router
import RouterPolicies
import Testing

/// With keys, a batch belongs to the user who submitted it: other users cannot see, cancel or
/// fetch it, and its results are recorded and charged under its submitter, whoever fetches them.
@Suite("Gateway batches per caller", .serialized)
struct GatewayBatchTenancyTests {
    static let keysYAML = """
    keys:
      - name: alice-key
        sha256: \(GatewayKeys.hash("gw-alice"))
        user: alice
      - name: bob-key
        sha256: \(GatewayKeys.hash("gw-bob"))
        user: bob
    """

    static let budgets = """
    budgets:
      - { name: per-user, scope: "metadata:user", period: day, hard_usd: "5" }
    """

    static func batchBody(_ prefix: String) -> String {
        #"{"requests":["#
            + #"{"custom_id":"\#(prefix)1","params":{"model":"auto:extraction","max_tokens":100,"messages":[{"role":"user","content":"Extract 4411"}]}},"#
            + #"{"custom_id":"\#(prefix)2","params":{"model":"claude-opus-4-8","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}}]}"#
    }

    static func create(_ base: String, key: String, prefix: String) async throws -> String {
        let created = try await Curl.run(base + "/v1/messages/batches", body: batchBody(prefix), headers: ["x-api-key": key])
        #expect(created.status == 200)
        return try #require(created.json?["id"] as? String)
    }

    static func listed(_ base: String, key: String, query: String = "") async throws -> [String] {
        let list = try await Curl.run(base + "/v1/messages/batches" + query, headers: ["x-api-key": key])
        #expect(list.status == 200)
        return ((list.json?["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    static func status(_ router: ModelRouter, user: String) async throws -> BudgetStatus? {
        await router.budgetStatus().first { $0.ruleName == "per-user" && $0.scopeKey == user }
    }

    @Test("another user's batch is 404 not_found_error for retrieve, cancel and results, as an unknown id is; lists show only the caller's own; results are recorded and charged under the submitter")
    func isolation() async throws {
        let keys = try GatewayKeys.parse(yaml: Self.keysYAML, file: "keys.yaml")
        let harness = try await GatewayHarness.start(budgets: Self.budgets, keys: keys)
        defer { Task { await harness.stop() } }
        let base = harness.gateway.baseURL
        let alices = try await Self.create(base, key: "gw-alice", prefix: "a")
        let bobs = try await Self.create(base, key: "gw-bob", prefix: "b")
        let aliceHeld = try #require(try await Self.status(harness.router, user: "alice"))
        #expect(aliceHeld.reserved > .zero)
        let upstreamBefore = harness.mock.stats.totalRequests

        let unknown = try await Curl.run(base + "/v1/messages/batches/msgbatch_unknown", headers: ["x-api-key": "gw-bob"])
        #expect(unknown.status == 404)
        for (method, suffix) in [(nil, ""), ("POST", "/cancel"), (nil, "/results")] as [(String?, String)] {
            let reply = try await Curl.run(base + "/v1/messages/batches/\(alices)" + suffix, method: method,
                                           headers: ["x-api-key": "gw-bob"])
            #expect(reply.status == 404, "bob \(method ?? "GET") \(suffix)")
            #expect(reply.json?["type"] as? String == "error")
            let error = reply.json?["error"] as? [String: Any]
            #expect(error?["type"] as? String == "not_found_error")
            // The same answer as for a batch that does not exist.
            #expect((error?["message"] as? String)?.replacingOccurrences(of: alices, with: "msgbatch_unknown")
                    == (unknown.json?["error"] as? [String: Any])?["message"] as? String)
        }
        // None of bob's tries reached the API: alice's batch was neither read, canceled nor fetched.
        #expect(harness.mock.stats.totalRequests == upstreamBefore)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)

        #expect(try await Self.listed(base, key: "gw-bob") == [bobs])
        #expect(try await Self.listed(base, key: "gw-alice") == [alices])
        // Paging over the caller's own batches only.
        let more = try await Self.create(base, key: "gw-alice", prefix: "c")
        let first = try await Curl.run(base + "/v1/messages/batches?limit=1", headers: ["x-api-key": "gw-alice"])
        #expect(first.json?["has_more"] as? Bool == true)
        let firstPage = ((first.json?["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        let cursor = try #require(first.json?["last_id"] as? String)
        let second = try await Self.listed(base, key: "gw-alice", query: "?limit=1&after_id=\(cursor)")
        #expect(Set(firstPage + second) == [alices, more])
        #expect(second.count == 1)
        let back = try await Self.listed(base, key: "gw-alice", query: "?limit=1&before_id=\(try #require(second.first))")
        #expect(back == firstPage)

        // Alice fetches her results: recorded under alice, charged to alice's budget.
        let results = try await Curl.run(base + "/v1/messages/batches/\(alices)/results", headers: ["x-api-key": "gw-alice"])
        #expect(results.status == 200)
        let records = try await harness.ledger.records(LedgerQuery()).filter { $0.requestID == alices }
        #expect(Set(records.map(\.id)) == ["\(alices):a1", "\(alices):a2"])
        #expect(records.allSatisfy { $0.metadata["user"] == "alice" && $0.metadata["gateway_key"] == "alice-key" })
        let cost = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        #expect(cost > .zero)
        let alice = try #require(try await Self.status(harness.router, user: "alice"))
        #expect(alice.spent == cost)
        let bob = try #require(try await Self.status(harness.router, user: "bob"))
        #expect(bob.spent == .zero)
        #expect(bob.reserved > .zero)  // bob's own batch is still held, nothing of alice's
    }

    @Test("a second gateway on the same ledger file (or the same one restarted) knows each batch's submitter and settles its hold")
    func sharedLedger() async throws {
        let keys = try GatewayKeys.parse(yaml: Self.keysYAML, file: "keys.yaml")
        let harness = try await GatewayHarness.start(budgets: Self.budgets, keys: keys)
        defer { Task { await harness.stop() } }
        let alices = try await Self.create(harness.gateway.baseURL, key: "gw-alice", prefix: "a")
        #expect(try #require(try await Self.status(harness.router, user: "alice")).reserved > .zero)

        // Another gateway process's view: its own ledger connection, router, budget store and registry.
        let ledger = try SQLiteLedger(path: harness.ledger.path)
        let router = try ModelRouter(
            policy: .policy(try Policy.parse(yaml: GatewayHarness.policyYAML(budgets: Self.budgets), file: "p.yaml")),
            client: harness.client, ledger: ledger, options: .init(policyReloadInterval: .zero))
        let other = try Gateway(router: router, client: harness.client, ledger: ledger,
                                batches: try SQLiteBatchRegistry(path: ledger.path),
                                configuration: .init(host: "127.0.0.1", port: 0, keys: keys, drainGracePeriod: .seconds(5)),
                                logger: GatewayHarness.quiet("gateway"), accessLog: GatewayHarness.quiet("access"))
        try await other.start()
        let otherBase = other.baseURL
        let bobTry = try await Curl.run(otherBase + "/v1/messages/batches/\(alices)/results", headers: ["x-api-key": "gw-bob"])
        #expect(bobTry.status == 404)
        #expect(try await Self.listed(otherBase, key: "gw-bob").isEmpty)
        #expect(try await Self.listed(otherBase, key: "gw-alice") == [alices])
        let results = try await Curl.run(otherBase + "/v1/messages/batches/\(alices)/results", headers: ["x-api-key": "gw-alice"])
        #expect(results.status == 200)
        await other.stop()
        try await ledger.close()

        let records = try await harness.ledger.records(LedgerQuery()).filter { $0.requestID == alices }
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.metadata["user"] == "alice" })
        let cost = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        // The hold the first gateway reserved was settled by the second: nothing stays reserved.
        let alice = try #require(try await Self.status(harness.router, user: "alice"))
        #expect(alice.reserved == .zero)
        #expect(alice.spent == cost)
    }
}
