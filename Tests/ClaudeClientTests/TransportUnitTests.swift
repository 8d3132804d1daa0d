import Foundation
import Testing

@testable import ClaudeClient

extension TransportTests {
    private func feed(_ lines: [String]) -> (HTTPResponseHead?, Int) {
        var parser = CurlHeaderParser()
        var result: HTTPResponseHead?
        var completions = 0
        for line in lines {
            let bytes = Array((line + "\r\n").utf8)
            if let head = bytes.withUnsafeBytes({ parser.consume($0) }) {
                result = head
                completions += 1
            }
        }
        return (result, completions)
    }

    @Test func headerParserSkipsInterimBlocksAndTrailers() {
        let (head, completions) = feed([
            "HTTP/1.1 100 Continue", "",
            "HTTP/1.1 200 OK", "Content-Type: text/event-stream", "X-Folded: one", "\ttwo",
            "Request-Id:   req_123  ", "",
            "X-Trailer: ignored", "",
        ])
        #expect(completions == 1)
        #expect(head?.status == 200)
        #expect(head?.value("content-type") == "text/event-stream")
        #expect(head?.value("x-folded") == "one two")
        #expect(head?.value("request-id") == "req_123")
        #expect(head?.value("x-trailer") == nil)
    }

    @Test func headerParserReadsHTTP2StatusLines() {
        let (head, _) = feed(["HTTP/2 529 ", "retry-after: 3", ""])
        #expect(head?.status == 529)
        #expect(head?.value("Retry-After") == "3")
    }

    @Test func headerParserKeepsFieldsInOrderWithLowerCasedNames() {
        let (head, _) = feed([
            "HTTP/1.1 200 OK", "X-ONE: A", "x-one: second", "Mixed-Case-Name:value with: colon", "Empty:",
            "caf\u{e9}-name: caf\u{e9}", "Z-Last:\t tabbed \t", "",
        ])
        let fields = head?.headers.map { "\($0.name)=\($0.value)" }
        #expect(fields == ["x-one=A", "x-one=second", "mixed-case-name=value with: colon", "empty=", "caf\u{e9}-name=caf\u{e9}", "z-last=tabbed"])
        #expect(head?.value("X-One") == "A")
        #expect(head?.value("EMPTY") == "")
        #expect(head?.value("missing") == nil)
        // A head built from fields reads back the same, and invalid UTF-8 in a value is repaired
        // only when it is turned into a string.
        let rebuilt = HTTPResponseHead(status: 200, headers: head?.headers ?? [])
        #expect(rebuilt.headers.map(\.name) == head?.headers.map(\.name))
        let invalid = feed(["HTTP/1.1 200 OK", "x-bad: a\u{FFFD}b", ""]).0
        #expect(invalid?.value("x-bad") == "a\u{FFFD}b")
    }

    @Test(arguments: [
        ("localhost", true), ("LOCALHOST", true), ("127.0.0.1", true), ("127.255.3.4", true), ("[::1]", true),
        ("192.0.2.1", false), ("127.1", false), ("127.0.0.1.example.com", false), ("0x7f.0.0.1", false),
        ("128.0.0.1", false), ("[::ffff:192.0.2.1]", false), ("localhost.example.com", false), ("", false),
    ])
    func loopbackClassification(host: String, loopback: Bool) {
        #expect(CurlRequestPolicy.isLoopbackHost(host) == loopback)
    }

    @Test func traceRedactionCoversHeaderLinesAndHTTP2Text() {
        #expect(CurlDebugTrace.redact("x-api-key: sk-ant-secret") == "x-api-key: <redacted>")
        #expect(CurlDebugTrace.redact("AUTHORIZATION: Bearer abc") == "AUTHORIZATION: <redacted>")
        #expect(CurlDebugTrace.redact("h2h3 [authorization: Bearer abc]") == "h2h3 [authorization: <redacted>")
        #expect(CurlDebugTrace.redact("content-type: application/json") == "content-type: application/json")
    }

    @Test func requestCacheKeepsSeveralHeaderListsAndURLs() throws {
        let cache = CurlRequestCache(allowInsecureLoopback: true)
        func headers(_ accept: String) -> [(name: String, value: String)] {
            [("anthropic-version", "2026-10-21"), ("accept", accept), ("x-api-key", "sk-test")]
        }
        // A mixed workload (buffered and streamed calls) reuses both lists instead of rebuilding
        // one on every switch.
        let json = try cache.headerList(headers("application/json"))
        let stream = try cache.headerList(headers("text/event-stream"))
        #expect(json !== stream)
        for _ in 0..<3 {
            #expect(try cache.headerList(headers("application/json")) === json)
            #expect(try cache.headerList(headers("text/event-stream")) === stream)
        }
        #expect(json.headers.map(\.value) == ["2026-10-21", "application/json", "sk-test"])
        let messages = try cache.url("http://127.0.0.1:1/v1/messages")
        let models = try cache.url("http://127.0.0.1:1/v1/models")
        #expect(try cache.url("http://127.0.0.1:1/v1/messages") === messages)
        #expect(try cache.url("http://127.0.0.1:1/v1/models") === models)
        #expect(cache.count == (urls: 2, headerLists: 2))

        // An invalid request is refused and not kept: what was kept is still handed out.
        #expect(throws: TransportError.self) { try cache.headerList([("x-bad", "a\r\nb")]) }
        #expect(throws: TransportError.self) { try cache.url("ftp://127.0.0.1/") }
        #expect(cache.count == (urls: 2, headerLists: 2))
        #expect(try cache.headerList(headers("application/json")) === json)

        // Beyond the capacity: the oldest header list goes, and the least recently used URL
        // (messages was used after models, so models goes first).
        #expect(try cache.url("http://127.0.0.1:1/v1/messages") === messages)
        var lists: [CurlHeaderList] = []
        var urls: [CurlParsedURL] = []
        for index in 0..<(CurlRequestCache.capacity - 1) {
            lists.append(try cache.headerList(headers("type/\(index)")))
            urls.append(try cache.url("http://127.0.0.1:1/v1/path\(index)"))
        }
        #expect(cache.count == (urls: CurlRequestCache.capacity, headerLists: CurlRequestCache.capacity))
        #expect(try cache.url("http://127.0.0.1:1/v1/messages") === messages)
        #expect(try cache.headerList(headers("text/event-stream")) === stream)
        #expect(try cache.headerList(headers("application/json")) !== json)
        #expect(try cache.url("http://127.0.0.1:1/v1/models") !== models)
        #expect(try cache.url("http://127.0.0.1:1/v1/messages") === messages)
        #expect(try cache.headerList(headers("type/2")) === lists[2])
        #expect(try cache.url("http://127.0.0.1:1/v1/path2") === urls[2])
        #expect(cache.count == (urls: CurlRequestCache.capacity, headerLists: CurlRequestCache.capacity))
    }
}
