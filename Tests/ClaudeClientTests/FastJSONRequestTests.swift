import Foundation
import PropertyBased
import Testing

@testable import ClaudeClient

/// `MessageRequest.fastDecoded(json:)` (what the gateway reads a caller's body with) must give
/// exactly what `JSONDecoder` gives for every body it accepts, and decline (return nil, so the
/// gateway falls back to `JSONDecoder` and its errors) everything it does not mirror.
@Suite("FastJSON request decoding")
struct FastJSONRequestTests {
    /// Request bodies in the shapes the Messages API documents (https://docs.anthropic.com/en/api/messages),
    /// with odd spellings: escapes, non-ASCII text, nested content blocks, `null`s, unknown members.
    static let bodies: [String] = [
        #"{"model":"auto","max_tokens":512,"messages":[{"role":"user","content":"Extract the invoice number: #4411"}]}"#,
        #"{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Line\nbreak \"quoted\" \\ \/ \u00e9\u4e2d\ud83d\ude80 tab\t"}],"system":"Be brief.\u0000"}"#,
        #"{"messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral","ttl":"1h"}},{"type":"text","text":"b","citations":null}]},{"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"redacted_thinking","data":"xyz"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","days":3,"flags":[true,null],"nested":{"a":{"b":[1,-2,{"c":"d"}]}}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"sunny"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}],"is_error":false},{"type":"tool_result","tool_use_id":"toolu_2","content":"plain","cache_control":{"type":"ephemeral"}},{"type":"tool_result","tool_use_id":"toolu_3","content":null,"is_error":null}]}],"max_tokens":1024,"model":"auto"}"#,
        #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},{"type":"image","source":{"type":"file","file_id":"file_1"},"cache_control":null},{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"},"title":"T","context":null,"citations":{"enabled":true}},{"type":"brand_new_block","payload":{"k":[1,"two",false]}}]}]}"#,
        #"{"model":"auto","max_tokens":0,"messages":[{"role":"user","content":"hi"}],"system":[{"type":"text","text":"sys one","cache_control":{"type":"ephemeral"}},{"text":"no type member"}],"stop_sequences":["\n\nHuman:","END"],"temperature":0.7,"top_p":1,"top_k":40,"metadata":{"user_id":"user-42","extra":1},"stream":false,"service_tier":"standard_only"}"#,
        #"{"model":"auto","max_tokens":100,"messages":[{"role":"user","content":"q"}],"tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"cache_control":{"type":"ephemeral"}},{"type":"web_search_20250305","name":"web_search","max_uses":5,"allowed_domains":null},{"name":"bare","input_schema":null,"description":null}],"tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},"thinking":{"type":"enabled","budget_tokens":2048}}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"system":null,"stop_sequences":null,"temperature":null,"top_p":null,"top_k":null,"metadata":null,"tools":null,"tool_choice":null,"thinking":null,"stream":null,"service_tier":null,"brand_new_param":{"x":2.5}}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"system","content":[]}],"metadata":{},"tool_choice":{"type":"auto"},"thinking":{"type":"disabled"},"temperature":1e-3,"top_p":0.95E0}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":"x"}],"temperature":-0.0,"top_p":2.5e-1,"metadata":{"user_id":null}}"#,
        " \n\t{ \"model\" : \"auto\" , \"max_tokens\" : 5 , \"messages\" : [ { \"role\" : \"user\" , \"content\" : \"spaced\" } ] } \r\n",
    ]

    @Test("request bodies decode exactly as JSONDecoder decodes them", arguments: bodies)
    func bodyMatches(json: String) throws {
        let expected = try JSONDecoder().decode(MessageRequest.self, from: Data(json.utf8))
        let fast = try #require(MessageRequest.fastDecoded(json: Array(json.utf8)))
        #expect(fast == expected)
    }

    /// Bodies the fast path must hand to JSONDecoder: shapes it does not mirror (fractions inside
    /// JSON values, a fractional `max_tokens`), and bodies JSONDecoder rejects with its own message.
    static let declined: [String] = [
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"t","input_schema":{"minimum":0.5}}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":{"x":1e3}}]}]}"#,
        #"{"model":"auto","max_tokens":10.0,"messages":[]}"#,
        #"{"model":"auto","max_tokens":"10","messages":[]}"#,
        #"{"model":"auto","messages":[]}"#,
        #"{"max_tokens":10,"messages":[]}"#,
        #"{"model":"auto","max_tokens":10}"#,
        #"{"model":null,"max_tokens":10,"messages":[]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user"}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"content":"x"}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":7}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[{"text":"no type"}]}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64"}}]}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":null}]}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"system":5}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"stop_sequences":[1]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"temperature":"0.5"}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"temperature":1e400}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"top_k":1.5}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"stream":"yes"}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"tool_choice":{"name":"t"}}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"thinking":{"budget_tokens":5}}"#,
        #"{"model":"auto","max_tokens":10,"messages":[],"tools":[{"description":"no name"}]}"#,
        #"{"model":"auto","model":"m","max_tokens":10,"messages":[]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":"\ud800"}]}"#,
        #"{"model":"auto","max_tokens":10,"messages":[]} trailing"#,
        #"{"model":"auto","max_tokens":10,"messages":[],}"#,
        #"[{"model":"auto","max_tokens":10,"messages":[]}]"#,
        #"{"model":"auto","max_tokens":99999999999999999999,"messages":[]}"#,
        "{\"model\":\"auto\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"raw\u{01}control\"}]}",
    ]

    @Test("declines what it does not mirror, so JSONDecoder's verdict stands", arguments: declined)
    func declines(json: String) {
        #expect(MessageRequest.fastDecoded(json: Array(json.utf8)) == nil)
    }

    @Test("fractions are read as JSONDecoder reads Double: the nearest double of the digits")
    func fractions() throws {
        for literal in ["0.1", "0.7", "1.0", "0.30000000000000004", "2.2250738585072014e-308", "1.7976931348623157e308",
                        "5e-324", "123456789.123456789", "-1.5E+2", "0.95", "1e0"] {
            let json = #"{"model":"auto","max_tokens":1,"messages":[],"temperature":"# + literal + "}"
            let expected = try JSONDecoder().decode(MessageRequest.self, from: Data(json.utf8))
            let fast = try #require(MessageRequest.fastDecoded(json: Array(json.utf8)))
            #expect(fast.temperature == expected.temperature, "\(literal)")
            #expect(fast.temperature?.bitPattern == expected.temperature?.bitPattern, "\(literal)")
        }
    }

    @Test("FastJSON reads JSONEncoder's requests as JSONDecoder does")
    func requestRoundTrip() async {
        await propertyCheck(count: 300, input: FastJSONPropertyTests.request) { request in
            var request = request
            request.originalJSON = nil
            guard let data = try? JSONEncoder().encode(request) else {
                Issue.record("JSONEncoder failed")
                return
            }
            let reference = try? JSONDecoder().decode(MessageRequest.self, from: data)
            let fast = MessageRequest.fastDecoded(json: data)
            #expect(fast != nil)
            #expect(fast == reference)
            #expect(fast == request)
        }
    }
}
