import Foundation
import PropertyBased
import Testing

@testable import ClaudeClient

/// Properties of the SSE parser over random event streams (swift-property-based: a failure
/// prints the shrunk input and a `.fixedSeed(…)` trait that reproduces it): however the bytes
/// are split into chunks, and whichever line ending is used, the same events come out.
@Suite("SSE parser properties")
struct SSEPropertyTests {
    static let names: [String?] = ["message_start", "content_block_delta", "ping", "message_delta", "error", nil]
    static let endings: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x0D]]
    static let alphabet = Array("abc {}\":,é✓0123456789".utf8)

    /// One event as written on the wire: its name, line ending, an optional comment line before
    /// it, and its data.
    struct WireEvent: Sendable, CustomStringConvertible {
        var name: String?
        var ending: [UInt8]
        var comment: Bool
        var data: [UInt8]
        var description: String {
            "(\(name ?? "-"), \(ending), comment: \(comment), \(String(decoding: data, as: UTF8.self).debugDescription))"
        }
    }

    static let event = zip(
        Gen.int(in: 0..<names.count),
        Gen.int(in: 0..<endings.count),
        Gen.bool,
        // Never empty: an event whose data is empty is not dispatched (the SSE rules).
        Gen.int(in: 0..<alphabet.count).array(of: 0...40)
    ).map { parts in
        WireEvent(name: names[parts.0], ending: endings[parts.1], comment: parts.2,
                  data: [UInt8(ascii: "x")] + parts.3.map { alphabet[$0] })
    }

    @Test("chunking and line endings never change the events")
    func chunkingInvariant() async {
        // Chunk sizes are used in turn until the wire is consumed.
        await propertyCheck(count: 400, input: Self.event.array(of: 1...12), Gen.int(in: 1...9).array(of: 1...64)) { events, sizes in
            var expected: [ServerSentEvent] = []
            var wire: [UInt8] = []
            for event in events {
                if event.comment { wire += Array(": comment".utf8) + event.ending }
                if let name = event.name { wire += Array("event: \(name)".utf8) + event.ending }
                wire += Array("data: ".utf8) + event.data + event.ending + event.ending
                expected.append(ServerSentEvent(event: event.name, data: event.data))
            }
            var whole = SSEParser()
            #expect(whole.feed(wire) == expected)
            var chunked = SSEParser()
            var parsed: [ServerSentEvent] = []
            var start = 0
            var next = 0
            while start < wire.count {
                let end = min(wire.count, start + sizes[next % sizes.count])
                chunked.feed(wire[start..<end], into: &parsed)
                start = end
                next += 1
            }
            #expect(parsed == expected)
        }
    }
}
