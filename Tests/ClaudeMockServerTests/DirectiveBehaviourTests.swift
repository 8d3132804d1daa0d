import ClaudeMockServer
import Foundation
import Testing

@Suite("Directives over the wire")
struct DirectiveBehaviourTests {
    @Test func replyJSONAndStopDirectives() async throws {
        try await withMockServer { server in
            let exact = try await MockHTTP.message(server, prompt: "x [[mock: reply=Exactly_this stop=refusal]]").json()
            #expect((exact["content"] as? [[String: Any]])?.first?["text"] as? String == "Exactly this")
            #expect(exact["stop_reason"] as? String == "refusal")

            let json = try await MockHTTP.message(server, prompt: "give json [[mock: json]]").json()
            let text = try #require((json["content"] as? [[String: Any]])?.first?["text"] as? String)
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(object?["mock"] as? Bool == true)

            let body = MockHTTP.jsonText([
                "model": "claude-haiku-4-5", "max_tokens": 50, "stop_sequences": ["STOP"],
                "messages": [["role": "user", "content": "[[mock: stop=stop_sequence]]"]],
            ])
            let sequence = try await MockHTTP.send(server, .post, "/v1/messages", body: body).json()
            #expect(sequence["stop_reason"] as? String == "stop_sequence")
            #expect(sequence["stop_sequence"] as? String == "STOP")
        }
    }

    @Test func statusDirectiveGivesTheRealErrorBodyAndRetryHeaders() async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.message(
                server, prompt: "hi [[mock: status=529 retry-after=1.5 retry-after-ms=1500 should-retry=true]]"
            )
            #expect(reply.status == 529)
            #expect(reply.header("retry-after") == "1.5")
            #expect(reply.header("retry-after-ms") == "1500")
            #expect(reply.header("x-should-retry") == "true")
            let body = try reply.json()
            #expect(body["type"] as? String == "error")
            #expect((body["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
            #expect(body["request_id"] as? String == reply.header("request-id"))
        }
    }

    @Test func cacheAndGeoDirectivesFillUsage() async throws {
        try await withMockServer { server in
            let prompt = "cached prompt [[mock: cache-read=100 cache-write-5m=20 cache-write-1h=30 geo=us]]"
            let usage = try #require(try await MockHTTP.message(server, prompt: prompt).json()["usage"] as? [String: Any])
            // docs/ANTHROPIC-API.md: input_tokens excludes cache reads and writes, which come in addition.
            #expect(usage["input_tokens"] as? Int == tokens(prompt))
            #expect(usage["cache_read_input_tokens"] as? Int == 100)
            #expect(usage["cache_creation_input_tokens"] as? Int == 50)
            let creation = usage["cache_creation"] as? [String: Any]
            #expect(creation?["ephemeral_5m_input_tokens"] as? Int == 20)
            #expect(creation?["ephemeral_1h_input_tokens"] as? Int == 30)
            #expect(usage["inference_geo"] as? String == "us")
        }
    }

    @Test func modelsFilterChoosesTheDirectivePerModel() async throws {
        try await withMockServer { server in
            let prompt = "q [[mock: models=haiku status=529]] [[mock: models=sonnet reply=sonnet_ok]]"
            let haiku = try await MockHTTP.message(server, prompt: prompt, model: "claude-haiku-4-5")
            #expect(haiku.status == 529)
            let sonnet = try await MockHTTP.message(server, prompt: prompt, model: "claude-sonnet-4-6")
            #expect(sonnet.status == 200)
            #expect((try sonnet.json()["content"] as? [[String: Any]])?.first?["text"] as? String == "sonnet ok")
            let opus = try await MockHTTP.message(server, prompt: prompt, model: "claude-opus-5")
            #expect(opus.status == 200)
            let text = (try opus.json()["content"] as? [[String: Any]])?.first?["text"] as? String
            #expect(text?.hasPrefix("This is a mock reply from claude-opus-5") == true)
        }
    }

    @Test func malformedDirectiveIsTreatedAsPromptText() async throws {
        try await withMockServer { server in
            let prompt = "hello [[mock: status=abc]]"
            let reply = try await MockHTTP.message(server, prompt: prompt)
            #expect(reply.status == 200)
            let text = (try reply.json()["content"] as? [[String: Any]])?.first?["text"] as? String
            #expect(text == "This is a mock reply from claude-haiku-4-5: \(prompt)")
        }
    }

    @Test func errorAfterSendsAnErrorEventAfterHTTP200() async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.message(server, prompt: "stream [[mock: error-after=2]]", stream: true)
            #expect(reply.status == 200)
            let events = try reply.events()
            #expect(events.filter { $0.name == "content_block_delta" }.count == 2)
            let last = try #require(events.last)
            #expect(last.name == "error")
            #expect((last.data["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
            #expect(!events.contains { $0.name == "message_stop" })
        }
    }

    @Test func pingDirectiveAddsPingEvents() async throws {
        try await withMockServer { server in
            let base = try await MockHTTP.message(server, prompt: "p", stream: true).events()
            let more = try await MockHTTP.message(server, prompt: "p [[mock: ping=5 slow-ms=1]]", stream: true).events()
            #expect(more.filter { $0.name == "ping" }.count == base.filter { $0.name == "ping" }.count + 5)
        }
    }

    @Test func delayDirectiveStillReplies() async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.message(server, prompt: "wait [[mock: delay-ms=30]]")
            #expect(reply.status == 200)
        }
    }

    @Test func splitProducesTheSameEventsInSmallChunks() async throws {
        try await withMockServer { server in
            let port = try #require(server.port)
            let whole = try decodeChunked(await rawExchange(port: port, request: rawMessageRequest(
                body: MockHTTP.messageBody(prompt: "split me please [[mock: ping=1]]", stream: true))))
            let split = try decodeChunked(await rawExchange(port: port, request: rawMessageRequest(
                body: MockHTTP.messageBody(prompt: "split me please [[mock: ping=1 split=5]]", stream: true))))
            #expect(split.chunks.count > whole.chunks.count)
            #expect(split.chunks.dropLast().allSatisfy { $0.count == 5 })
            #expect(split.chunks.allSatisfy { $0.count <= 5 })
            let wholeEvents = try SSEEvent.parse(String(decoding: whole.chunks.joined(), as: UTF8.self))
            let splitEvents = try SSEEvent.parse(String(decoding: split.chunks.joined(), as: UTF8.self))
            #expect(wholeEvents.map(\.name) == splitEvents.map(\.name))
            func texts(_ events: [SSEEvent]) -> [String] {
                events.compactMap { ($0.data["delta"] as? [String: Any])?["text"] as? String }
            }
            // Directives are stripped before the prompt is echoed, so both replies carry the same text.
            #expect(texts(wholeEvents).joined() == "This is a mock reply from claude-haiku-4-5: split me please")
            #expect(texts(wholeEvents) == texts(splitEvents))
        }
    }
}
