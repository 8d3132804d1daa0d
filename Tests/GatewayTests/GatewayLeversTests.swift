import ClaudeClient
import ClaudeMockServer
import ClaudeRouterGateway
import Foundation
import Router
import RouterPolicies
import Testing

/// The policy's cost levers on requests that come through `serve` (the caller's own bytes are
/// forwarded): prompt-caching breakpoints spliced into the body, and the response cache for
/// streamed requests replayed as SSE.
@Suite("Gateway levers: prompt caching and streamed response cache", .serialized)
struct GatewayLeversTests {
    static func start() async throws -> GatewayHarness {
        let mock = MockAnthropicServer()
        try await mock.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-levers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let client = AnthropicClient(configuration: .init(apiKey: GatewayHarness.canaryKey, baseURL: mock.baseURL, maxRetries: 0))
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let yaml = GatewayHarness.policyYAML().replacingOccurrences(
            of: "  extraction: { tier: haiku, max_tokens: 512 }",
            with: """
              extraction: { tier: haiku, max_tokens: 512 }
              support: { tier: sonnet, max_tokens: 256, caching: { ttl: 5m, prefixes: [system, conversation] } }
              faq: { tier: haiku, max_tokens: 256, response_cache: { ttl: 10m } }
              chat: { tier: haiku, max_tokens: 256, history: { max_messages: 3 }, preflight: count_tokens }
            """)
        var options = ModelRouter.Options(policyReloadInterval: .zero)
        options.responseCache = try ResponseCache(path: directory.appendingPathComponent("responses.sqlite").path)
        let router = try ModelRouter(policy: .policy(try Policy.parse(yaml: yaml, file: "gateway-levers.yaml")),
                                     client: client, ledger: ledger, options: options)
        let gateway = try Gateway(router: router, client: client, ledger: ledger,
                                  configuration: .init(host: "127.0.0.1", port: 0, keys: nil, drainGracePeriod: .seconds(5)),
                                  logger: GatewayHarness.quiet("gateway"), accessLog: GatewayHarness.quiet("access"))
        try await gateway.start()
        return GatewayHarness(mock: mock, client: client, ledger: ledger, router: router, gateway: gateway, directory: directory)
    }

    // 8,250 characters = 2,063 tokens at the mock's 4 characters a token: above Sonnet 4.6's 1,024 minimum.
    static let manual = String(repeating: "Refunds are issued within 14 days of a return; keep the receipt. ", count: 125)
    static var manualJSON: String { String(decoding: try! JSONEncoder().encode(manual), as: UTF8.self) }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("serve places the policy's breakpoint in the caller's bytes; the second call reads the cache; the ledger has the saving")
    func breakpointsSplicedThroughServe() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        var forwarded: [String] = []
        for question in ["Can I return shoes?", "How long do refunds take?"] {
            let body = #"{"model":"auto","max_tokens":100,"zz_future_param":{"levels":[1,2.50]},"system":\#(Self.manualJSON),"#
                + #""messages":[{"role":"user","content":"\#(question)","x_new_member":1e3}]}"#
            let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body,
                                           headers: ["x-api-key": "k", "x-router-task": "support"])
            #expect(reply.status == 200)
            forwarded.append(String(decoding: try #require(harness.mock.stats.lastRequestBody), as: UTF8.self))
        }
        for text in forwarded {
            // The string system prompt became one text block carrying the breakpoint; nothing else moved.
            #expect(text.contains(#""system":[{"type":"text","text":\#(Self.manualJSON),"cache_control":{"type":"ephemeral"}}]"#))
            #expect(Self.occurrences(of: "cache_control", in: text) == 1)
            #expect(text.contains(#""zz_future_param":{"levels":[1,2.50]}"#))
            #expect(text.contains(#""x_new_member":1e3"#))
        }
        let systemTokens = (Self.manual.count + 3) / 4
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        #expect(records[0].usage.cacheWrite5m == systemTokens)
        #expect(records[1].usage.cacheRead == systemTokens)
        #expect((records[1].cacheSaving ?? .zero) > .zero)
    }

    @Test("a conversation's last turn is marked even as a string content; the caller's four breakpoints are never exceeded")
    func conversationAndCallerBreakpoints() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let conversation = #"{"model":"auto","max_tokens":100,"system":\#(Self.manualJSON),"messages":["#
            + #"{"role":"user","content":"First question?"},{"role":"assistant","content":"First answer."},"#
            + #"{"role":"user","content":"Second question?"}]}"#
        let first = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: conversation,
                                       headers: ["x-api-key": "k", "x-router-task": "support"])
        #expect(first.status == 200)
        let sent = try #require(harness.mock.stats.lastRequestBody)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sent)) as? [String: Any])
        let messages = try #require(object["messages"] as? [[String: Any]])
        let last = try #require(messages.last?["content"] as? [[String: Any]])
        #expect(last.first?["text"] as? String == "Second question?")
        #expect((last.first?["cache_control"] as? [String: Any])?["type"] as? String == "ephemeral")
        #expect(messages[0]["content"] as? String == "First question?")
        #expect(Self.occurrences(of: "cache_control", in: String(decoding: sent, as: UTF8.self)) == 2)

        // Four markers of the caller's own (one on a member no client type models): none added, none moved.
        let mark = #""cache_control":{"type":"ephemeral"}"#
        let full = #"{"model":"auto","max_tokens":100,"system":[{"type":"text","text":\#(Self.manualJSON),\#(mark)}],"#
            + #""messages":[{"role":"user","content":[{"type":"text","text":"a",\#(mark)},{"type":"text","text":"b",\#(mark)}]},"#
            + #"{"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"text","text":"c"}],"#
            + #""x_extension":{\#(mark)}}]}"#
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: full,
                                       headers: ["x-api-key": "k", "x-router-task": "support"])
        #expect(reply.status == 200)
        let forwarded = String(decoding: try #require(harness.mock.stats.lastRequestBody), as: UTF8.self)
        #expect(Self.occurrences(of: "cache_control", in: forwarded) == 4)
        let sentMaxTokens = try #require(
            (try JSONSerialization.jsonObject(with: Data(forwarded.utf8)) as? [String: Any])?["max_tokens"] as? Int)
        #expect(forwarded == full.replacingOccurrences(of: #""model":"auto""#, with: #""model":"claude-sonnet-4-6""#)
            .replacingOccurrences(of: #""max_tokens":100"#, with: #""max_tokens":\#(sentMaxTokens)"#))
    }

    @Test("history trimming and pre-flight apply to a forwarded request (trimmed bodies are re-encoded)")
    func trimmingAndPreflightThroughServe() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        var turns: [String] = []
        for index in 0..<7 {
            let role = index % 2 == 0 ? "user" : "assistant"
            turns.append(#"{"role":"\#(role)","content":"Turn \#(index): something about item \#(index)."}"#)
        }
        let body = #"{"model":"auto","max_tokens":100,"messages":[\#(turns.joined(separator: ","))]}"#
        let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages", body: body,
                                       headers: ["x-api-key": "k", "x-router-task": "chat"])
        #expect(reply.status == 200)
        let sent = try #require(harness.mock.stats.lastRequestBody)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sent)) as? [String: Any])
        #expect((object["messages"] as? [[String: Any]])?.count == 3)
        #expect(harness.mock.stats.requests(to: .countTokens) == 1)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect((record.trimmedInputTokens ?? 0) > 0)
        #expect((record.preflightInputTokens ?? 0) > 0)
    }

    @Test("a streamed repeat through serve is replayed as SSE from the response cache: no upstream request, a $0 record")
    func streamedResponseCacheThroughServe() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let headers = ["x-api-key": "k", "anthropic-version": "2023-06-01", "x-router-task": "faq",
                       "x-router-metadata-user": "ann"]
        var replies: [CurlReply] = []
        for _ in 0..<2 {
            let reply = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                           body: Curl.messageBody(prompt: "When do you open on Sundays?", stream: true),
                                           headers: headers)
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            replies.append(reply)
        }
        #expect(harness.mock.stats.requests(to: .messages) == 1)
        func names(_ body: String) -> [String] {
            body.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
        }
        let replayed = names(replies[1].body)
        #expect(replayed.first == "message_start")
        #expect(Array(replayed.suffix(2)) == ["message_delta", "message_stop"])
        #expect(replayed.contains("content_block_start") && replayed.contains("content_block_delta")
                && replayed.contains("content_block_stop"))
        // The replay carries the same text as the stream that filled the cache.
        func text(_ body: String) -> String {
            body.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.compactMap { line -> String? in
                let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                return (object?["delta"] as? [String: Any])?["text"] as? String
            }.joined()
        }
        #expect(!text(replies[0].body).isEmpty)
        #expect(text(replies[1].body) == text(replies[0].body))

        // A non-streamed repeat is a hit as well (the cache key leaves `stream` out).
        let plain = try await Curl.run(harness.gateway.baseURL + "/v1/messages",
                                       body: Curl.messageBody(prompt: "When do you open on Sundays?"), headers: headers)
        #expect(plain.status == 200)
        #expect(harness.mock.stats.requests(to: .messages) == 1)

        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.map { $0.responseCacheHit == true } == [false, true, true])
        #expect(records[1].stream == true && records[1].cost?.total == .zero)
        #expect(records[1].avoidedCost == records[0].cost?.total)
    }
}
