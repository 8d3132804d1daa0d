import Foundation
import Testing

@testable import ClaudeClient

/// Client-side refusals (docs/ANTHROPIC-API.md "Wire basics", body limits, non-streaming max_tokens):
/// each fails with `refusedClientSide` before any network traffic.
@Suite("Client-side refusals")
struct RefusalTests {
    static func refused(
        _ test: TestClient, _ call: (AnthropicClient) async throws -> Void, mentions text: String
    ) async throws {
        let error = try await #require(throws: ClaudeError.self) { try await call(test.client) }
        #expect(error == .refusedClientSide)
        #expect(error.attempts == 0)
        #expect(error.message.contains(text), "message: \(error.message)")
        #expect(test.transport.requests.isEmpty)
    }

    @Test("sampling parameters under 2026-10-21 are refused, and sent under 2023-06-01", arguments: ["temperature", "top_p", "top_k"])
    func sampling(parameter: String) async throws {
        var request = Fixtures.request
        switch parameter {
        case "temperature": request.temperature = 1.0  // even the default value
        case "top_p": request.topP = 1.0
        default: request.topK = 40
        }
        try await Self.refused(TestClient([]), { _ = try await $0.createMessage(request) }, mentions: parameter)
        try await Self.refused(TestClient([]), { _ = try await $0.streamMessage(request) }, mentions: ".v2023_06_01")

        let pinned = TestClient([.json(200, Fixtures.messageJSON)], apiVersion: .v2023_06_01)
        _ = try await pinned.client.createMessage(request)
        let sent = try #require(pinned.transport.requests.first)
        #expect(sent.headers.contains { $0.name == "anthropic-version" && $0.value == "2023-06-01" })
        let body = try JSONSerialization.jsonObject(with: try #require(sent.body)) as? [String: Any]
        #expect(body?[parameter] != nil)
    }

    @Test("a document block in an assistant message is refused under 2026-10-21")
    func assistantDocument() async throws {
        var request = Fixtures.request
        request.messages.append(MessageParam(role: .assistant, content: [.document(.plainText("notes"))]))
        try await Self.refused(TestClient([]), { _ = try await $0.createMessage(request) }, mentions: "messages[1].content[0]")
        try await Self.refused(TestClient([]), { _ = try await $0.countTokens(CountTokensRequest(request)) }, mentions: "assistant")
        // In a user message it is fine.
        var allowed = Fixtures.request
        allowed.messages[0].content.append(.document(.plainText("notes")))
        let test = TestClient([.json(200, Fixtures.messageJSON)])
        _ = try await test.client.createMessage(allowed)
        #expect(test.transport.requests.count == 1)
    }

    @Test("a user text block with non-empty citations is refused; empty citations pass")
    func userCitations() async throws {
        var request = Fixtures.request
        request.messages[0].content = [.text(TextBlock(text: "q", citations: [["type": "char_location"]]))]
        try await Self.refused(TestClient([]), { _ = try await $0.createMessage(request) }, mentions: "citations")
        request.messages[0].content = [.text(TextBlock(text: "q", citations: []))]
        let test = TestClient([.json(200, Fixtures.messageJSON)])
        _ = try await test.client.createMessage(request)
        #expect(test.transport.requests.count == 1)
    }

    @Test("a batch item breaking the version rules is refused naming its custom_id")
    func batchItem() async throws {
        var bad = Fixtures.request
        bad.topK = 3
        let batch = CreateBatchRequest(requests: [
            BatchRequestItem(customID: "ok", params: Fixtures.request), BatchRequestItem(customID: "bad-one", params: bad),
        ])
        try await Self.refused(TestClient([]), { _ = try await $0.createBatch(batch) }, mentions: "bad-one")
    }

    @Test("bodies over 32 MB are refused for messages; batches allow up to 256 MB")
    func bodySize() async throws {
        let big = String(repeating: "a", count: 33 * 1024 * 1024)
        var request = Fixtures.request
        request.messages = [.user(big)]
        try await Self.refused(TestClient([]), { _ = try await $0.createMessage(request) }, mentions: "MB")
        try await Self.refused(TestClient([]), { _ = try await $0.streamMessage(request) }, mentions: "MB")
        try await Self.refused(TestClient([]), { _ = try await $0.countTokens(CountTokensRequest(request)) }, mentions: "MB")

        let batchJSON = #"{"id":"msgbatch_1","type":"message_batch","processing_status":"in_progress","request_counts":{"processing":1,"succeeded":0,"errored":0,"canceled":0,"expired":0},"created_at":"2026-11-01T00:00:00Z"}"#
        let test = TestClient([.json(200, batchJSON)])
        _ = try await test.client.createBatch(CreateBatchRequest(requests: [BatchRequestItem(customID: "x", params: request)]))
        #expect(test.transport.requests.count == 1)
        #expect(throws: ClaudeError.refusedClientSide) {
            try RequestValidation.checkBodySize(256 * 1024 * 1024 + 1, limit: RequestValidation.batchBodyLimit, what: "Batch")
        }
        #expect(throws: Never.self) {
            try RequestValidation.checkBodySize(256 * 1024 * 1024, limit: RequestValidation.batchBodyLimit, what: "Batch")
        }
    }

    @Test("non-streaming max_tokens implying over 10 minutes is refused with advice to stream")
    func longNonStreaming() async throws {
        // 3600 s * max_tokens / 128000 > 600 s  <=>  max_tokens > 21333.
        var request = Fixtures.request
        request.maxTokens = 21_334
        try await Self.refused(TestClient([]), { _ = try await $0.createMessage(request) }, mentions: "streamMessage")

        request.maxTokens = 21_333
        let test = TestClient([.json(200, Fixtures.messageJSON)])
        _ = try await test.client.createMessage(request)
        #expect(test.transport.requests.count == 1)

        request.maxTokens = 128_000
        let streaming = TestClient([.streaming(chunks: [Data(Fixtures.streamText.utf8)])])
        _ = try await streaming.client.streamMessage(request)
        #expect(streaming.transport.requests.count == 1)

        let longTimeout = TestClient([.json(200, Fixtures.messageJSON)]) { $0.requestTimeout = .seconds(3600) }
        _ = try await longTimeout.client.createMessage(request)
        #expect(longTimeout.transport.requests.count == 1)
    }

    @Test("a missing API key and header line breaks are refused")
    func keyAndHeaders() async throws {
        try await Self.refused(TestClient([], apiKey: ""), { _ = try await $0.createMessage(Fixtures.request) }, mentions: "ANTHROPIC_API_KEY")
        let injected = TestClient([]) { $0.extraHeaders = ["x-note": "a\r\nx-evil: 1"] }
        try await Self.refused(injected, { _ = try await $0.listModels() }, mentions: "line break")
        try await Self.refused(TestClient([]), { _ = try await $0.retrieveBatch(id: "") }, mentions: "batch id")
    }
}
