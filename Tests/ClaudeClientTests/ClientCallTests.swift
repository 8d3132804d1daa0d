import Foundation
import Testing

@testable import ClaudeClient

@Suite("Client calls")
struct ClientCallTests {
    static let rateLimitHeaders: [(String, String)] = [
        ("request-id", "req_abc"),
        ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "49"),
        ("anthropic-ratelimit-requests-reset", "2026-11-01T12:00:30Z"),
        ("anthropic-ratelimit-tokens-limit", "100000"), ("anthropic-ratelimit-tokens-remaining", "99000"),
        ("anthropic-ratelimit-input-tokens-remaining", "80000"),
        ("anthropic-ratelimit-output-tokens-reset", "2026-11-01T12:00:30.500Z"),
        ("retry-after", "7"),
    ]

    @Test("createMessage sends the documented headers and exposes request id, rate limits and attempts")
    func createMessage() async throws {
        let test = TestClient([.json(200, Fixtures.messageJSON, headers: Self.rateLimitHeaders)]) {
            $0.baseURL = "http://127.0.0.1:8080/"
            $0.betas = ["beta-one", "beta-two"]
            $0.extraHeaders = ["X-Trace": "t1", "User-Agent": "custom/1"]
        }
        let response = try await test.client.createMessage(Fixtures.request)
        #expect(response.status == 200)
        #expect(response.requestID == "req_abc")
        #expect(response.attempts == 1)
        #expect(response.body.usage.inputTokens == 12)
        #expect(response.rateLimit.requests == RateLimitInfo.Window(limit: 50, remaining: 49, reset: Date(timeIntervalSince1970: 1_793_534_430)))
        #expect(response.rateLimit.tokens?.remaining == 99_000)
        #expect(response.rateLimit.inputTokens?.remaining == 80_000)
        #expect(response.rateLimit.outputTokens?.reset == Date(timeIntervalSince1970: 1_793_534_430.5))
        #expect(response.rateLimit.retryAfter == .seconds(7))

        let request = try #require(test.transport.requests.first)
        #expect(request.method == .post)
        #expect(request.url == "http://127.0.0.1:8080/v1/messages")
        let headers = Dictionary(request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["anthropic-version"] == "2026-10-21")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["x-api-key"] == "sk-ant-test-key")
        #expect(headers["authorization"] == nil)
        #expect(headers["anthropic-beta"] == "beta-one,beta-two")
        #expect(headers["x-trace"] == "t1")
        #expect(headers["user-agent"] == "custom/1")
        #expect(request.headers.filter { $0.name == "user-agent" }.count == 1)
        #expect(request.connectTimeout == .seconds(5))
        #expect(request.timeout == .seconds(600))
        let body = try JSONSerialization.jsonObject(with: try #require(request.body)) as? [String: Any]
        #expect(body?["stream"] == nil)
    }

    @Test("rate-limit headers: first of repeated fields wins, unknown and malformed ones are ignored, an empty window is nil")
    func rateLimitParsing() {
        let head = HTTPResponseHead(status: 200, headers: [
            ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-limit", "60"),
            ("anthropic-ratelimit-requests-remaining", " 49 "), ("anthropic-ratelimit-requests-resets", "x"),
            ("anthropic-ratelimit-tokens-limit", "many"), ("anthropic-ratelimit-tokens-reset", "2026-11-01T12:00:30Z"),
            ("anthropic-ratelimit-input-tokens-remaining", "7"), ("anthropic-ratelimit-input-tokens-", "8"),
            ("anthropic-ratelimit-output-tokens-limit", ""), ("anthropic-ratelimit-", "1"), ("anthropic-ratelimit-requests", "1"),
            ("retry-after-ms", "1500"), ("retry-after", "7"), ("x-anthropic-ratelimit-tokens-limit", "9"),
        ])
        let info = RateLimitInfo(head: head, now: Date(timeIntervalSince1970: 0))
        #expect(info.requests == RateLimitInfo.Window(limit: 50, remaining: 49, reset: nil))
        #expect(info.tokens == RateLimitInfo.Window(limit: nil, remaining: nil, reset: Date(timeIntervalSince1970: 1_793_534_430)))
        #expect(info.inputTokens == RateLimitInfo.Window(limit: nil, remaining: 7, reset: nil))
        #expect(info.outputTokens == nil)
        #expect(info.retryAfter == .milliseconds(1500))
        #expect(RateLimitInfo(head: HTTPResponseHead(status: 200, headers: []), now: Date()) == RateLimitInfo())
        let onlyRetryAfter = HTTPResponseHead(status: 429, headers: [("retry-after", "3"), ("retry-after", "9")])
        #expect(RateLimitInfo(head: onlyRetryAfter, now: Date()).retryAfter == .seconds(3))
        let field = Array("anthropic-ratelimit-output-tokens-reset".utf8).withUnsafeBytes { RateLimitInfo.field(named: $0) }
        #expect(field == .window(index: 3, part: .reset))
    }

    @Test("rate-limit header fields are kept as sent, in order, for a proxy; dropped when one holds a secret")
    func rateLimitHeaderFields() {
        let head = HTTPResponseHead(status: 200, headers: [
            ("request-id", "req_1"), ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-limit", "60"), ("anthropic-ratelimit-priority-input-tokens-limit", "9"),
            ("anthropic-ratelimit-", "1"), ("x-anthropic-ratelimit-tokens-limit", "9"),
            ("anthropic-ratelimit-tokens-reset", "2026-11-01T12:00:30Z"), ("retry-after", "7"),
        ])
        var info = RateLimitInfo(head: head, now: Date())
        #expect(info.headerFields.map { "\($0.name)=\($0.value)" } == [
            "anthropic-ratelimit-requests-limit=50", "anthropic-ratelimit-requests-limit=60",
            "anthropic-ratelimit-priority-input-tokens-limit=9", "anthropic-ratelimit-tokens-reset=2026-11-01T12:00:30Z",
        ])
        info.dropFields(containingAnyOf: ["sk-other"])
        #expect(info.headerFields.count == 4)
        #expect(RateLimitInfo().headerFields.isEmpty)
        var leaky = RateLimitInfo(head: HTTPResponseHead(status: 200, headers: [
            ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-note", "key sk-secret-1"),
        ]), now: Date())
        leaky.dropFields(containingAnyOf: ["sk-secret-1"])
        #expect(leaky.headerFields.isEmpty)
        #expect(leaky.requests?.limit == 50)
    }

    @Test("rate-limit counts read from bytes equal Int(trimmed string) for every shape of value")
    func rateLimitIntegers() {
        let values = [
            "0", "49", " 49 ", "\t7\t", "+5", "-5", "-0", "", " ", "+", "-", "1 2", "12a", "a12", "007",
            String(Int.max), String(Int.min), "9223372036854775808", "-9223372036854775809", "99999999999999999999",
            "\u{a0}42\u{a0}", "４２", "4\u{e9}", "\u{2003}8",
        ]
        for value in values {
            let expected = Int(RateLimitInfo.trimmingWhitespace(value))
            let read = Array(value.utf8).withUnsafeBytes { RateLimitInfo.integer($0) }
            #expect(read == expected, "\(value.debugDescription)")
        }
    }

    @Test("bearer auth sends Authorization and no x-api-key")
    func bearer() async throws {
        let test = TestClient([.json(200, Fixtures.messageJSON)]) { $0.authScheme = .bearer }
        _ = try await test.client.createMessage(Fixtures.request)
        let headers = try #require(test.transport.requests.first).headers
        #expect(headers.contains { $0.name == "authorization" && $0.value == "Bearer sk-ant-test-key" })
        #expect(!headers.contains { $0.name == "x-api-key" })
    }

    @Test("a 2xx body that is not the expected JSON is a decoding error, not retried")
    func decodingError() async throws {
        let test = TestClient([.json(200, #"{"unexpected":true}"#, headers: [("request-id", "req_d")])])
        let error = try await #require(throws: ClaudeError.self) { _ = try await test.client.createMessage(Fixtures.request) }
        #expect(error == .decoding)
        #expect(error.requestID == "req_d")
        #expect(test.transport.requests.count == 1)
    }

    @Test("countTokens, models and batch endpoints use the documented paths and methods")
    func endpoints() async throws {
        let batchJSON = #"{"id":"msgbatch_1","type":"message_batch","processing_status":"ended","request_counts":{"processing":0,"succeeded":1,"errored":0,"canceled":0,"expired":0},"created_at":"2026-11-01T00:00:00Z","results_url":"https://x/results"}"#
        let test = TestClient([
            .json(200, #"{"input_tokens":17}"#),
            .json(200, #"{"data":[],"has_more":false,"first_id":null,"last_id":null}"#),
            .json(200, batchJSON), .json(200, batchJSON),
            .json(200, #"{"data":[\#(batchJSON)],"has_more":false,"first_id":"msgbatch_1","last_id":"msgbatch_1"}"#),
            .json(200, batchJSON),
        ])
        #expect(try await test.client.countTokens(CountTokensRequest(Fixtures.request)).body.inputTokens == 17)
        #expect(try await test.client.listModels(limit: 5, afterID: "a b&c").body.data.isEmpty)
        _ = try await test.client.createBatch(CreateBatchRequest(requests: [BatchRequestItem(customID: "1", params: Fixtures.request)]))
        #expect(try await test.client.retrieveBatch(id: "msgbatch_1").body.processingStatus == .ended)
        #expect(try await test.client.listBatches(limit: 2).body.data.count == 1)
        _ = try await test.client.cancelBatch(id: "msgbatch_1")
        let calls = test.transport.requests.map { "\($0.method.rawValue) \($0.url)" }
        #expect(calls == [
            "POST https://api.example.test/v1/messages/count_tokens",
            "GET https://api.example.test/v1/models?limit=5&after_id=a%20b%26c",
            "POST https://api.example.test/v1/messages/batches",
            "GET https://api.example.test/v1/messages/batches/msgbatch_1",
            "GET https://api.example.test/v1/messages/batches?limit=2",
            "POST https://api.example.test/v1/messages/batches/msgbatch_1/cancel",
        ])
        #expect(test.transport.requests[1].body == nil)
        #expect(!test.transport.requests[1].headers.contains { $0.name == "content-type" })
    }

    @Test("batch results stream line by line across arbitrary chunk splits", arguments: [1, 5, 100_000])
    func batchResults(chunkSize: Int) async throws {
        let message = Fixtures.messageJSON.replacingOccurrences(of: "\n", with: "")
        let jsonl = [
            #"{"custom_id":"a","result":{"type":"succeeded","message":\#(message)}}"#,
            #"{"custom_id":"b","result":{"type":"canceled"}}"#,
            "",
            #"{"custom_id":"c","result":{"type":"expired"}}"#,
        ].joined(separator: "\r\n")  // and no trailing newline
        let test = TestClient([
            .json(503, Fixtures.errorBody("api_error", "later")),
            .streaming(chunks: StreamingTests.chunks(jsonl, size: chunkSize)),
        ])
        var ids: [String] = []
        for try await result in try await test.client.batchResults(id: "msgbatch_1") { ids.append(result.customID) }
        #expect(ids == ["a", "b", "c"])
        #expect(test.transport.requests.count == 2)
        #expect(test.transport.requests.last?.url == "https://api.example.test/v1/messages/batches/msgbatch_1/results")
    }

    @Test("a malformed results line is a decoding error naming the line")
    func badResultsLine() async throws {
        let test = TestClient([.streaming(chunks: [Data("{\"custom_id\":\"a\",\"result\":{\"type\":\"canceled\"}}\nnot json\n".utf8)])])
        var seen = 0
        let error = try await #require(throws: ClaudeError.self) {
            for try await _ in try await test.client.batchResults(id: "b") { seen += 1 }
        }
        #expect(seen == 1)
        #expect(error == .decoding)
        #expect(error.message.contains("line 2"))
    }

    @Test("shutdown reaches the transport")
    func shutdown() {
        let test = TestClient([])
        test.client.shutdown()
        #expect(test.transport.shutdownCount >= 1)
    }

    @Test("Configuration defaults match the documentation")
    func defaults() {
        let configuration = AnthropicClient.Configuration(apiKey: "k", baseURL: "https://api.anthropic.com")
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.requestTimeout == .seconds(600))
        #expect(configuration.maxRetries == 2)
        #expect(configuration.maxRetryWait == .seconds(60))
        #expect(configuration.apiVersion == .v2026_10_21)
        #expect(configuration.authScheme == .apiKeyHeader)
        #expect(configuration.betas.isEmpty && configuration.extraHeaders.isEmpty)
        let environment = ProcessInfo.processInfo.environment
        let fromEnvironment = AnthropicClient.Configuration()
        #expect(fromEnvironment.apiKey == environment["ANTHROPIC_API_KEY"])
        #expect(fromEnvironment.baseURL == (environment["ANTHROPIC_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.anthropic.com"))
    }
}
