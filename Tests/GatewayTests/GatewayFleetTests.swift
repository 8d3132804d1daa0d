import ClaudeMockServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Router
import RouterPolicies
import RouterPostgres
import Testing

/// Four `claude-router serve` processes sharing one PostgreSQL ledger and budget store in front of
/// ONE mock of the API: the fleet proof (docs/FLEET.md).
@Suite("Gateway fleet on PostgreSQL", .serialized,
       .enabled(if: heavyGatewayTests, "heavy: set CLAUDE_ROUTER_GATEWAY_HEAVY=1 (scripts/test.sh does)"))
struct GatewayFleetTests {
    static let gateways = 4
    static let prompt = "Fleet call [[mock: reply=fleet_reply_of_eight_words_for_every_call delay-ms=40]]"

    /// A fresh schema on the test server, or a recorded failure (the heavy run needs it).
    static func url() -> String? {
        guard let base = ProcessInfo.processInfo.environment["CLAUDE_ROUTER_TEST_POSTGRES_URL"], !base.isEmpty else {
            Issue.record("CLAUDE_ROUTER_TEST_POSTGRES_URL is not set: the fleet proof needs PostgreSQL (scripts/test.sh starts one)")
            return nil
        }
        let schema = "fleet_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        // timeout=60: 1,000 calls on a loaded 2-core machine queue for the pools for seconds.
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)&timeout=60"
    }

    /// One call on its own connection; the status, the request id and whether the reply is complete.
    static func call(port: Int, body: String) async -> (status: Int, complete: Bool, cost: String?) {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[HTTPField.Name("x-api-key")!] = "fleet"
        let fields = headers
        let reply = try? await TestClient.withClient(host: "127.0.0.1", port: port,
                                                     configuration: .init(timeout: .seconds(120))) { client in
            try await client.post("/v1/messages", headers: fields, body: ByteBuffer(string: body))
        }
        guard let reply else { return (0, false, nil) }
        let status = Int(reply.head.status.code)
        let text = reply.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        return (status, status == 200 && text.contains("fleet reply of eight words"),
                reply.head.headerFields[HTTPField.Name("x-router-cost-usd")!])
    }

    /// What one call costs, measured through a gateway without budgets (in-memory ledger).
    static func costOfOneCall(_ workspace: ServeWorkspace, body: String) async throws -> USDAmount {
        let serve = try await workspace.startServe(["--upstream-retries", "0"])
        let reply = await call(port: serve.port, body: body)
        _ = try await serve.stop()
        return try #require(reply.cost.flatMap { USDAmount(dollars: $0) })
    }

    /// The 4 gateways, each with its own working directory, all on the ledger at `url`.
    static func startFleet(_ workspace: ServeWorkspace, url: String, extra: [String]) async throws -> [ServeProcess] {
        var serves: [ServeProcess] = []
        for index in 0..<gateways {
            let directory = workspace.directory.appendingPathComponent("gw\(index)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            serves.append(try await ServeProcess(
                arguments: ["--policy", workspace.policyPath, "--base-url", workspace.mock.baseURL, "--ledger", url,
                            "--upstream-retries", "0"] + extra,
                environment: ["ANTHROPIC_API_KEY": "sk-fleet"], directory: directory))
        }
        return serves
    }

    static func policy(hardLimit: USDAmount) -> String {
        GatewayHarness.policyYAML(budgets: """
            budgets:
              - { name: fleet, scope: global, period: total, hard_usd: "\(hardLimit.exactDecimal)" }
            """)
    }

    @Test("4 gateways, 1,000 concurrent calls, a hard budget of a third of the demand: spend ≤ limit to the picodollar, ledger sum = budget accounting, the mock saw only admitted calls")
    func fleetNeverOverspends() async throws {
        guard let url = Self.url() else { return }
        let workspace = try await ServeWorkspace.make("fleet", keys: false)
        defer { Task { await workspace.close() } }
        let body = Curl.messageBody(model: "claude-haiku-4-5", prompt: Self.prompt, maxTokens: 64)
        let unit = try await Self.costOfOneCall(workspace, body: body)
        let calls = 1_000
        let limit = USDAmount(picodollars: unit.picodollars * Int64(calls) / 3)
        try Self.policy(hardLimit: limit).write(toFile: workspace.policyPath, atomically: true, encoding: .utf8)
        let before = workspace.mock.stats.totalRequests
        let serves = try await Self.startFleet(workspace, url: url, extra: ["--budget-wait", "5"])
        let ports = serves.map(\.port)
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<calls {
                group.addTask {
                    let reply = await Self.call(port: ports[index % ports.count], body: body)
                    return (reply.status, reply.complete)
                }
            }
            var results: [(Int, Bool)] = []
            for await result in group { results.append(result) }
            return results
        }
        for serve in serves { #expect(try await serve.stop(signal: SIGTERM) == 0) }
        let admitted = results.filter { $0.0 == 200 && $0.1 }.count
        let refused = results.filter { $0.0 == 429 }.count
        #expect(admitted + refused == calls, "every call was either answered or refused by the budget")
        #expect(workspace.mock.stats.totalRequests - before == admitted, "no request reached the API for a refused call")

        let ledger = try await PostgresLedger(url: url)
        let records = try await ledger.records(.all)
        let sum = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        let store = PostgresBudgetStore(ledger: ledger, rules: [BudgetRule(name: "fleet", scope: .global, period: .total,
                                                                          hardLimit: limit)])
        let status = try #require(try await store.status().first)
        #expect(records.count == admitted)
        #expect(sum <= limit)
        #expect(status.spent == sum, "the ledger's sum equals the budget's accounting")
        #expect(status.reserved == .zero)
        print("fleet: \(calls) calls over \(Self.gateways) gateways, \(admitted) admitted, \(refused) refused; "
            + "limit \(limit.exactDecimal) USD, spent \(sum.exactDecimal) USD (\(limit.picodollars - sum.picodollars) pUSD left, "
            + "one call \(unit.exactDecimal) USD)")
        #expect(admitted > 0 && refused > 0, "the budget admitted some calls and refused the rest")
        try await ledger.close()
    }

    @Test("kill -9 of one gateway mid-load: its reservations expire, every delivered reply has its record")
    func killNineInFleet() async throws {
        guard let url = Self.url() else { return }
        let workspace = try await ServeWorkspace.make("fleet-kill", keys: false)
        defer { Task { await workspace.close() } }
        let limit = USDAmount(dollars: "1000")!
        try Self.policy(hardLimit: limit).write(toFile: workspace.policyPath, atomically: true, encoding: .utf8)
        let serves = try await Self.startFleet(workspace, url: url, extra: ["--budget-expiry", "4"])
        let ports = serves.map(\.port)
        let victim = serves[0]
        let delivered = GatewayProcessTests.DeliveredCount()
        // 200 calls finishing over ~2 s; gateway 0 is killed once 20 replies were delivered.
        let replies = await withTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let body = Curl.messageBody(model: "claude-haiku-4-5",
                                                prompt: "Fleet call [[mock: reply=fleet_reply_of_eight_words_for_every_call delay-ms=\(index * 10)]]",
                                                maxTokens: 64)
                    let reply = await Self.call(port: ports[index % ports.count], body: body)
                    if reply.complete { delivered.increment() }
                    return reply.complete ? 1 : 0
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while delivered.value < 20, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                kill(victim.process.processIdentifier, SIGKILL)
                return 0
            }
            return await group.reduce(0, +)
        }
        _ = try await victim.stop(signal: SIGKILL)
        for serve in serves.dropFirst() { #expect(try await serve.stop(signal: SIGTERM) == 0) }
        // Past the expiry, nothing the killed gateway held still counts.
        try await Task.sleep(for: .seconds(5))
        let ledger = try await PostgresLedger(url: url)
        let records = try await ledger.records(.all)
        let store = PostgresBudgetStore(ledger: ledger, rules: [BudgetRule(name: "fleet", scope: .global, period: .total,
                                                                          hardLimit: limit)])
        let status = try #require(try await store.status().first)
        let sum = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        #expect(replies > 20 && replies < 200, "the kill landed mid-load")
        #expect(records.count >= replies, "every delivered reply has its record")
        #expect(status.reserved == .zero, "the killed gateway's reservations expired")
        #expect(status.spent == sum)
        print("fleet kill -9: \(replies) replies delivered, \(records.count) records, reserved after expiry \(status.reserved.exactDecimal) USD")
        try await ledger.close()
    }

}
