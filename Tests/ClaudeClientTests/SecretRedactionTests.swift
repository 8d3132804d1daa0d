import Foundation
import Testing

@testable import ClaudeClient

/// The API key never appears in an error's message or description, nor in any log line.
@Suite("Secret redaction")
struct SecretRedactionTests {
    static let canaries = ["sk-ant-api03-CANARY-7f3a9c1e-DO-NOT-LEAK", "plain-canary-secret-4471"]

    @Test("a canary key is absent from every error description and log line", arguments: canaries, [AnthropicClient.AuthScheme.apiKeyHeader, .bearer])
    func canary(key: String, scheme: AnthropicClient.AuthScheme) async throws {
        let echo = "invalid x-api-key: \(key) (Authorization: Bearer \(key))"
        let replies: [ScriptedReply] = [
            .json(401, Fixtures.errorBody("authentication_error", echo)),
            .json(500, "<html>proxy saw header x-api-key=\(key)</html>"),
            .failure(TransportError(kind: .connect, detail: "connect failed for key \(key)")),
            .failure(TransportError(kind: .connect, detail: "again \(key)")),
            .failure(TransportError(kind: .connect, detail: "third \(key)")),
            .json(429, Fixtures.errorBody("rate_limit_error", "slow \(key)"), headers: [("retry-after", "600")]),
            .streaming(chunks: [Data(#"event: error\#ndata: {"type":"error","error":{"type":"api_error","message":"boom \#(key)"}}\#n\#n"#.utf8)]),
            .json(200, Fixtures.messageJSON),
        ]
        let test = TestClient(replies, apiKey: key) { $0.authScheme = scheme }
        var errors: [ClaudeError] = []
        for _ in 0..<3 {
            do {
                _ = try await test.client.createMessage(Fixtures.request)
            } catch let error as ClaudeError {
                errors.append(error)
            }
        }
        do { _ = try await test.client.streamMessage(Fixtures.request) } catch let error as ClaudeError { errors.append(error) }
        _ = try await test.client.createMessage(Fixtures.request)

        #expect(errors.map(\.shortDescription) == ["authentication", "connection", "rateLimited", "apiError"])
        var dumped = ""
        dump(test.client.configuration, to: &dumped)
        #expect(!dumped.contains(key))
        // A client over libcurl, after a call has filled its transport's caches (the port refuses
        // the connection): its whole dump shows the client but never the key.
        let real = AnthropicClient(
            configuration: .init(apiKey: key, baseURL: "http://127.0.0.1:1", maxRetries: 0, authScheme: scheme))
        defer { real.shutdown() }
        await #expect(throws: ClaudeError.self) { _ = try await real.createMessage(Fixtures.request) }
        var dumpedClient = ""
        dump(real, to: &dumpedClient)
        #expect(dumpedClient.contains("127.0.0.1:1"))
        #expect(!dumpedClient.contains(key))
        for error in errors {
            #expect(!error.message.contains(key))
            #expect(!error.description.contains(key))
            #expect(!"\(error)".contains(key))
            #expect(!String(reflecting: error).contains(key))
        }
        #expect(errors.first?.message.contains(Redaction.placeholder) == true)
        // The key was really sent, so its absence above is meaningful.
        let sent = try #require(test.transport.requests.first)
        let authValue = sent.headers.first { $0.name == (scheme == .bearer ? "authorization" : "x-api-key") }?.value
        #expect(authValue == (scheme == .bearer ? "Bearer \(key)" : key))
        #expect(!test.logs.all.isEmpty)
        #expect(test.logs.all.contains { $0.contains("headers=") })  // trace lines were captured
        for line in test.logs.all { #expect(!line.contains(key), "leaked in: \(line)") }
        #expect(!"\(test.client.configuration)".contains(key))
        #expect(!String(reflecting: test.client.configuration).contains(key))
    }

    @Test("logs carry no prompt or reply text")
    func noPromptText() async throws {
        let test = TestClient([.json(200, Fixtures.messageJSON)])
        var request = Fixtures.request
        request.messages = [.user("TOP-SECRET-PROMPT-TEXT")]
        let response = try await test.client.createMessage(request)
        #expect(response.body.text == "Hi there")
        #expect(!test.logs.all.isEmpty)
        for line in test.logs.all {
            #expect(!line.contains("TOP-SECRET-PROMPT-TEXT"))
            #expect(!line.contains("Hi there"))
        }
    }

    @Test("key-shaped tokens and auth header values are redacted even when the key is unknown")
    func patterns() {
        let text = "x-api-key: sk-ant-abc_DEF-123 and authorization=Bearer tok123 and 'x-api-key': 'zzz' plus bearer qqq"
        let redacted = Redaction.redact(text)
        for secret in ["sk-ant-abc_DEF-123", "tok123", "zzz", "qqq"] { #expect(!redacted.contains(secret), "\(redacted)") }
        #expect(Redaction.redact("nothing to hide") == "nothing to hide")
    }
}
