import Foundation
import Testing

@testable import ClaudeClient

/// Values from the network are cleaned before they are stored or printed, and usage that the
/// reply does not carry is marked unreported rather than zero.
@Suite("Reply hardening")
struct ReplyHardeningTests {
    @Test("a header value loses the key, control characters and excess length")
    func headerValue() {
        let key = "sk-ant-api03-SECRET-123"
        #expect(Redaction.headerValue("req_1 \(key)", secrets: [key]) == "req_1 [REDACTED]")
        #expect(Redaction.headerValue("req\u{1B}[2J_2\r\n\u{85}", secrets: []) == "req[2J_2")
        #expect(Redaction.headerValue(String(repeating: "a", count: 1_000), secrets: [])?.count == 256)
        #expect(Redaction.headerValue("\u{7}", secrets: []) == nil)
        #expect(Redaction.headerValue(nil, secrets: []) == nil)
    }

    @Test("a Message without usage decodes with isReported false; with usage, true")
    func usageReported() throws {
        let without = #"{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":"end_turn"}"#
        let with = #"{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{"input_tokens":3,"output_tokens":4}}"#
        #expect(try JSONDecoder().decode(Message.self, from: Data(without.utf8)).usage.isReported == false)
        #expect(try JSONDecoder().decode(Message.self, from: Data(with.utf8)).usage.isReported == true)
    }

    @Test("a replayed JSON reply accumulates to the same message and usage")
    func replay() async throws {
        let json = #"{"id":"m","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"hello there"},{"type":"tool_use","id":"t","name":"f","input":{"a":1}}],"stop_reason":"tool_use","usage":{"input_tokens":12,"output_tokens":9}}"#
        let message = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
        var state = StreamState(replaying: message, requestID: "r", attempts: 1, secrets: [])
        let body = HTTPBodyStream(nextChunk: { nil }, cancel: {})
        var accumulator = MessageAccumulator()
        while let event = try await state.next(from: body) { try accumulator.apply(event) }
        #expect(accumulator.isComplete)
        #expect(accumulator.message == message)
        #expect(accumulator.usage.inputTokens == 12 && accumulator.usage.outputTokens == 9)
    }
}
