import ClaudeClient
import ClaudeRouterGateway
import Foundation
import Router
import RouterPolicies
import Testing

/// Keys, count_tokens, models, health and the dashboard.
@Suite("Gateway endpoints", .serialized)
struct GatewayEndpointsTests {
    static let keysYAML = """
    keys:
      - name: alice-laptop
        sha256: \(GatewayKeys.hash("gw-alice-secret"))
        user: alice
        team: research
      - name: ops-console
        sha256: \(GatewayKeys.hash("gw-ops-secret"))
        user: ops
        admin: true
    """

    @Test("with a keys file: unknown or missing keys get the API's 401; a known key's identity is recorded and wins over headers")
    func keys() async throws {
        let keys = try GatewayKeys.parse(yaml: Self.keysYAML, file: "keys.yaml")
        let harness = try await GatewayHarness.start(keys: keys)
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL + "/v1/messages"
        let body = Curl.messageBody(prompt: "hello")
        let unknown = try await Curl.run(url, body: body, headers: ["x-api-key": "gw-mallory"])
        #expect(unknown.status == 401)
        #expect((unknown.json?["error"] as? [String: Any])?["type"] as? String == "authentication_error")
        #expect(!unknown.body.contains("gw-mallory"))
        let missing = try await Curl.run(url, body: body)
        #expect(missing.status == 401)

        let bearer = try await Curl.run(url, body: body, headers: ["authorization": "Bearer gw-alice-secret",
                                                                   "x-router-metadata-user": "someone-else"])
        #expect(bearer.status == 200)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.metadata["user"] == "alice")
        #expect(record.metadata["team"] == "research")
        #expect(record.metadata["gateway_key"] == "alice-laptop")
        #expect(harness.mock.stats.requestsByEndpoint.values.reduce(0, +) == 1)
    }

    @Test("count_tokens with auto counts with the model the router picks; models lists auto, aliases and the API's models")
    func countTokensAndModels() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let count = try await Curl.run(
            harness.gateway.baseURL + "/v1/messages/count_tokens",
            body: #"{"model":"auto:extraction","messages":[{"role":"user","content":"Extract the number: 4411"}]}"#,
            headers: ["x-api-key": "k"])
        #expect(count.status == 200)
        #expect((count.json?["input_tokens"] as? Int ?? 0) > 0)
        #expect(count.headers["x-router-model"] == "claude-haiku-4-5")

        let models = try await Curl.run(harness.gateway.baseURL + "/v1/models", headers: ["x-api-key": "k"])
        #expect(models.status == 200)
        let ids = ((models.json?["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(ids.first == "auto")
        #expect(ids.contains("auto:extraction") && ids.contains("auto:reasoning"))
        #expect(ids.contains { $0.hasPrefix("claude-") })
        #expect(models.json?["has_more"] as? Bool == false)
        let one = try await Curl.run(harness.gateway.baseURL + "/v1/models/auto", headers: ["x-api-key": "k"])
        #expect(one.json?["id"] as? String == "auto")
    }

    @Test("healthz and readyz answer without a key; metrics is 404 without a registry; the dashboard shows the ledger to admin keys only")
    func operations() async throws {
        let keys = try GatewayKeys.parse(yaml: Self.keysYAML, file: "keys.yaml")
        let harness = try await GatewayHarness.start(keys: keys)
        defer { Task { await harness.stop() } }
        let health = try await Curl.run(harness.gateway.baseURL + "/healthz")
        #expect(health.status == 200)
        let ready = try await Curl.run(harness.gateway.baseURL + "/readyz")
        #expect(ready.status == 200)
        #expect(try await Curl.run(harness.gateway.baseURL + "/metrics").status == 404)
        _ = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "hi <b>"),
                               headers: ["x-api-key": "gw-alice-secret"])
        let denied = try await Curl.run(harness.gateway.baseURL + "/dashboard")
        #expect(denied.status == 401)
        // Every user's spend: a key without admin: true is refused in the API's shape.
        let notAdmin = try await Curl.run(harness.gateway.baseURL + "/dashboard", headers: ["x-api-key": "gw-alice-secret"])
        #expect(notAdmin.status == 403)
        #expect((notAdmin.json?["error"] as? [String: Any])?["type"] as? String == "permission_error")
        #expect(!notAdmin.body.contains("research"))
        let page = try await Curl.run(harness.gateway.baseURL + "/dashboard", headers: ["x-api-key": "gw-ops-secret"])
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.body.contains("<h2>By user</h2>"))
        #expect(page.body.contains("alice"))
        #expect(!page.body.contains("<b>"))
    }

    @Test("policy hot reload: an edited policy file changes the routing of the running gateway")
    func hotReload() async throws {
        let harness = try await GatewayHarness.start(policyFile: true)
        defer { Task { await harness.stop() } }
        let url = harness.gateway.baseURL + "/v1/messages"
        let before = try await Curl.run(url, body: Curl.messageBody(model: "auto:extraction", prompt: "Extract 4411"),
                                        headers: ["x-api-key": "k"])
        #expect(before.headers["x-router-tier"] == "haiku")
        let edited = GatewayHarness.policyYAML().replacingOccurrences(
            of: "extraction: { tier: haiku, max_tokens: 512 }", with: "extraction: { tier: sonnet, max_tokens: 512 }")
        #expect(edited != GatewayHarness.policyYAML())
        // A different size, so the change is seen even within the file system's timestamp granularity.
        try (edited + "\n# edited\n").write(toFile: harness.policyPath, atomically: true, encoding: .utf8)
        let after = try await Curl.run(url, body: Curl.messageBody(model: "auto:extraction", prompt: "Extract 4411"),
                                       headers: ["x-api-key": "k"])
        #expect(after.headers["x-router-tier"] == "sonnet")
    }

    @Test("batches pass through; a request with model auto gets the routed model")
    func batches() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let body = #"{"requests":[{"custom_id":"a","params":{"model":"auto:extraction","max_tokens":100,"messages":[{"role":"user","content":"Extract 4411"}]}},{"custom_id":"b","params":{"model":"claude-opus-4-8","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}}]}"#
        let created = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches", body: body, headers: ["x-api-key": "k"])
        #expect(created.status == 200)
        let id = try #require(created.json?["id"] as? String)
        #expect(created.json?["type"] as? String == "message_batch")
        let retrieved = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches/\(id)", headers: ["x-api-key": "k"])
        #expect(retrieved.json?["id"] as? String == id)
        let results = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches/\(id)/results", headers: ["x-api-key": "k"])
        #expect(results.status == 200)
        let lines = results.body.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 2)
        let models = lines.compactMap { (($0["result"] as? [String: Any])?["message"] as? [String: Any])?["model"] as? String }
        #expect(models.contains { $0.contains("claude-haiku-4-5") })
        #expect(models.contains { $0.contains("claude-opus-4-8") })
        let list = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches?limit=5", headers: ["x-api-key": "k"])
        #expect(((list.json?["data"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == id })
    }

    @Test("development mode refuses a non-loopback host")
    func developmentModeLoopbackOnly() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        #expect(throws: GatewayConfigurationError.self) {
            _ = try Gateway(router: harness.router, client: harness.client, ledger: harness.ledger,
                            configuration: .init(host: "0.0.0.0", port: 0))
        }
        #expect(Gateway.isLoopback("127.0.0.1") && Gateway.isLoopback("::1") && !Gateway.isLoopback("10.0.0.1"))
    }
}

/// The keys file: hashes only, `file:line:column` errors.
@Suite("Gateway keys file")
struct GatewayKeysFileTests {
    @Test("a key is found by its SHA-256; the file never needs the key itself")
    func lookup() throws {
        let keys = try GatewayKeys.parse(yaml: GatewayEndpointsTests.keysYAML, file: "keys.yaml")
        #expect(keys.count == 2)
        #expect(keys.caller(forKey: "gw-alice-secret")?.user == "alice")
        #expect(keys.caller(forKey: "gw-alice-secret")?.isAdmin == false && keys.caller(forKey: "gw-ops-secret")?.isAdmin == true)
        #expect(keys.caller(forKey: "gw-alice-secreT") == nil)
        // SHA-256("abc"), FIPS 180-4 example.
        #expect(GatewayKeys.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// A keys file with three errors: a hash that is not one, an unknown key, a missing `user`.
    static let brokenYAML = """
    keys:
      - name: a
        sha256: not-a-hash
        user: alice
      - name: b
        sha256: \(GatewayKeys.hash("x"))
        usr: bob
      - name: c
        sha256: \(GatewayKeys.hash("z"))
        user: carol
        admin: yes please
    """

    @Test("bad entries are reported with file:line:column")
    func errors() throws {
        do {
            _ = try GatewayKeys.parse(yaml: Self.brokenYAML, file: "keys.yaml")
            Issue.record("expected an error")
        } catch {
            let text = error.description
            #expect(text.contains("keys.yaml:3:13"))
            #expect(text.contains("64 hex digits"))
            #expect(text.contains("unknown key 'usr'"))
            #expect(text.contains("missing required key 'user'"))
            #expect(text.contains("keys.yaml:11:12") && text.contains("expected true or false"), "\(text)")
        }
    }

    @Test("every problem of one entry is reported in one run: a bad hash beside a misspelt and a missing key")
    func allErrorsOfAnEntryAtOnce() throws {
        let yaml = """
        keys:
          - name: a
            sha256: abc
            usr: bob
          - name: b
            sha256: \(GatewayKeys.hash("y"))
            user: carol
          - name: c
            sha256: \(GatewayKeys.hash("y"))
        """
        do {
            _ = try GatewayKeys.parse(yaml: yaml, file: "keys.yaml")
            Issue.record("expected an error")
        } catch {
            let text = error.description
            #expect(text.contains("keys.yaml:3:13: error: sha256 must be 64 hex digits"))
            #expect(text.contains("keys.yaml:4:5: error: unknown key 'usr' in key; did you mean 'user'?"))
            #expect(text.contains("missing required key 'user' in key"))
            // The third entry lacks `user` and repeats the second's hash: both said.
            #expect(text.contains("keys.yaml:9:13: error: this key hash is listed twice"))
            #expect(text.components(separatedBy: "missing required key 'user'").count - 1 == 2)
        }
    }
}
