import ClaudeClient
import ClaudeMockServer
import ClaudeRouterGateway
import Foundation
import Logging
import Router
import RouterPolicies
import ClaudeRouterTestSupport

/// A gateway in this process in front of a mock on loopback, with a SQLite ledger in a
/// temporary directory and a small three-tier policy.
struct GatewayHarness {
    static let canaryKey = "sk-ant-api03-CANARY-\(UUID().uuidString)-gateway-must-never-echo"

    static func policyYAML(budgets: String = "") -> String {
        """
        name: gateway-test
        version: "1"
        baseline_tier: opus
        default_tier: sonnet
        tiers:
          - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
          - { name: sonnet, model: claude-sonnet-4-6, context_window: 1000000, max_output_tokens: 64000 }
          - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
        thresholds: { haiku: 0.0, sonnet: 0.30, opus: 0.65 }
        tasks:
          extraction: { tier: haiku, max_tokens: 512 }
          qa: { min_tier: haiku, max_tier: opus, max_tokens: 512 }
          reasoning: { tier: opus, max_tokens: 1024 }
        classifier:
          fallback_task: qa
        escalation:
          enabled: true
          max_steps: 2
          on: [max_tokens, refusal, overloaded, server_error]
        \(budgets)
        """
    }

    let mock: MockAnthropicServer
    let client: AnthropicClient
    let ledger: SQLiteLedger
    let router: ModelRouter
    let gateway: Gateway
    let directory: URL

    /// The policy file when started with `policyFile: true` (a watched `.file` source).
    var policyPath: String { directory.appendingPathComponent("policy.yaml").path }

    static func start(budgets: String = "", keys: GatewayKeys? = nil, upstreamRetries: Int = 0,
                      policyFile: Bool = false, betas: [String] = []) async throws -> GatewayHarness {
        let mock = MockAnthropicServer()
        try await mock.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let client = AnthropicClient(configuration: .init(apiKey: canaryKey, baseURL: mock.baseURL, maxRetries: upstreamRetries,
                                                          betas: betas))
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let source: ModelRouter.PolicySource
        if policyFile {
            let path = directory.appendingPathComponent("policy.yaml").path
            try policyYAML(budgets: budgets).write(toFile: path, atomically: true, encoding: .utf8)
            source = .file(path)
        } else {
            source = .policy(try Policy.parse(yaml: policyYAML(budgets: budgets), file: "gateway-test.yaml"))
        }
        let router = try ModelRouter(policy: source, client: client, ledger: ledger,
                                     options: .init(policyReloadInterval: .zero))
        // As `serve` does: the batches are remembered in the ledger file.
        let gateway = try Gateway(router: router, client: client, ledger: ledger,
                                  batches: try SQLiteBatchRegistry(path: ledger.path),
                                  configuration: .init(host: "127.0.0.1", port: 0, keys: keys, drainGracePeriod: .seconds(5)),
                                  logger: Self.quiet("gateway"), accessLog: Self.quiet("access"))
        try await gateway.start()
        return GatewayHarness(mock: mock, client: client, ledger: ledger, router: router, gateway: gateway,
                              directory: directory)
    }

    static func quiet(_ label: String) -> Logger {
        Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
    }

    func stop() async {
        await gateway.stop()
        try? await ledger.close()
        client.shutdown()
        await mock.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A client of the gateway: this package's own client speaks the same wire.
    func gatewayClient(key: String = "caller-key", retries: Int = 0) -> AnthropicClient {
        AnthropicClient(configuration: .init(apiKey: key, baseURL: gateway.baseURL, maxRetries: retries))
    }
}

/// Whether the heavy gateway tests run (1,000 concurrent streams; kill -9 under load): set
/// `CLAUDE_ROUTER_GATEWAY_HEAVY=1`. scripts/test.sh runs them on their own after the main run, so
/// they never starve the suites that run in parallel with them.
let heavyGatewayTests = ProcessInfo.processInfo.environment["CLAUDE_ROUTER_GATEWAY_HEAVY"] == "1"

/// One HTTP exchange made with the `curl` binary, a separate process.
struct CurlReply {
    var status: Int
    var headers: [String: String]
    var body: String

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}

enum Curl {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `curl -sS` for `url`; `body` is sent as JSON with POST.
    static func run(_ url: String, method: String? = nil, body: String? = nil, headers: [String: String] = [:],
                    timeout: Int = 30) async throws -> CurlReply {
        // A thread of its own per call: waiting on a child process must not hold one of the
        // dispatch pool's threads, which every other suite running in parallel shares.
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(url, method: method, body: body, headers: headers, timeout: timeout) })
            }
            thread.start()
        }
    }

    static func runBlocking(_ url: String, method: String?, body: String?, headers: [String: String], timeout: Int) throws -> CurlReply {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let headerFile = directory.appendingPathComponent("headers").path
        let bodyFile = directory.appendingPathComponent("body").path
        var arguments = ["-sS", "--max-time", String(timeout), "-D", headerFile, "-o", bodyFile]
        if let method { arguments += ["-X", method] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if let body {
            let requestFile = directory.appendingPathComponent("request").path
            try Data(body.utf8).write(to: URL(fileURLWithPath: requestFile))
            arguments += ["-H", "content-type: application/json", "--data-binary", "@\(requestFile)"]
        }
        arguments.append(url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try startSerialized(process)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(description: "curl exited \(process.terminationStatus) for \(url)") }
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        var status = 0
        var parsed: [String: String] = [:]
        for line in headerText.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") {
                status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                parsed = [:]
            } else if let colon = line.firstIndex(of: ":") {
                parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let text = (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? ""
        return CurlReply(status: status, headers: parsed, body: text)
    }

    /// A minimal Messages request body.
    static func messageBody(model: String = "auto", prompt: String, maxTokens: Int = 256, stream: Bool = false,
                            extra: String = "") -> String {
        let escaped = String(decoding: try! JSONEncoder().encode(prompt), as: UTF8.self)
        return #"{"model":"\#(model)","max_tokens":\#(maxTokens),"stream":\#(stream),"messages":[{"role":"user","content":\#(escaped)}]\#(extra)}"#
    }
}
