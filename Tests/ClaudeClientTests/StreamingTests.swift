import Foundation
import Testing

@testable import ClaudeClient

@Suite("Message streams and the accumulator")
struct StreamingTests {
    static func chunks(_ text: String, size: Int) -> [Data] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { Data(bytes[$0..<min(bytes.count, $0 + size)]) }
    }

    static let streamRequest = MessageRequest(model: "claude-sonnet-4-5", maxTokens: 64_000, messages: [.user("Weather?")])

    @Test("stream events decode and accumulate into the final message", arguments: [1, 7, 64, 100_000])
    func finalMessage(chunkSize: Int) async throws {
        let test = TestClient([
            .streaming(headers: [("request-id", "req_stream")], chunks: Self.chunks(Fixtures.streamText, size: chunkSize))
        ])
        let stream = try await test.client.streamMessage(Self.streamRequest)
        #expect(stream.requestID == "req_stream")
        #expect(stream.attempts == 1)
        let message = try await stream.finalMessage()
        #expect(message.text == "Hello, wörld ✓")
        #expect(message.stopReason == .toolUse)
        #expect(message.toolUses.first?.input == ["cityName": "Paris", "days": 3])
        #expect(message.toolUses.first?.name == "get_weather")
        // Cumulative usage: the last message_delta (42) wins — not 10 + 42, not 1 + 10 + 42 — and
        // fields it omits keep message_start's values.
        #expect(message.usage.outputTokens == 42)
        #expect(message.usage.inputTokens == 25)
        #expect(message.usage.cacheReadInputTokens == 100)
        #expect(message.usage.cacheCreation == Usage.CacheCreation(ephemeral5mInputTokens: 3, ephemeral1hInputTokens: 4))
        let request = try #require(test.transport.requests.first)
        let sent = try JSONSerialization.jsonObject(with: try #require(request.body)) as? [String: Any]
        #expect(sent?["stream"] as? Bool == true)
        #expect(request.headers.contains { $0.name == "accept" && $0.value == "text/event-stream" })
    }

    @Test("events arrive in order with ping and unknown events surfaced, not failing")
    func eventSequence() async throws {
        let test = TestClient([.streaming(chunks: Self.chunks(Fixtures.crlf(Fixtures.streamText), size: 5))])
        var kinds: [String] = []
        for try await event in try await test.client.streamMessage(Self.streamRequest) {
            switch event {
            case .messageStart: kinds.append("start")
            case .contentBlockStart(let index, _): kinds.append("bstart\(index)")
            case .contentBlockDelta(let index, _): kinds.append("delta\(index)")
            case .contentBlockStop(let index): kinds.append("bstop\(index)")
            case .messageDelta(_, let usage): kinds.append("mdelta\(usage.outputTokens)")
            case .messageStop: kinds.append("stop")
            case .ping: kinds.append("ping")
            case .unknown(let name): kinds.append("?\(name)")
            }
        }
        #expect(kinds == [
            "start", "ping", "bstart0", "delta0", "delta0", "bstop0", "bstart1", "delta1", "delta1",
            "?future_event_type", "delta1", "bstop1", "mdelta10", "ping", "mdelta42", "stop",
        ])
    }

    static let erroredStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_e","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"partial"}}

        event: error
        data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"never seen"}}


        """

    @Test("an error event after HTTP 200 is thrown after the events before it, and not retried", arguments: [1, 3, 4096])
    func midStreamError(chunkSize: Int) async throws {
        let ok = ScriptedReply.streaming(headers: [("request-id", "req_mid")], chunks: Self.chunks(Self.erroredStream, size: chunkSize))
        let test = TestClient([ok, ok])
        let stream = try await test.client.streamMessage(Self.streamRequest)
        var accumulator = MessageAccumulator()
        var delivered = 0
        let error = try await #require(throws: ClaudeError.self) {
            for try await event in stream {
                delivered += 1
                try accumulator.apply(event)
            }
        }
        #expect(delivered == 3)
        #expect(error == .overloaded)
        #expect(error.apiErrorType == "overloaded_error")
        #expect(error.message == "Overloaded")
        #expect(error.requestID == "req_mid")
        #expect(accumulator.message?.text == "partial")
        #expect(accumulator.usage.inputTokens == 9)
        #expect(!accumulator.isComplete)
        #expect(test.transport.requests.count == 1)
    }

    /// Events are decoded as the parser completes them, a whole chunk at a time: a malformed
    /// event must still end the stream only after the events before it, and nothing after it
    /// may surface, whatever the chunking.
    @Test("a malformed event mid-stream is a decoding error after the events before it; later ones never surface",
          arguments: [1, 3, 4096])
    func midStreamMalformed(chunkSize: Int) async throws {
        let text = Self.erroredStream.replacingOccurrences(
            of: #"data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            with: #"data: {"type":"content_block_stop","index":"#)
            .replacingOccurrences(of: "event: error", with: "event: content_block_stop")
        let test = TestClient([.streaming(headers: [("request-id", "req_bad")], chunks: Self.chunks(text, size: chunkSize))])
        let stream = try await test.client.streamMessage(Self.streamRequest)
        var kinds: [String] = []
        let error = try await #require(throws: ClaudeError.self) {
            for try await event in stream {
                switch event {
                case .messageStart: kinds.append("start")
                case .contentBlockStart: kinds.append("bstart")
                case .contentBlockDelta(_, .text(let text)): kinds.append("delta:\(text)")
                default: kinds.append("other")
                }
            }
        }
        #expect(kinds == ["start", "bstart", "delta:partial"])
        #expect(error.code == .decoding)
        #expect(error.message.contains("malformed SSE event 'content_block_stop'"))
        #expect(error.requestID == "req_bad")
        #expect(test.transport.requests.count == 1)
    }

    /// The first event is read ahead before `streamMessage` returns: a malformed one there fails
    /// the call itself, and the valid events that follow it in the same chunk never surface.
    @Test("a malformed first event fails streamMessage as a decoding error, not retried", arguments: [3, 4096])
    func malformedFirstEvent(chunkSize: Int) async throws {
        let start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
        let text = Self.erroredStream.replacingOccurrences(
            of: start, with: "event: message_start\ndata: {\"type\":\"message_start\",\"message\"\n\n" + start)
        let reply = ScriptedReply.streaming(headers: [("request-id", "req_first")], chunks: Self.chunks(text, size: chunkSize))
        let test = TestClient([reply, reply])
        let error = try await #require(throws: ClaudeError.self) {
            _ = try await test.client.streamMessage(Self.streamRequest)
        }
        #expect(error.code == .decoding)
        #expect(error.message.contains("malformed SSE event 'message_start'"))
        #expect(error.requestID == "req_first")
        #expect(test.transport.requests.count == 1)
    }

    @Test("a body that breaks before the first event is retried; after it, it is streamInterrupted")
    func retryOnlyBeforeFirstEvent() async throws {
        let broken = TransportError(kind: .interrupted, detail: "connection reset")
        let firstEventBytes = Array(Self.erroredStream.utf8).prefix(60)  // less than one frame
        let test = TestClient([
            .streaming(chunks: [Data(firstEventBytes)], endsWith: broken),
            .streaming(chunks: Self.chunks(Fixtures.streamText, size: 50)),
        ])
        let stream = try await test.client.streamMessage(Self.streamRequest)
        #expect(stream.attempts == 2)
        #expect(test.sleeps.recorded.count == 1)
        #expect(try await stream.finalMessage().text == "Hello, wörld ✓")

        let frames = Fixtures.streamText.components(separatedBy: "\n\n")
        let midway = frames.prefix(5).joined(separator: "\n\n") + "\n\n"
        let later = TestClient([
            .streaming(chunks: [Data(midway.utf8)], endsWith: broken),
            .streaming(chunks: Self.chunks(Fixtures.streamText, size: 50)),
        ])
        let cut = try await later.client.streamMessage(Self.streamRequest)
        await #expect(throws: ClaudeError.streamInterrupted) { _ = try await cut.finalMessage() }
        #expect(later.transport.requests.count == 1)
    }

    @Test("an HTTP error status before the stream is retried like any call")
    func statusBeforeStream() async throws {
        let test = TestClient([
            .json(529, Fixtures.errorBody("overloaded_error", "busy")),
            .streaming(chunks: Self.chunks(Fixtures.streamText, size: 100)),
        ])
        let stream = try await test.client.streamMessage(Self.streamRequest)
        #expect(stream.attempts == 2)
        #expect(try await stream.finalMessage().stopReason == .toolUse)
    }

    @Test("a body ending before message_stop is an error, not a silent success")
    func truncated() async throws {
        let text = Fixtures.streamText.components(separatedBy: "event: message_stop")[0]
        let test = TestClient([.streaming(chunks: [Data(text.utf8)])])
        let stream = try await test.client.streamMessage(Self.streamRequest)
        await #expect(throws: ClaudeError.streamInterrupted) { _ = try await stream.finalMessage() }
    }

    @Test("accumulator: thinking, signature and citation deltas; out-of-order events throw")
    func accumulatorDeltas() throws {
        var accumulator = MessageAccumulator()
        #expect(throws: ClaudeError.decoding) { try accumulator.apply(.contentBlockStop(index: 0)) }
        try accumulator.apply(.messageStart(Message(id: "m", model: "x", content: [], usage: Usage(inputTokens: 5, outputTokens: 1))))
        try accumulator.apply(.contentBlockStart(index: 0, block: .thinking(ThinkingBlock(thinking: ""))))
        try accumulator.apply(.contentBlockDelta(index: 0, delta: .thinking("Let me ")))
        try accumulator.apply(.contentBlockDelta(index: 0, delta: .thinking("think.")))
        try accumulator.apply(.contentBlockDelta(index: 0, delta: .signature("sig==")))
        try accumulator.apply(.contentBlockStop(index: 0))
        try accumulator.apply(.contentBlockStart(index: 1, block: .text("")))
        try accumulator.apply(.contentBlockDelta(index: 1, delta: .text("Cited.")))
        try accumulator.apply(.contentBlockDelta(index: 1, delta: .citation(["type": "char_location", "cited_text": "x"])))
        #expect(throws: ClaudeError.decoding) { try accumulator.apply(.contentBlockStart(index: 5, block: .text(""))) }
        #expect(throws: ClaudeError.decoding) { try accumulator.apply(.contentBlockDelta(index: 1, delta: .thinking("no"))) }
        try accumulator.apply(.messageDelta(MessageDelta(stopReason: .endTurn), usage: Usage(inputTokens: 5, outputTokens: 20)))
        try accumulator.apply(.messageDelta(MessageDelta(), usage: Usage(inputTokens: 5, outputTokens: 30)))
        try accumulator.apply(.messageStop)
        let message = try #require(accumulator.message)
        #expect(message.content[0] == .thinking(ThinkingBlock(thinking: "Let me think.", signature: "sig==")))
        guard case .text(let text) = message.content[1] else { Issue.record("not text"); return }
        #expect(text.citations == [["type": "char_location", "cited_text": "x"]])
        #expect(accumulator.usage.outputTokens == 30)
        #expect(message.usage.outputTokens == 30)
        #expect(message.stopReason == .endTurn)  // an empty later delta does not erase it
    }

    @Test("accumulator: invalid tool input JSON at block stop throws decoding")
    func invalidToolJSON() throws {
        var accumulator = MessageAccumulator()
        try accumulator.apply(.messageStart(Message(id: "m", model: "x", content: [])))
        try accumulator.apply(.contentBlockStart(index: 0, block: .toolUse(ToolUseBlock(id: "t", name: "f", input: [:]))))
        try accumulator.apply(.contentBlockDelta(index: 0, delta: .inputJSON("{\"a\": ")))
        #expect(throws: ClaudeError.decoding) { try accumulator.apply(.contentBlockStop(index: 0)) }
    }
}
