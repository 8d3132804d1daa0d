import ClaudeClient
import Foundation

/// A response-cache hit served as a stream: the stored reply as the event sequence the API
/// streams, already recorded (at $0) before the first event. An actor, so `next` from the
/// caller and `cancel` from another task never race.
actor ReplaySession {
    private let response: RoutedResponse
    private let events: [MessageStreamEvent]
    private var position = 0

    init(_ response: RoutedResponse) {
        self.response = response
        self.events = Self.events(replaying: response.message)
    }

    func next() -> MessageStreamEvent? {
        guard position < events.count else { return nil }
        defer { position += 1 }
        return events[position]
    }

    func result() -> RoutedResponse {
        position = events.count
        return response
    }

    func cancel() {
        position = events.count
    }

    /// `message` as the API streams a reply (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
    /// `message_start` with empty content, then per block `content_block_start` (text empty,
    /// tool input `{}`, thinking empty), its deltas (`text_delta`, each citation as
    /// `citations_delta`, the tool input as one `input_json_delta`, `thinking_delta` and
    /// `signature_delta`) and `content_block_stop`, then `message_delta` with the stop reason
    /// and the stored usage, and `message_stop`. A block kind with no delta form (redacted
    /// thinking, server tool blocks) starts whole. Applied in order, the events rebuild
    /// `message` exactly (``MessageAccumulator``).
    static func events(replaying message: Message) -> [MessageStreamEvent] {
        var shell = message
        shell.content = []
        shell.stopReason = nil
        shell.stopSequence = nil
        shell.usage.outputTokens = 0
        var events: [MessageStreamEvent] = [.messageStart(shell)]
        for (index, block) in message.content.enumerated() {
            switch block {
            case .text(let text):
                var start = text
                start.text = ""
                start.citations = text.citations.map { _ in [] }
                events.append(.contentBlockStart(index: index, block: .text(start)))
                if !text.text.isEmpty { events.append(.contentBlockDelta(index: index, delta: .text(text.text))) }
                for citation in text.citations ?? [] {
                    events.append(.contentBlockDelta(index: index, delta: .citation(citation)))
                }
            case .toolUse(let use):
                var start = use
                start.input = .object([:])
                events.append(.contentBlockStart(index: index, block: .toolUse(start)))
                if let json = try? JSONEncoder().encode(use.input) {
                    events.append(.contentBlockDelta(index: index, delta: .inputJSON(String(decoding: json, as: UTF8.self))))
                } else {
                    events[events.count - 1] = .contentBlockStart(index: index, block: block)
                }
            case .thinking(let thinking):
                events.append(.contentBlockStart(index: index, block: .thinking(ThinkingBlock(thinking: "", signature: ""))))
                if !thinking.thinking.isEmpty {
                    events.append(.contentBlockDelta(index: index, delta: .thinking(thinking.thinking)))
                }
                if !thinking.signature.isEmpty {
                    events.append(.contentBlockDelta(index: index, delta: .signature(thinking.signature)))
                }
            default:
                events.append(.contentBlockStart(index: index, block: block))
            }
            events.append(.contentBlockStop(index: index))
        }
        events.append(.messageDelta(MessageDelta(stopReason: message.stopReason, stopSequence: message.stopSequence),
                                    usage: message.usage))
        events.append(.messageStop)
        return events
    }
}
