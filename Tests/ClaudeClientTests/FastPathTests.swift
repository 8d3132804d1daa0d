import Foundation
import Testing

@testable import ClaudeClient

/// The hand-written fast paths must agree with Foundation on every input they accept, and
/// decline (return nil) rather than guess on anything else.
@Suite("Decoder-free fast paths")
struct FastPathTests {
    /// What JSONDecoder makes of a text delta event, for comparison.
    private struct Reference: Decodable {
        var index: Int
        var delta: ContentDelta
    }

    private static func reference(_ json: String) -> (Int, String)? {
        guard let decoded = try? JSONDecoder().decode(Reference.self, from: Data(json.utf8)),
            case .text(let text) = decoded.delta
        else { return nil }
        return (decoded.index, text)
    }

    @Test(
        "text_delta fast path matches JSONDecoder",
        arguments: [
            "Hello", "", " world", "naïve café 🚀", #"quote \" inside"#, #"back\\slash"#, #"line\nbreak\ttab\r"#,
            #"slash \/ and \b\f"#, "日本語のテキスト",
        ])
    func textDeltaMatchesDecoder(text: String) throws {
        for index in [0, 7, 12] {
            let json = #"{"type":"content_block_delta","index":\#(index),"delta":{"type":"text_delta","text":"\#(text)"}}"#
            let expected = try #require(Self.reference(json))
            let fast = try #require(TextDeltaFastPath.decode(Array(json.utf8)))
            #expect(fast.index == expected.0)
            #expect(fast.text == expected.1)
        }
    }

    @Test(
        "text_delta fast path declines other shapes",
        arguments: [
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\u00e9"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}"#,
            #"{"type":"content_block_delta", "index":0,"delta":{"type":"text_delta","text":"a"}}"#,
            #"{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"a"}}"#,
            #"{"type":"content_block_delta","index":-1,"delta":{"type":"text_delta","text":"a"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"x":1}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\q"}}"#,
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\u{01}\"}}",
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}"#,
        ])
    func textDeltaDeclines(json: String) {
        #expect(TextDeltaFastPath.decode(Array(json.utf8)) == nil)
    }

    @Test("text_delta fast path declines invalid UTF-8")
    func textDeltaInvalidUTF8() {
        var bytes = Array(#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}}"#.utf8)
        #expect(TextDeltaFastPath.decode(bytes) == nil)
    }

    @Test(
        "RFC 3339 fast path matches Foundation",
        arguments: [
            "2026-11-01T12:00:30Z", "2026-11-01T12:00:30.500Z", "1999-12-31T23:59:59Z", "2024-02-29T00:00:00Z",
            "2026-11-01T12:00:30+02:00", "2026-11-01T12:00:30-05:30", "1970-01-01T00:00:00Z",
        ])
    func rfc3339MatchesFoundation(text: String) throws {
        let fast = try #require(RFC3339.parse(text))
        let foundation =
            (try? Date(text, strategy: .iso8601))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        let expected = try #require(foundation)
        #expect(abs(fast.timeIntervalSince(expected)) < 0.001)
    }

    @Test(
        "RFC 3339 fast path declines other forms",
        arguments: [
            "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-01 12:00:30Z", "2026-11-01T12:00:30",
            "2026-11-01T24:00:00Z", "2026-11-01T12:00:30.Z", "20261101T120030Z", "2026-11-01T12:00:30Zjunk",
        ])
    func rfc3339Declines(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}
