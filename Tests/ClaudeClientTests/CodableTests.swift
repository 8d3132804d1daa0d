import Foundation
import Testing

@testable import ClaudeClient

@Suite("Wire types")
struct CodableTests {
    static func json(_ value: some Encodable) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value))
        return try #require(object as? [String: Any])
    }

    static func sameJSON(_ a: Data, _ b: Data) throws -> Bool {
        let left = try JSONSerialization.jsonObject(with: a) as? NSObject
        let right = try JSONSerialization.jsonObject(with: b) as? NSObject
        return left != nil && left == right
    }

    @Test("MessageRequest encodes snake_case keys and leaves tool input keys untouched")
    func requestKeys() throws {
        let request = MessageRequest(
            model: "claude-sonnet-4-5", maxTokens: 100,
            messages: [
                .user("hi"),
                MessageParam(role: .assistant, content: [.toolUse(ToolUseBlock(id: "t1", name: "f", input: ["cityName": "Oslo", "maxDays": 2]))]),
                MessageParam(role: .user, content: [.toolResult(ToolResultBlock(toolUseID: "t1", content: .string("ok"), isError: false, cacheControl: CacheControl(ttl: .oneHour)))]),
            ],
            system: .blocks([TextBlock(text: "sys", cacheControl: .ephemeral)]), stopSequences: ["END"],
            temperature: 0.5, topP: 0.9, topK: 5, metadata: RequestMetadata(userID: "u1"),
            tools: [Tool(name: "f", description: "d", inputSchema: ["type": "object"], cacheControl: .ephemeral)],
            toolChoice: .tool("f"), thinking: .enabled(budgetTokens: 2048), serviceTier: .standardOnly)
        let object = try Self.json(request)
        #expect(Set(object.keys) == [
            "model", "max_tokens", "messages", "system", "stop_sequences", "temperature", "top_p", "top_k", "metadata",
            "tools", "tool_choice", "thinking", "service_tier",
        ])
        #expect((object["metadata"] as? [String: Any])?["user_id"] as? String == "u1")
        #expect((object["thinking"] as? [String: Any])?["budget_tokens"] as? Int == 2048)
        #expect((object["tool_choice"] as? [String: Any])?["name"] as? String == "f")
        let messages = try #require(object["messages"] as? [[String: Any]])
        let toolUse = try #require((messages[1]["content"] as? [[String: Any]])?.first)
        #expect(toolUse["type"] as? String == "tool_use")
        #expect(Set((toolUse["input"] as? [String: Any])?.keys ?? [:].keys) == ["cityName", "maxDays"])
        let toolResult = try #require((messages[2]["content"] as? [[String: Any]])?.first)
        #expect(toolResult["tool_use_id"] as? String == "t1")
        #expect((toolResult["cache_control"] as? [String: Any])?["ttl"] as? String == "1h")
        #expect((object["tools"] as? [[String: Any]])?.first?["input_schema"] != nil)
        // Round trip.
        let decoded = try JSONDecoder().decode(MessageRequest.self, from: try JSONEncoder().encode(request))
        #expect(decoded == request)
        // nil optionals are omitted.
        #expect(Set(try Self.json(Fixtures.request).keys) == ["model", "max_tokens", "messages"])
    }

    @Test("string shorthands decode: message content and system")
    func shorthands() throws {
        let json = #"{"model":"m","max_tokens":5,"system":"be brief","messages":[{"role":"user","content":"hello"}]}"#
        let request = try JSONDecoder().decode(MessageRequest.self, from: Data(json.utf8))
        #expect(request.messages == [.user("hello")])
        #expect(request.system == .text("be brief"))
    }

    @Test("every block type round-trips; unknown blocks re-encode unchanged")
    func blocks() throws {
        let json = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-5","stop_reason":"brand_new_reason",
             "content":[
              {"type":"text","text":"a","citations":[{"type":"char_location","cited_text":"x","start_char_index":0}]},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},
              {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},
              {"type":"image","source":{"type":"file","file_id":"file_1"}},
              {"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"},"title":"T","citations":{"enabled":true}},
              {"type":"tool_use","id":"t","name":"n","input":{"someKey":[1,2.5,null,true]}},
              {"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"r"}],"is_error":true},
              {"type":"thinking","thinking":"hmm","signature":"s"},
              {"type":"redacted_thinking","data":"opaque"},
              {"type":"server_tool_use_v9","id":"srv_1","nested":{"camelCase":{"deep":[1,{"x":"y"}]}},"big":9007199254740993}
             ],
             "usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":3,"cache_read_input_tokens":4,
                      "cache_creation":{"ephemeral_5m_input_tokens":1,"ephemeral_1h_input_tokens":2},
                      "service_tier":"standard","inference_geo":"us","server_tool_use":{"web_search_requests":1}}}
            """
        let message = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
        #expect(message.content.map(\.type) == [
            "text", "image", "image", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking",
            "server_tool_use_v9",
        ])
        #expect(message.stopReason?.rawValue == "brand_new_reason")
        #expect(message.usage.cacheCreation?.ephemeral1hInputTokens == 2)
        #expect(message.usage.inferenceGeo == "us")
        #expect(message.usage.serverToolUse?["web_search_requests"] == .int(1))
        guard case .unknown(let type, let raw) = message.content[9] else { Issue.record("not unknown"); return }
        #expect(type == "server_tool_use_v9")
        #expect(raw["big"] == .int(9_007_199_254_740_993))  // beyond Double precision, kept exact

        let reencoded = try JSONEncoder().encode(message)
        #expect(try Self.sameJSON(reencoded, Data(json.utf8)))
        #expect(try JSONDecoder().decode(Message.self, from: reencoded) == message)
        let unknownAlone = try JSONEncoder().encode(message.content[9])
        let original = #"{"type":"server_tool_use_v9","id":"srv_1","nested":{"camelCase":{"deep":[1,{"x":"y"}]}},"big":9007199254740993}"#
        #expect(try Self.sameJSON(unknownAlone, Data(original.utf8)))
        #expect(message.text == "a")
    }

    @Test("StopReason keeps unknown values; known statics match the wire")
    func stopReason() throws {
        #expect(StopReason.modelContextWindowExceeded.rawValue == "model_context_window_exceeded")
        #expect(StopReason.pauseTurn.rawValue == "pause_turn")
        let decoded = try JSONDecoder().decode([StopReason].self, from: Data(#"["refusal","x_future"]"#.utf8))
        #expect(decoded == [.refusal, StopReason(rawValue: "x_future")])
    }

    @Test("batch results: all four outcomes and an unknown one")
    func batchResults() throws {
        let lines = [
            #"{"custom_id":"a","result":{"type":"succeeded","message":\#(Fixtures.messageJSON.replacingOccurrences(of: "\n", with: ""))}}"#,
            #"{"custom_id":"b","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}}}"#,
            #"{"custom_id":"c","result":{"type":"canceled"}}"#,
            #"{"custom_id":"d","result":{"type":"expired"}}"#,
            #"{"custom_id":"e","result":{"type":"deferred","until":"later"}}"#,
        ]
        let results = try lines.map { try JSONDecoder().decode(BatchResult.self, from: Data($0.utf8)) }
        guard case .succeeded(let message) = results[0].result else { Issue.record("a"); return }
        #expect(message.text == "Hi there")
        #expect(results[1].result == .errored(APIErrorDetail(type: "invalid_request_error", message: "bad")))
        #expect(results[2].result == .canceled)
        #expect(results[3].result == .expired)
        #expect(results[4].result == .unknown(type: "deferred", raw: ["type": "deferred", "until": "later"]))
        for result in results {
            #expect(try JSONDecoder().decode(BatchResult.self, from: try JSONEncoder().encode(result)) == result)
        }
    }

    @Test("batch, batch page, model page and token count decode")
    func resources() throws {
        let batch = """
            {"id":"msgbatch_1","type":"message_batch","processing_status":"in_progress",
             "request_counts":{"processing":2,"succeeded":1,"errored":0,"canceled":0,"expired":0},
             "ended_at":null,"created_at":"2026-11-01T00:00:00Z","expires_at":"2026-11-02T00:00:00Z",
             "archived_at":null,"cancel_initiated_at":null,"results_url":null}
            """
        let page = try JSONDecoder().decode(
            MessageBatchPage.self,
            from: Data(#"{"data":[\#(batch)],"has_more":true,"first_id":"msgbatch_1","last_id":"msgbatch_1"}"#.utf8))
        #expect(page.data.first?.processingStatus == .inProgress)
        #expect(page.data.first?.requestCounts.processing == 2)
        #expect(page.hasMore && page.lastID == "msgbatch_1")
        let models = try JSONDecoder().decode(
            ModelPage.self,
            from: Data(#"{"data":[{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5","created_at":"2025-10-01T00:00:00Z"}],"has_more":false,"first_id":null,"last_id":null}"#.utf8))
        #expect(models.data.first?.displayName == "Claude Haiku 4.5")
        #expect(try JSONDecoder().decode(TokenCount.self, from: Data(#"{"input_tokens":42}"#.utf8)).inputTokens == 42)
        let item = try Self.json(BatchRequestItem(customID: "x", params: Fixtures.request))
        #expect(item["custom_id"] as? String == "x")
    }

    @Test("JSONValue literals and decoding keep integers apart from doubles")
    func jsonValue() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":1,"b":1.5,"c":"s","d":[true,null]}"#.utf8))
        #expect(value == ["a": 1, "b": 1.5, "c": "s", "d": [true, nil]])
        #expect(value["c"]?.stringValue == "s")
    }
}
