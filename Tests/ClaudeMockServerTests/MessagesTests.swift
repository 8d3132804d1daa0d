import ClaudeMockServer
import Foundation
import Testing

@Suite("Messages endpoint")
struct MessagesTests {
    @Test func jsonReplyIsDeterministicAndLabelledAsMock() async throws {
        try await withMockServer { server in
            let prompt = "Summarise the quarterly report in two sentences"
            let system = "You are terse."
            let reply = try await MockHTTP.message(server, prompt: prompt, model: "claude-sonnet-4-5", system: system)
            #expect(reply.status == 200)
            #expect(reply.header("server") == "claude-router-mock")
            #expect(reply.header("request-id")?.hasPrefix("req_mock_") == true)
            #expect(reply.header("anthropic-ratelimit-requests-limit") != nil)
            #expect(reply.header("anthropic-ratelimit-requests-remaining") != nil)
            #expect(reply.header("anthropic-ratelimit-requests-reset") != nil)
            #expect(reply.header("anthropic-ratelimit-output-tokens-limit") != nil)
            let message = try reply.json()
            #expect(message["type"] as? String == "message")
            #expect(message["role"] as? String == "assistant")
            #expect(message["model"] as? String == "claude-sonnet-4-5")
            #expect(message["stop_reason"] as? String == "end_turn")
            let content = try #require(message["content"] as? [[String: Any]])
            let text = try #require(content.first?["text"] as? String)
            #expect(text == "This is a mock reply from claude-sonnet-4-5: \(prompt)")
            let usage = try #require(message["usage"] as? [String: Any])
            // docs/ANTHROPIC-API.md rule of thumb, made exact in the mock: ceil(characters / 4).
            #expect(usage["input_tokens"] as? Int == tokens(system + prompt))
            #expect(usage["output_tokens"] as? Int == tokens(text))
            #expect(usage["cache_read_input_tokens"] as? Int == 0)
            #expect(usage["cache_creation_input_tokens"] as? Int == 0)

            let again = try await MockHTTP.message(server, prompt: prompt, model: "claude-sonnet-4-5", system: system)
            let againText = try #require((try again.json()["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(againText == text)
            #expect(again.header("request-id") != reply.header("request-id"))
        }
    }

    @Test func replyIsCutAtMaxTokens() async throws {
        try await withMockServer { server in
            let reply = try await MockHTTP.message(server, prompt: "one two three four five six seven", maxTokens: 3)
            let message = try reply.json()
            #expect(message["stop_reason"] as? String == "max_tokens")
            let usage = try #require(message["usage"] as? [String: Any])
            #expect(usage["output_tokens"] as? Int == 3)
            let text = try #require((message["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(text.count == 12)
            #expect("This is a mock reply".hasPrefix(text))
        }
    }

    @Test func streamEmitsTheRealEventSequenceWithCumulativeUsage() async throws {
        try await withMockServer { server in
            let prompt = "Write a haiku about autumn leaves"
            let reply = try await MockHTTP.message(server, prompt: prompt, stream: true)
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
            let events = try reply.events()
            let names = events.map(\.name).filter { $0 != "ping" }
            let deltaCount = names.filter { $0 == "content_block_delta" }.count
            #expect(deltaCount > 3)
            #expect(names == ["message_start", "content_block_start"]
                + Array(repeating: "content_block_delta", count: deltaCount)
                + ["content_block_stop", "message_delta", "message_stop"])
            #expect(events.contains { $0.name == "ping" })

            let start = try #require(events.first?.data["message"] as? [String: Any])
            let startUsage = try #require(start["usage"] as? [String: Any])
            #expect(startUsage["input_tokens"] as? Int == tokens(prompt))
            #expect(startUsage["output_tokens"] as? Int == 1)

            let text = events.filter { $0.name == "content_block_delta" }
                .compactMap { ($0.data["delta"] as? [String: Any])?["text"] as? String }.joined()
            #expect(text == "This is a mock reply from claude-haiku-4-5: \(prompt)")
            let delta = try #require(events.first { $0.name == "message_delta" })
            #expect((delta.data["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
            let usage = try #require(delta.data["usage"] as? [String: Any])
            #expect(usage["output_tokens"] as? Int == tokens(text))
            #expect(usage["input_tokens"] as? Int == tokens(prompt))
            #expect(server.stats.streamingRequests == 1)
        }
    }

    @Test func structuredContentAndToolResultsCountAsText() async throws {
        try await withMockServer { server in
            let body = MockHTTP.jsonText([
                "model": "claude-haiku-4-5", "max_tokens": 100,
                "system": [["type": "text", "text": "sys"]],
                "messages": [
                    ["role": "user", "content": [["type": "text", "text": "first question"]]],
                    ["role": "assistant", "content": "an answer"],
                    ["role": "user", "content": [
                        ["type": "tool_result", "tool_use_id": "t1", "content": "tool output"],
                        ["type": "image", "source": ["type": "url", "url": "http://x"]],
                    ]],
                ],
            ])
            let reply = try await MockHTTP.send(server, .post, "/v1/messages", body: body)
            let usage = try #require(try reply.json()["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == tokens("sys" + "first question" + "an answer" + "tool output"))
        }
    }

    @Test func toolDirectiveStreamsInputJSONDeltas() async throws {
        try await withMockServer { server in
            let plain = try await MockHTTP.message(server, prompt: "weather in Paris [[mock: tool=get_weather]]")
            let message = try plain.json()
            #expect(message["stop_reason"] as? String == "tool_use")
            let blocks = try #require(message["content"] as? [[String: Any]])
            let toolBlock = try #require(blocks.first { $0["type"] as? String == "tool_use" })
            #expect(toolBlock["name"] as? String == "get_weather")
            #expect(toolBlock["input"] is [String: Any])

            let streamed = try await MockHTTP.message(server, prompt: "weather in Paris [[mock: tool=get_weather]]", stream: true)
            let events = try streamed.events()
            let partial = events.filter { $0.name == "content_block_delta" && $0.data["index"] as? Int == 1 }
                .compactMap { ($0.data["delta"] as? [String: Any])?["partial_json"] as? String }
            #expect(partial.count > 1)
            let input = try JSONSerialization.jsonObject(with: Data(partial.joined().utf8)) as? [String: Any]
            #expect(input?["mock"] as? Bool == true)
            let toolStart = events.first { $0.name == "content_block_start" && $0.data["index"] as? Int == 1 }
            #expect((toolStart?.data["content_block"] as? [String: Any])?["type"] as? String == "tool_use")
        }
    }
}
