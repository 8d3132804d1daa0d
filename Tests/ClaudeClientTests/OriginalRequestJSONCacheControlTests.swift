import ClaudeClient
import Foundation
import Testing

/// Prompt-caching breakpoints written into a caller's own JSON: only the marked blocks change.
@Suite("Original request JSON: cache_control splice")
struct OriginalRequestJSONCacheControlTests {
    static func text(_ json: OriginalRequestJSON?) -> String? { json.map { String(decoding: $0.bytes, as: UTF8.self) } }

    static let mark = #""cache_control":{"type":"ephemeral"}"#

    @Test("a string system prompt becomes one marked text block; the rest of the bytes stay")
    func stringSystem() {
        let body = #"{ "model":"auto", "system" : "Be \"brief\".\n", "zz":[1, 2.50],"messages":[]}"#
        let spliced = OriginalRequestJSON(Array(body.utf8)).addingCacheControl(.ephemeral, at: [.system(0)])
        #expect(Self.text(spliced)
            == #"{ "model":"auto", "system" : [{"type":"text","text":"Be \"brief\".\n",\#(Self.mark)}], "zz":[1, 2.50],"messages":[]}"#)
    }

    @Test("tools, system blocks and message blocks get a member appended, string content is wrapped, in one pass")
    func severalLocations() throws {
        let body = #"{"tools":[{"name":"a"},{"name":"b","input_schema":{}}],"system":[{"type":"text","text":"s"}],"#
            + #""messages":[{"role":"user","content":"hi","x":1},{"role":"assistant","content":[{"type":"text","text":"yo"},{}]}]}"#
        let spliced = OriginalRequestJSON(Array(body.utf8)).addingCacheControl(
            CacheControl(ttl: .oneHour), at: [.message(1, block: 1), .tool(1), .system(0), .message(0, block: 0)])
        let hour = #""cache_control":{"type":"ephemeral","ttl":"1h"}"#
        #expect(Self.text(spliced) == #"{"tools":[{"name":"a"},{"name":"b","input_schema":{},\#(hour)}],"#
            + #""system":[{"type":"text","text":"s",\#(hour)}],"#
            + #""messages":[{"role":"user","content":[{"type":"text","text":"hi",\#(hour)}],"x":1},"#
            + #"{"role":"assistant","content":[{"type":"text","text":"yo"},{\#(hour)}]}]}"#)
        // Still valid JSON.
        let json = try #require(Self.text(spliced))
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
    }

    @Test("a null cache_control is replaced; a caller's own marker or a missing location refuses the splice")
    func refusals() {
        let body = #"{"messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":null}]}]}"#
        let original = OriginalRequestJSON(Array(body.utf8))
        #expect(Self.text(original.addingCacheControl(.ephemeral, at: [.message(0, block: 0)]))
            == #"{"messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}}]}]}"#)
        #expect(original.addingCacheControl(.ephemeral, at: [.message(0, block: 1)]) == nil)
        #expect(original.addingCacheControl(.ephemeral, at: [.tool(0)]) == nil)
        let marked = OriginalRequestJSON(Array(#"{"system":[{"type":"text","text":"s",\#(Self.mark)}]}"#.utf8))
        #expect(marked.addingCacheControl(.ephemeral, at: [.system(0)]) == nil)
        #expect(original.addingCacheControl(.ephemeral, at: []) == original)
    }

    @Test("the caller's markers are counted at any depth, null ones and look-alike strings excluded")
    func markerCount() {
        let body = #"{"system":[{"type":"text","text":"\"cache_control\":{}",\#(Self.mark)}],"#
            + #""messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"x",\#(Self.mark)}]},"#
            + #"{"type":"x_new_block",\#(Self.mark)},{"type":"text","text":"y","cache_control":null}]}]}"#
        #expect(OriginalRequestJSON(Array(body.utf8)).cacheControlMarkers == 3)
        #expect(OriginalRequestJSON(Array("{}".utf8)).cacheControlMarkers == 0)
    }
}
