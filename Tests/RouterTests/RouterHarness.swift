import ClaudeClient
import ClaudeMockServer
import Foundation
import Logging
import Router
import RouterPolicies

/// A router wired to a real mock server on loopback, a real SQLite ledger in a temporary
/// directory, and a small three-tier policy.
struct RouterHarness {
    static let policyYAML = """
        name: test-policy
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
          on: [max_tokens, refusal, failed_check, invalid_json, overloaded, server_error, context_overflow]

        """

    let server: MockAnthropicServer
    let client: AnthropicClient
    let ledger: SQLiteLedger
    let router: ModelRouter
    let directory: URL

    static func start(policyYAML: String = policyYAML, options: ModelRouter.Options = .init(),
                      policyFile: Bool = false, mock: MockAnthropicServer.Configuration = .init()) async throws
        -> RouterHarness {
        let server = MockAnthropicServer(configuration: mock)
        try await server.start()
        let client = AnthropicClient(configuration: .init(apiKey: "sk-ant-test-router", baseURL: server.baseURL,
                                                       maxRetries: 0))
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("router-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let source: ModelRouter.PolicySource
        if policyFile {
            let path = directory.appendingPathComponent("policy.yaml").path
            try policyYAML.write(toFile: path, atomically: true, encoding: .utf8)
            source = .file(path)
        } else {
            source = .policy(try Policy.parse(yaml: policyYAML, file: "test-policy.yaml"))
        }
        let router = try ModelRouter(policy: source, client: client, ledger: ledger, options: options)
        return RouterHarness(server: server, client: client, ledger: ledger, router: router, directory: directory)
    }

    var policyPath: String { directory.appendingPathComponent("policy.yaml").path }

    func stop() async {
        try? await ledger.close()
        client.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static func auto(_ prompt: String, maxTokens: Int = 0) -> MessageRequest {
        MessageRequest(model: "auto", maxTokens: maxTokens, messages: [.user(prompt)])
    }
}
