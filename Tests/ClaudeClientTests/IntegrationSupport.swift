import ClaudeMockServer
import Foundation
import Logging
import Testing

@testable import ClaudeClient

/// The real client (libcurl) against the real mock (Hummingbird) over 127.0.0.1 sockets.
///
/// One serialized parent suite: the thread-count and connection-reuse assertions must not see
/// clients or servers created by sibling integration tests running at the same time.
@Suite("Integration: AnthropicClient over libcurl against MockAnthropicServer", .serialized)
struct IntegrationTests {}

/// A started mock plus a real `AnthropicClient` pointed at it, with recorded (instant) retry sleeps
/// and a fixed jitter, so retry delays are asserted exactly and the suite never sleeps.
final class IntegrationHarness: Sendable {
    /// An obviously fake key that must never surface in logs or errors.
    static let canaryKey = "sk-ant-canary-0123456789abcdefCANARY"

    let server: MockAnthropicServer
    let client: AnthropicClient
    let sleeps: SleepRecorder
    let logs: LogCapture

    private init(server: MockAnthropicServer, client: AnthropicClient, sleeps: SleepRecorder, logs: LogCapture) {
        self.server = server
        self.client = client
        self.sleeps = sleeps
        self.logs = logs
    }

    /// Starts a mock on port 0 and a client with `random` jitter (0.5 -> factor 0.875).
    static func start(
        random: Double = 0.5,
        logLevel: Logger.Level = .error,
        server serverConfiguration: MockAnthropicServer.Configuration = .init(),
        configure: (inout AnthropicClient.Configuration) -> Void = { _ in }
    ) async throws -> IntegrationHarness {
        let server = MockAnthropicServer(configuration: serverConfiguration)
        try await server.start()
        let sleeps = SleepRecorder()
        let logs = LogCapture()
        var configuration = AnthropicClient.Configuration(
            apiKey: canaryKey, baseURL: server.baseURL, connectTimeout: .seconds(5), requestTimeout: .seconds(30))
        configuration.sleep = { try await sleeps.sleep($0) }
        configuration.random = { random }
        configure(&configuration)
        var logger = logs.logger
        logger.logLevel = logLevel
        let client = AnthropicClient(configuration: configuration, logger: logger)
        return IntegrationHarness(server: server, client: client, sleeps: sleeps, logs: logs)
    }

    /// Shuts the client down and stops the mock.
    func stop() async {
        client.shutdown()
        await server.stop()
    }

    /// Requests the mock received so far.
    var received: Int { server.stats.totalRequests }
}

/// Requests used by the integration tests.
enum IntegrationFixtures {
    static let model = "claude-haiku-4-5"

    static func request(_ prompt: String = "Hello from the integration test", maxTokens: Int = 256) -> MessageRequest {
        MessageRequest(model: model, maxTokens: maxTokens, messages: [.user(prompt)])
    }
}

/// Awaits `body` and returns the `ClaudeError` it threw; records an issue for success or any
/// other error type (the client promises to throw only `ClaudeError`).
func claudeError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> ClaudeError? {
    do {
        _ = try await body()
        Issue.record("expected a ClaudeError, the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as ClaudeError {
        return error
    } catch {
        Issue.record("expected a ClaudeError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
