import Foundation
import Testing

@testable import ClaudeClient

/// `FastJSON` must give exactly what `JSONDecoder` gives for every reply it accepts, and decline
/// (return nil, so the client falls back to `JSONDecoder`) everything it does not mirror.
@Suite("FastJSON reply decoding")
struct FastJSONTests {
    /// Replies shaped as the Messages API documents them (https://docs.anthropic.com/en/api/messages),
    /// including the members this client does not model and `null`s where the API sends them.
    static let recordedReplies: [String] = [
        #"{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":11,"service_tier":"standard"}}"#,
        #"{"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Let me check.\n\"quoted\" \\ \/ \u00e9\u4e2d\ud83d\ude80"},{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"San Francisco, CA","unit":"celsius","days":3,"flags":[true,false,null],"nested":{"a":{"b":[1,-2,{"c":"d"}]}}}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":91,"server_tool_use":{"web_search_requests":2},"inference_geo":"us"}}"#,
        #"{"id":"msg_3","type":"message","role":"assistant","model":"claude-opus-4-5","content":[{"type":"thinking","thinking":"Let me think","signature":"EqQBCgIYAhIM"},{"type":"redacted_thinking","data":"EmwKAhgBEgy3"},{"type":"text","text":"Answer","citations":[{"type":"char_location","cited_text":"x","document_index":0,"start_char_index":0,"end_char_index":1}]}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":7,"cache_creation_input_tokens":100,"cache_read_input_tokens":2048}}"#,
        #"{"id":"msg_4","model":"m","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}},{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]}],"stop_reason":"brand_new_reason","usage":{"input_tokens":null,"output_tokens":3,"cache_creation":null,"service_tier":null},"container":null,"extra_member":{"k":[1,2]}}"#,
        #"{"id":"msg_5","type":"message","role":"assistant","model":"m","content":[],"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:","usage":{"input_tokens":-5,"output_tokens":9223372036854775807}}"#,
        #"{"id":"msg_6","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":""}]}"#,
        #"{"id":"msg_7","type":null,"role":null,"model":"m","content":null,"stop_reason":null,"usage":null}"#,
        #"{"id":"msg_8","model":"m","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"1h"}},{"type":"thinking"}],"usage":{}}"#,
        " \n\t{ \"id\" : \"msg_9\" , \"model\" : \"m\" , \"content\" : [ ] , \"usage\" : { \"input_tokens\" : 1 } } \r\n",
    ]

    @Test("recorded replies decode exactly as JSONDecoder decodes them", arguments: recordedReplies)
    func recordedReplyMatches(json: String) throws {
        let expected = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
        let fast = try #require(FastJSON.message(Array(json.utf8)))
        #expect(fast == expected)
        #expect(fast.usage.isReported == expected.usage.isReported)
    }

    @Test("members Message does not model are kept raw by name, by both paths")
    func additionalFieldsKept() throws {
        let json = Array(Self.recordedReplies[3].utf8)
        let fast = try #require(FastJSON.message(json))
        #expect(fast.additionalFields == ["container": .null, "extra_member": .object(["k": .array([.int(1), .int(2)])])])
        #expect(try JSONDecoder().decode(Message.self, from: Data(json)).additionalFields == fast.additionalFields)
        #expect(try #require(FastJSON.message(Array(Self.recordedReplies[0].utf8))).additionalFields.isEmpty)
        // Encoding keeps them (a stored reply, a response-cache hit), and decodes back equal.
        let encoded = try JSONEncoder().encode(fast)
        #expect(try JSONDecoder().decode(Message.self, from: encoded) == fast)
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""extra_member":{"k":[1,2]}"#))
    }

    @Test("a stream's final message carries message_delta's container and the event's context_management")
    func accumulatorMergesDeltaFields() throws {
        var decoder = MessageStreamEventDecoder()
        var accumulator = MessageAccumulator()
        for (name, json) in Self.events {
            try accumulator.apply(try decoder.decode(ServerSentEvent(event: name, data: Array(json.utf8)), requestID: nil, attempts: 1))
        }
        let message = try #require(accumulator.message)
        #expect(message.additionalFields["container"] == .object(["id": .string("container_1")]))
        #expect(message.additionalFields["context_management"] == .object(["applied_edits": .array([])]))
    }

    /// Inputs the fast path must hand to JSONDecoder: shapes it does not mirror, and invalid JSON
    /// whose error message JSONDecoder words.
    static let declined: [String] = [
        #"{"id":"m","model":"m","usage":{"input_tokens":5.0}}"#,
        #"{"id":"m","model":"m","usage":{"input_tokens":1e2}}"#,
        #"{"id":"m","model":"m","content":[{"type":"tool_use","id":"t","name":"n","input":{"x":2.5}}]}"#,
        #"{"id":"m","id":"n","model":"m"}"#,
        #"{"id":"m","model":"m","usage":{"input_tokens":99999999999999999999}}"#,
        #"{"id":"m","model":"m","content":[{"type":"text","text":"\ud800"}]}"#,
        #"{"id":"m","model":"m","content":[{"type":"text","text":"\udc00x"}]}"#,
        #"{"id":"m","model":"m","content":[{"type":"text","text":"\q"}]}"#,
        #"{"id":"m","model":"m"} x"#,
        #"{"id":"m","model":"m",}"#,
        #"{"id":"m","model":"m","usage":{"input_tokens":01}}"#,
        #"{"id":"m","model":"m","usage":{"input_tokens":"1"}}"#,
        #"{"id":"m","model":"m","content":[{"type":"image","source":{"type":"url","url":"u"}}]}"#,
        #"{"id":"m","model":"m","content":[{"text":"no type"}]}"#,
        #"{"id":"m","model":"m","content":[{"type":"text"}]}"#,
        #"{"id":"m","model":"m","content":[{"type":"tool_use","id":"t","name":"n"}]}"#,
        #"{"id":null,"model":"m"}"#,
        #"{"model":"m"}"#,
        #"{"id":"m","model":"m","stop_reason":3}"#,
        #"{"id":"m","model":"m","content":{}}"#,
        #"[{"id":"m","model":"m"}]"#,
        #"{"id":"m","model":"m","content":[{"type":"text","text":"a"#,
        "{\"id\":\"m\",\"model\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"a\u{01}\"}]}",
        String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
    ]

    @Test("declines what it does not mirror, and JSONDecoder's verdict stands", arguments: declined)
    func declines(json: String) {
        #expect(FastJSON.message(Array(json.utf8)) == nil)
    }

    @Test("declines invalid UTF-8 inside a string or a key, reads valid multi-byte text as JSONDecoder does", arguments: [
        [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF], [0x80],
    ] as [[UInt8]])
    func invalidUTF8(sequence: [UInt8]) {
        var bytes = Array(#"{"id":"m","model":"m","content":[{"type":"text","text":""#.utf8)
        bytes += sequence
        bytes += Array(#""}]}"#.utf8)
        #expect(FastJSON.message(bytes) == nil)
        #expect((try? JSONDecoder().decode(Message.self, from: Data(bytes))) == nil)
        var inKey = Array(#"{"id":"m","model":"m",""#.utf8)
        inKey += sequence
        inKey += Array(#"":1}"#.utf8)
        #expect(FastJSON.message(inKey) == nil)
        // The same bytes after an escape take the escaped-string path.
        var escaped = Array(#"{"id":"m","model":"m","content":[{"type":"text","text":"\n"#.utf8)
        escaped += sequence
        escaped += Array(#""}]}"#.utf8)
        #expect(FastJSON.message(escaped) == nil)
    }

    @Test("valid multi-byte text, plain and after an escape, reads as JSONDecoder reads it")
    func validUTF8() throws {
        for text in ["caf\u{e9}", "\u{1F680} rocket", "\u{4E2D}\u{6587}", "a\\n\u{e9}"] {
            let json = #"{"id":"m","model":"m","content":[{"type":"text","text":""# + text + #""}]}"#
            let expected = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
            #expect(FastJSON.message(Array(json.utf8)) == expected)
        }
    }

    @Test("a missing usage is flagged unreported, a present one reported", arguments: [
        (#"{"id":"m","model":"m"}"#, false),
        (#"{"id":"m","model":"m","usage":null}"#, false),
        (#"{"id":"m","model":"m","usage":{}}"#, false),
        (#"{"id":"m","model":"m","usage":{"input_tokens":null}}"#, true),
        (#"{"id":"m","model":"m","usage":{"output_tokens":4}}"#, true),
    ])
    func usageReported(json: String, reported: Bool) throws {
        let fast = try #require(FastJSON.message(Array(json.utf8)))
        #expect(fast.usage.isReported == reported)
        let expected = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
        #expect(expected.usage.isReported == reported)
    }

    // MARK: Stream events

    /// Stream event payloads as the API sends them (https://docs.anthropic.com/en/docs/build-with-claude/streaming).
    static let events: [(String, String)] = [
        ("message_start", #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#),
        ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}"#),
        ("content_block_start", #"{"type":"content_block_start","index":2,"content_block":{"type":"thinking","thinking":""}}"#),
        ("content_block_start", #"{"type":"content_block_start","index":3,"content_block":{"type":"brand_new","x":[1]}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta", "index":0, "delta":{"type":"text_delta","text":"\u00e9 spaced"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"I need"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"signature_delta","signature":"EqQB"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"c","start_char_index":3}}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"future_delta","payload":{"a":"b"}}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":30,"output_tokens":20,"cache_read_input_tokens":7,"server_tool_use":{"web_search_requests":1}}}"#),
        ("message_delta", #"{"type":"message_delta","delta":{},"usage":null}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"}}"#),
        ("message_start", #"{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":2,"output_tokens":1},"container":{"id":"container_1","expires_at":"2026-12-01T00:00:00Z"}}}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"pause_turn","stop_sequence":null,"container":{"id":"container_1"}},"usage":{"output_tokens":3},"context_management":{"applied_edits":[]}}"#),
    ]

    @Test("a message_delta keeps the delta's and the event's unmodelled members raw")
    func messageDeltaFieldsKept() throws {
        var decoder = MessageStreamEventDecoder()
        let json = Self.events.last!.1
        guard case .messageDelta(let delta, _) = try decoder.decode(ServerSentEvent(event: "message_delta", data: Array(json.utf8)),
                                                                    requestID: nil, attempts: 1) else {
            Issue.record("not a message_delta")
            return
        }
        #expect(delta.additionalFields == ["container": .object(["id": .string("container_1")])])
        #expect(delta.eventFields == ["context_management": .object(["applied_edits": .array([])])])
    }

    @Test("stream events decode exactly as through JSONDecoder, usage carried alike")
    func streamEventsMatch() throws {
        var fast = MessageStreamEventDecoder()
        var reference = MessageStreamEventDecoder()
        // Without the `event:` line the name comes from the data's `type`.
        var unnamed = MessageStreamEventDecoder()
        for (name, json) in Self.events {
            let event = ServerSentEvent(event: name, data: Array(json.utf8))
            let fastEvent = try fast.decode(event, requestID: nil, attempts: 1)
            let referenceEvent = try reference.decodeWithFoundation(event, name: name, requestID: nil, attempts: 1)
            #expect(fastEvent == referenceEvent, "\(json)")
            #expect(fast.usage == reference.usage)
            let unnamedEvent = try unnamed.decode(ServerSentEvent(event: nil, data: event.data), requestID: nil, attempts: 1)
            #expect(unnamedEvent == referenceEvent, "\(json)")
        }
    }

    @Test("malformed stream events still fail as decoding errors", arguments: [
        ("content_block_stop", #"{"type":"content_block_stop","index":"0"}"#),
        ("message_start", #"{"type":"message_start","message":{"id":"m"}}"#),
        ("message_delta", #"{"type":"message_delta","delta":null}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}"#),
    ])
    func malformedEvents(name: String, json: String) {
        var decoder = MessageStreamEventDecoder()
        #expect(throws: ClaudeError.self) {
            try decoder.decode(ServerSentEvent(event: name, data: Array(json.utf8)), requestID: nil, attempts: 1)
        }
    }
}
