import Foundation
import Testing

@testable import ClaudeClient

/// SplitMix64: a small seeded generator so every property run is reproducible (the seed is in
/// the test's arguments).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Properties of the SSE parser over random event streams: however the bytes are split into
/// chunks, and whichever line ending is used, the same events come out.
@Suite("SSE parser properties")
struct SSEPropertyTests {
    static let names = ["message_start", "content_block_delta", "ping", "message_delta", "error", nil]

    static func randomData(_ rng: inout SplitMix64) -> [UInt8] {
        let alphabet = Array("abc {}\":,é✓0123456789".utf8)
        // Never empty: an event whose data is empty is not dispatched (the SSE rules).
        return [UInt8(ascii: "x")] + (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
    }

    @Test("chunking and line endings never change the events", arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func chunkingInvariant(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<50 {
            var expected: [ServerSentEvent] = []
            var wire: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let ending: [UInt8] = [[0x0A], [0x0D, 0x0A], [0x0D]].randomElement(using: &rng)!
                let name = Self.names.randomElement(using: &rng)!
                let data = Self.randomData(&rng)
                if Bool.random(using: &rng) { wire += Array(": comment".utf8) + ending }
                if let name { wire += Array("event: \(name)".utf8) + ending }
                wire += Array("data: ".utf8) + data + ending + ending
                expected.append(ServerSentEvent(event: name, data: data))
            }
            var whole = SSEParser()
            #expect(whole.feed(wire) == expected)
            var chunked = SSEParser()
            var events: [ServerSentEvent] = []
            var start = 0
            while start < wire.count {
                let end = min(wire.count, start + Int.random(in: 1...9, using: &rng))
                chunked.feed(wire[start..<end], into: &events)
                start = end
            }
            #expect(events == expected)
        }
    }
}
