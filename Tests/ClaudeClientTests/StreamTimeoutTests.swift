import ClaudeClient
import ClaudeMockServer
import Testing

/// `requestTimeout` bounds silence on a stream, not its length (the official SDKs' 600 s is a
/// per-read timeout too). Real libcurl against the mock on loopback.
@Suite("Stream timeouts", .serialized)
struct StreamTimeoutTests {
    static func client(_ server: MockAnthropicServer) -> AnthropicClient {
        AnthropicClient(configuration: .init(apiKey: "sk-ant-test-timeouts", baseURL: server.baseURL,
                                          requestTimeout: .seconds(1), maxRetries: 0))
    }

    @Test("a stream that keeps sending outlives requestTimeout")
    func longStreamCompletes() async throws {
        let server = MockAnthropicServer()
        try await server.start()
        // A 1.5 s timeout against ~24 events 150 ms apart: about 3.6 s in all, more than twice the
        // timeout, while the longest silence has a 10× margin (a loaded CI machine can delay an
        // event by several hundred ms; 250 ms gaps against 1 s failed there).
        let client = AnthropicClient(configuration: .init(apiKey: "sk-ant-test-timeouts", baseURL: server.baseURL,
                                                          requestTimeout: .milliseconds(1_500), maxRetries: 0))
        defer { client.shutdown() }
        let request = MessageRequest(
            model: "claude-haiku-4-5", maxTokens: 200,
            messages: [.user("one two three four five six [[mock: reply=a_b_c_d_e_f_g_h_i_j_k_l slow-ms=150]]")])
        let started = ContinuousClock.now
        let stream = try await client.streamMessage(request)
        let message = try await stream.finalMessage()
        #expect(message.text == "a b c d e f g h i j k l")
        // The stream did outlive the timeout (else the test proves nothing).
        #expect(ContinuousClock.now - started > .milliseconds(1_500))
        await server.stop()
    }

    @Test("a silent stream fails with timeout after requestTimeout")
    func silentStreamTimesOut() async throws {
        let server = MockAnthropicServer()
        try await server.start()
        let client = Self.client(server)
        defer { client.shutdown() }
        let request = MessageRequest(model: "claude-haiku-4-5", maxTokens: 200,
                                     messages: [.user("hello [[mock: stall]]")])
        await #expect(throws: ClaudeError.timeout) {
            let stream = try await client.streamMessage(request)
            _ = try await stream.finalMessage()
        }
        await server.stop()
    }
}
