import ClaudeMockServer
import ClaudeRouterGateway
import Foundation
import Testing

/// `SIGHUP` re-reads the policy and keys files of a running `claude-router serve` process.
@Suite("Gateway reload", .serialized)
struct GatewayReloadTests {
    /// Rewrites `path` and puts its old modification time back, so the size-and-mtime polling
    /// cannot see the edit: only a signal makes the process read it.
    static func rewriteUnseen(_ path: String, _ text: String) throws {
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: before], ofItemAtPath: path)
    }

    /// Waits until `serve` has written `count` SIGHUP summary lines to stderr.
    static func waitForReloads(_ serve: ServeProcess, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while serve.stderr.components(separatedBy: "claude-router serve: SIGHUP:").count - 1 < count {
            guard ContinuousClock.now < deadline else {
                throw ServeProcess.Failure(description: "no SIGHUP summary #\(count): \(serve.stderr)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("SIGHUP reloads the policy and keys; broken files keep the previous ones and every error is logged with file:line:column")
    func sighup() async throws {
        let workspace = try await ServeWorkspace.make("reload", keys: true)
        defer { Task { await workspace.close() } }
        let policy = workspace.policyPath
        let keys = try #require(workspace.keysPath)
        let policyYAML = GatewayHarness.policyYAML()
        // A whole-second modification time survives being written back exactly.
        let wholeSecond = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down))
        try FileManager.default.setAttributes([.modificationDate: wholeSecond], ofItemAtPath: policy)
        let serve = try await workspace.startServe(["--upstream-retries", "0"])
        let alice = ["x-api-key": "gw-alice-secret", "x-router-task": "extraction"]
        let bob = ["x-api-key": "gw-bob-secret", "x-router-task": "extraction"]
        func send(_ headers: [String: String]) async throws -> CurlReply {
            try await Curl.run(serve.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "Extract 12"), headers: headers)
        }

        #expect(try await send(alice).headers["x-router-tier"] == "haiku")
        #expect(try await send(bob).status == 401)

        // The same size and modification time: polling sees nothing, SIGHUP does.
        let edited = policyYAML.replacingOccurrences(of: "extraction: { tier: haiku,", with: "extraction: { tier: opus ,")
        #expect(edited.utf8.count == policyYAML.utf8.count && edited != policyYAML)
        try Self.rewriteUnseen(policy, edited)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await send(alice).headers["x-router-tier"] == "haiku")
        try GatewayEndpointsTests.keysYAML.appending("""

          - name: bob-ci
            sha256: \(GatewayKeys.hash("gw-bob-secret"))
            user: bob
        """).write(toFile: keys, atomically: true, encoding: .utf8)
        kill(serve.process.processIdentifier, SIGHUP)
        try await Self.waitForReloads(serve, count: 1)
        #expect(try await send(alice).headers["x-router-tier"] == "opus")
        let bobReply = try await send(bob)
        #expect(bobReply.status == 200)
        #expect(serve.stderr.contains("SIGHUP: policy ok, keys ok (3 key(s))"))

        // Broken files: two errors in the keys file, one in the policy; both are kept as they were.
        try GatewayKeysFileTests.brokenYAML.write(toFile: keys, atomically: true, encoding: .utf8)
        try Self.rewriteUnseen(policy, edited.replacingOccurrences(of: "tier: opus ,", with: "tier: nope ,"))
        kill(serve.process.processIdentifier, SIGHUP)
        try await Self.waitForReloads(serve, count: 2)
        let log = serve.stderr
        #expect(log.contains("SIGHUP: policy edit rejected (previous policy kept), keys file rejected (previous keys kept)"))
        // Each rejected file's diagnostics printed as written, at the start of a line (the caret
        // under its column), and each rejection logged once, not once more per diagnostic line.
        #expect(log.contains("\n\(keys):3:13: error: sha256 must be 64 hex digits"))
        #expect(log.contains("\n    sha256: not-a-hash\n            ^\n"))
        #expect(log.contains("unknown key 'usr'"))
        #expect(log.contains("missing required key 'user'"))
        #expect(log.contains("\n\(policy):"))
        #expect(log.contains("nope"))
        #expect(log.components(separatedBy: "keys reload rejected; keeping the previous keys").count - 1 == 1)
        #expect(log.components(separatedBy: "policy edit rejected; keeping the previous policy").count - 1 == 1)
        #expect(!log.contains("reload rejected, previous"))
        #expect(try await send(alice).headers["x-router-tier"] == "opus")
        #expect(try await send(bob).status == 200)
        #expect(try await serve.stop() == 0)
    }

    /// The line without the values that change from call to call: the timestamp, `ms=`, `cost_usd=`.
    static func shape(_ line: String) -> String {
        var text = line
        for (pattern, placeholder) in [(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}"#, "TIMESTAMP"),
                                       (#"ms=\d+\.\d{3}"#, "ms=MS"), (#"cost_usd=[0-9.]+"#, "cost_usd=COST")] {
            text = text.replacingOccurrences(of: pattern, with: placeholder, options: .regularExpression)
        }
        return text
    }

    @Test("docs/GATEWAY.md's access-log sample is the real line, bar the timestamp, ms and cost values")
    func accessLogSample() async throws {
        let docs = try String(contentsOf: ServeProcess.packageRoot.appendingPathComponent("docs/GATEWAY.md"), encoding: .utf8)
        let sample = try #require(docs.components(separatedBy: "\n").first { $0.contains("claude-router.access") && $0.contains("method=") })
        let workspace = try await ServeWorkspace.make("access", keys: true)
        defer { Task { await workspace.close() } }
        let serve = try await workspace.startServe()
        let reply = try await Curl.run(serve.baseURL + "/v1/messages", body: Curl.messageBody(prompt: "Extract 4411"),
                                       headers: ["x-api-key": "gw-alice-secret", "x-router-task": "extraction"])
        #expect(reply.status == 200)
        #expect(try await serve.stop() == 0)
        let line = try #require(serve.stdout.components(separatedBy: "\n").first { $0.contains("path=/v1/messages") })
        #expect(Self.shape(line) == Self.shape(sample))
        #expect(Self.shape(line).hasPrefix("TIMESTAMP info claude-router.access: "))
    }
}
