import Foundation

/// One event of a streamed reply (docs/ANTHROPIC-API.md "Streaming").
public enum MessageStreamEvent: Sendable, Hashable {
    /// The message shell: empty content, initial usage.
    case messageStart(Message)
    /// A block begins at `index` (text empty, tool input `{}`).
    case contentBlockStart(index: Int, block: ContentBlock)
    /// A piece of the block at `index`.
    case contentBlockDelta(index: Int, delta: ContentDelta)
    /// The block at `index` is complete.
    case contentBlockStop(index: Int)
    /// Stop reason and the CUMULATIVE usage so far (fields absent from the event keep their
    /// previous values; never sum two of these).
    case messageDelta(MessageDelta, usage: Usage)
    /// The reply is complete.
    case messageStop
    /// Keep-alive; ignore.
    case ping
    /// An event type this client does not know (ignored by the accumulator).
    case unknown(name: String)
}

/// A piece of a content block.
public enum ContentDelta: Sendable, Hashable {
    /// `text_delta`: text to append.
    case text(String)
    /// `input_json_delta`: partial JSON of a tool input, to concatenate.
    case inputJSON(String)
    /// `thinking_delta`: reasoning text to append.
    case thinking(String)
    /// `signature_delta`: the thinking block's signature.
    case signature(String)
    /// `citations_delta`: one citation for the current text block.
    case citation(JSONValue)
    /// A newer delta type, kept raw.
    case unknown(type: String, raw: JSONValue)
}

/// The top-level changes of a `message_delta` event.
public struct MessageDelta: Sendable, Hashable, Codable {
    /// Why generation stopped.
    public var stopReason: StopReason?
    /// The stop sequence hit, if any.
    public var stopSequence: String?

    /// Creates a delta (only the stream decoder and tests create one: an app cannot build a
    /// `MessageStream`).
    package init(stopReason: StopReason? = nil, stopSequence: String? = nil) {
        self.stopReason = stopReason
        self.stopSequence = stopSequence
    }

    enum CodingKeys: String, CodingKey {
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }
}

extension ContentDelta: Decodable {
    private enum CodingKeys: String, CodingKey {
        case type, text, thinking, signature, citation
        case partialJSON = "partial_json"
    }

    /// Decodes by the delta's `type`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text_delta": self = .text(try container.decode(String.self, forKey: .text))
        case "input_json_delta": self = .inputJSON(try container.decode(String.self, forKey: .partialJSON))
        case "thinking_delta": self = .thinking(try container.decode(String.self, forKey: .thinking))
        case "signature_delta": self = .signature(try container.decode(String.self, forKey: .signature))
        case "citations_delta": self = .citation(try container.decode(JSONValue.self, forKey: .citation))
        default: self = .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }
}

/// Turns raw SSE events into `MessageStreamEvent`s, carrying the cumulative usage.
struct MessageStreamEventDecoder: Sendable {
    /// Usage as of the last `message_start`/`message_delta`.
    private(set) var usage = Usage()

    private struct Start: Decodable { var message: Message }
    private struct BlockStart: Decodable {
        var index: Int
        var block: ContentBlock
        enum CodingKeys: String, CodingKey {
            case index
            case block = "content_block"
        }
    }
    private struct BlockDelta: Decodable {
        var index: Int
        var delta: ContentDelta
    }
    private struct BlockStop: Decodable { var index: Int }
    private struct Delta: Decodable {
        var delta: MessageDelta
        var usage: FastJSON.PartialUsage?
    }
    private struct ErrorEvent: Decodable {
        var error: APIErrorDetail
        var requestID: String?
        enum CodingKeys: String, CodingKey {
            case error
            case requestID = "request_id"
        }
    }
    /// Decodes one SSE event. An `error` event throws its typed `ClaudeError`; malformed JSON
    /// in a known event throws `decoding`.
    mutating func decode(_ event: ServerSentEvent, requestID: String?, attempts: Int) throws(ClaudeError)
        -> MessageStreamEvent
    {
        let name = event.event ?? Self.dataType(event.data) ?? ""
        if name == "content_block_delta", let delta = TextDeltaFastPath.decode(event.data) {
            return .contentBlockDelta(index: delta.index, delta: .text(delta.text))
        }
        if let fast = decodeFast(name: name, data: event.data) { return fast }
        return try decodeWithFoundation(event, name: name, requestID: requestID, attempts: attempts)
    }

    /// The `Decodable` path: every event the fast paths decline, `error` events, and the
    /// reference the fast paths are tested against.
    mutating func decodeWithFoundation(_ event: ServerSentEvent, name: String, requestID: String?, attempts: Int)
        throws(ClaudeError) -> MessageStreamEvent
    {
        // Payload-free events: no decoder (the cases below return them without reading JSON too).
        switch name {
        case "message_stop": return .messageStop
        case "ping": return .ping
        default: break
        }
        let json = Data(event.data)
        let decoder = JSONDecoder()
        do {
            switch name {
            case "message_start":
                let message = try decoder.decode(Start.self, from: json).message
                usage = message.usage
                return .messageStart(message)
            case "content_block_start":
                let start = try decoder.decode(BlockStart.self, from: json)
                return .contentBlockStart(index: start.index, block: start.block)
            case "content_block_delta":
                let delta = try decoder.decode(BlockDelta.self, from: json)
                return .contentBlockDelta(index: delta.index, delta: delta.delta)
            case "content_block_stop":
                return .contentBlockStop(index: try decoder.decode(BlockStop.self, from: json).index)
            case "message_delta":
                let delta = try decoder.decode(Delta.self, from: json)
                if let partial = delta.usage { usage = partial.applied(to: usage) }
                return .messageDelta(delta.delta, usage: usage)
            case "message_stop":
                return .messageStop
            case "ping":
                return .ping
            case "error":
                let body = try decoder.decode(ErrorEvent.self, from: json)
                throw ClaudeError(
                    code: ClaudeError.code(status: nil, apiErrorType: body.error.type),
                    message: body.error.message, apiErrorType: body.error.type,
                    requestID: body.requestID ?? requestID, attempts: attempts)
            default:
                return .unknown(name: name)
            }
        } catch let error as ClaudeError {
            throw error
        } catch {
            throw ClaudeError(
                code: .decoding, message: "malformed SSE event '\(name)': \(Self.describe(error))",
                requestID: requestID, attempts: attempts)
        }
    }

    /// The JSONDecoder-free path for the events of a reply (``FastJSON``); `nil` for an event it
    /// does not handle exactly like the `Decodable` path below (which then decodes it), and for
    /// `error` events (rare; their message handling stays in one place).
    private mutating func decodeFast(name: String, data: [UInt8]) -> MessageStreamEvent? {
        switch name {
        case "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta":
            break
        default:
            return nil
        }
        guard case .object(let members)? = FastJSON.parse(data) else { return nil }
        func index() -> Int? {
            guard case .int(let value)? = FastJSON.member("index", in: members) else { return nil }
            return Int(exactly: value)
        }
        switch name {
        case "message_start":
            guard case .object(let fields)? = FastJSON.member("message", in: members),
                let message = FastJSON.message(fields)
            else { return nil }
            usage = message.usage
            return .messageStart(message)
        case "content_block_start":
            guard let index = index(), case .object(let fields)? = FastJSON.member("content_block", in: members),
                let block = FastJSON.contentBlock(fields)
            else { return nil }
            return .contentBlockStart(index: index, block: block)
        case "content_block_delta":
            guard let index = index(), case .object(let fields)? = FastJSON.member("delta", in: members),
                let delta = FastJSON.contentDelta(fields)
            else { return nil }
            return .contentBlockDelta(index: index, delta: delta)
        case "content_block_stop":
            return index().map { .contentBlockStop(index: $0) }
        default:
            guard case .object(let fields)? = FastJSON.member("delta", in: members) else { return nil }
            var stopReason: String?
            var stopSequence: String?
            for field in fields {
                switch field.key {
                case "stop_reason":
                    guard let value = FastJSON.optionalString(field.value) else { return nil }
                    stopReason = value
                case "stop_sequence":
                    guard let value = FastJSON.optionalString(field.value) else { return nil }
                    stopSequence = value
                default: continue
                }
            }
            var partial: FastJSON.PartialUsage?
            switch FastJSON.member("usage", in: members) {
            case nil, .null?: partial = nil
            case .object(let fields)?:
                guard let value = FastJSON.partialUsage(fields) else { return nil }
                partial = value
            default: return nil
            }
            if let partial { usage = partial.applied(to: usage) }
            return .messageDelta(
                MessageDelta(stopReason: stopReason.map(StopReason.init(rawValue:)), stopSequence: stopSequence),
                usage: usage)
        }
    }

    /// The `type` member of an event without an `event:` line.
    private static func dataType(_ data: [UInt8]) -> String? {
        if case .object(let members)? = FastJSON.parse(data), case .string(let type)? = FastJSON.member("type", in: members) {
            return type
        }
        struct Typed: Decodable { var type: String }
        return try? JSONDecoder().decode(Typed.self, from: Data(data)).type
    }

    /// A decoding error's path and reason, without echoing the payload (it may hold prompt text).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at '\(path(context))'"
        case .typeMismatch(_, let context): return "wrong type at '\(path(context))'"
        case .valueNotFound(_, let context): return "null at '\(path(context))'"
        case .dataCorrupted(let context): return "invalid JSON at '\(path(context))'"
        @unknown default: return "invalid JSON"
        }
    }
}
