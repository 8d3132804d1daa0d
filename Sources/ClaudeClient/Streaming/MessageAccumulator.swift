import Foundation

/// Builds a `Message` from stream events, so a caller (the ModelRouter) knows what a stream produced
/// and consumed even when it was cut off.
///
/// Tool-use input is assembled from `input_json_delta` pieces and parsed at `content_block_stop`;
/// usage is cumulative — the last `message_delta` wins, never a sum (docs/ANTHROPIC-API.md "Streaming").
public struct MessageAccumulator: Sendable {
    /// The message so far (`nil` before `message_start`). Tool inputs still streaming keep
    /// their start value (usually `{}`) until their block stops.
    public private(set) var message: Message?
    /// Usage so far: `message_start`'s, replaced by each `message_delta`'s cumulative usage.
    public private(set) var usage = Usage()
    /// Whether `message_stop` arrived.
    public private(set) var isComplete = false
    /// Partial tool-input JSON per block index.
    private var partialJSON: [Int: String] = [:]

    /// Creates an empty accumulator.
    public init() {}

    /// Applies one event. Throws `decoding` for events out of order or a tool input that is not
    /// valid JSON when its block stops.
    public mutating func apply(_ event: MessageStreamEvent) throws(ClaudeError) {
        switch event {
        case .messageStart(let start):
            message = start
            usage = start.usage
        case .contentBlockStart(let index, let block):
            var current = try started("content_block_start")
            guard index == current.content.count else {
                throw Self.outOfOrder("content_block_start for index \(index), expected \(current.content.count)")
            }
            current.content.append(block)
            message = current
        case .contentBlockDelta(let index, let delta):
            var current = try started("content_block_delta")
            guard current.content.indices.contains(index) else {
                throw Self.outOfOrder("content_block_delta for unknown index \(index)")
            }
            try apply(delta, to: &current.content[index], index: index)
            message = current
        case .contentBlockStop(let index):
            var current = try started("content_block_stop")
            guard current.content.indices.contains(index) else {
                throw Self.outOfOrder("content_block_stop for unknown index \(index)")
            }
            if let json = partialJSON.removeValue(forKey: index), case .toolUse(var block) = current.content[index] {
                block.input = try Self.parseToolInput(json, index: index)
                current.content[index] = .toolUse(block)
            }
            message = current
        case .messageDelta(let delta, let cumulative):
            var current = try started("message_delta")
            current.stopReason = delta.stopReason ?? current.stopReason
            current.stopSequence = delta.stopSequence ?? current.stopSequence
            // Members the delta carries beyond the stop fields (`container`) and the event's own
            // (`context_management`) are the final message's, as a non-streamed reply has them.
            current.additionalFields.merge(delta.additionalFields) { _, new in new }
            current.additionalFields.merge(delta.eventFields) { _, new in new }
            current.usage = cumulative
            usage = cumulative
            message = current
        case .messageStop:
            _ = try started("message_stop")
            isComplete = true
        case .ping, .unknown:
            break
        }
    }

    private func started(_ event: String) throws(ClaudeError) -> Message {
        guard let message else { throw Self.outOfOrder("\(event) before message_start") }
        return message
    }

    private mutating func apply(_ delta: ContentDelta, to block: inout ContentBlock, index: Int) throws(ClaudeError) {
        switch (delta, block) {
        case (.text(let text), .text(var textBlock)):
            textBlock.text += text
            block = .text(textBlock)
        case (.citation(let citation), .text(var textBlock)):
            textBlock.citations = (textBlock.citations ?? []) + [citation]
            block = .text(textBlock)
        case (.inputJSON(let piece), .toolUse):
            partialJSON[index, default: ""] += piece
        case (.thinking(let text), .thinking(var thinking)):
            thinking.thinking += text
            block = .thinking(thinking)
        case (.signature(let signature), .thinking(var thinking)):
            thinking.signature = signature
            block = .thinking(thinking)
        case (.unknown, _), (_, .unknown):
            break  // newer delta or block kinds: keep what we have
        default:
            throw Self.outOfOrder("delta does not fit the \(block.type) block at index \(index)")
        }
    }

    static func parseToolInput(_ json: String, index: Int) throws(ClaudeError) -> JSONValue {
        if json.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .object([:]) }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        } catch {
            throw ClaudeError(code: .decoding, message: "tool_use input at block \(index) is not valid JSON")
        }
    }

    private static func outOfOrder(_ what: String) -> ClaudeError {
        ClaudeError(code: .decoding, message: "stream events out of order: \(what)")
    }
}
