import Foundation
import Testing

@testable import ClaudeClient

/// docs/ANTHROPIC-API.md "Streaming": frames split at any byte, LF or CRLF, pings and unknown events.
@Suite("SSE parser")
struct SSEParserTests {
    static func parseAll(_ chunks: [[UInt8]]) -> [ServerSentEvent] {
        var parser = SSEParser()
        var events: [ServerSentEvent] = []
        for chunk in chunks { parser.feed(chunk, into: &events) }
        return events
    }

    static func names(_ events: [ServerSentEvent]) -> [String] { events.map { $0.event ?? "-" } }

    static let expectedNames = [
        "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta",
        "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta",
        "future_event_type", "content_block_delta", "content_block_stop", "message_delta", "ping",
        "message_delta", "message_stop",
    ]

    @Test("a whole stream parses into its events", arguments: [false, true])
    func whole(crlf: Bool) {
        let text = crlf ? Fixtures.crlf(Fixtures.streamText) : Fixtures.streamText
        let events = Self.parseAll([Array(text.utf8)])
        #expect(Self.names(events) == Self.expectedNames)
        #expect(String(decoding: events[4].data, as: UTF8.self).contains("wörld ✓"))
        #expect(events.allSatisfy { $0.data.first == UInt8(ascii: "{") && $0.data.last == UInt8(ascii: "}") })
    }

    @Test("split at every byte boundary gives the same events", arguments: [false, true])
    func everySplit(crlf: Bool) {
        let bytes = Array((crlf ? Fixtures.crlf(Fixtures.streamText) : Fixtures.streamText).utf8)
        let reference = Self.parseAll([bytes])
        #expect(reference.count == Self.expectedNames.count)
        for split in 0...bytes.count {
            let events = Self.parseAll([Array(bytes[..<split]), Array(bytes[split...])])
            #expect(events == reference, "split at byte \(split)")
            if events != reference { break }
        }
        // One byte at a time: every boundary at once.
        #expect(Self.parseAll(bytes.map { [$0] }) == reference)
    }

    @Test("multi-line data joins with LF; comments, id and retry ignored; no-data events dropped")
    func fields() {
        let text = ": hello\nid: 7\nretry: 100\nevent: multi\ndata: line one\ndata:line two\ndata\n\nevent: empty\n\ndata: {\"a\":1}\n\n"
        let events = Self.parseAll([Array(text.utf8)])
        #expect(events.count == 2)
        #expect(events[0].event == "multi")
        #expect(String(decoding: events[0].data, as: UTF8.self) == "line one\nline two\n")
        #expect(events[1].event == nil)  // the "empty" name does not leak into the next event
        #expect(String(decoding: events[1].data, as: UTF8.self) == "{\"a\":1}")
    }

    @Test("bare CR line ends and a CR/LF pair split across chunks count once")
    func carriageReturns() {
        let events = Self.parseAll([Array("event: a\rdata: 1\r".utf8), Array("\n\r\n".utf8), Array("data: 2\r\r".utf8)])
        #expect(events.map { String(decoding: $0.data, as: UTF8.self) } == ["1", "2"])
        #expect(events.map(\.event) == ["a", nil])
    }

    @Test("an incomplete trailing event is not dispatched")
    func incomplete() {
        #expect(Self.parseAll([Array("data: {\"x\":1}\n".utf8)]).isEmpty)
    }

    @Test("large streams compact the buffer and keep every event")
    func manyEvents() {
        var parser = SSEParser()
        var count = 0
        let frame = Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"abc\"}}\n\n".utf8)
        var stream: [UInt8] = []
        for _ in 0..<2000 { stream += frame }
        var offset = 0
        var chunkSize = 1
        while offset < stream.count {
            let end = min(stream.count, offset + chunkSize)
            count += parser.feed(stream[offset..<end]).count
            offset = end
            chunkSize = chunkSize % 977 + 13  // irregular chunk sizes
        }
        #expect(count == 2000)
    }

    @Test("the API's event names are recognised from their bytes; near misses are other events")
    func eventTypes() {
        func recognised(_ name: String) -> StreamEventType? {
            Array(name.utf8).withUnsafeBufferPointer { StreamEventType($0) }
        }
        for type in StreamEventType.allCases {
            #expect(recognised(type.rawValue) == type)
            let events = SSEParser().feedCopy("event: \(type.rawValue)\ndata: {}\n\n")
            #expect(events == [ServerSentEvent(event: type.rawValue, data: Array("{}".utf8))])
        }
        for name in ["message_stop_", "Message_stop", "message_sto", "content_block_deltas", "pin", "errors", ""] {
            #expect(recognised(name) == nil)
        }
        // An unknown name keeps its text; an empty one is no name; the last `event:` line wins.
        #expect(SSEParser().feedCopy("event: future\ndata: 1\n\n") == [ServerSentEvent(event: "future", data: [0x31])])
        #expect(SSEParser().feedCopy("event:\ndata: 1\n\n") == [ServerSentEvent(event: nil, data: [0x31])])
        #expect(SSEParser().feedCopy("event: ping\nevent: future\ndata: 1\n\n").first?.event == "future")
        #expect(SSEParser().feedCopy("event: future\nevent: ping\ndata: 1\n\n").first?.event == "ping")
    }
}

extension SSEParser {
    /// A fresh copy of this parser fed `text` at once.
    fileprivate func feedCopy(_ text: String) -> [ServerSentEvent] {
        var parser = self
        return parser.feed(Array(text.utf8))
    }
}
