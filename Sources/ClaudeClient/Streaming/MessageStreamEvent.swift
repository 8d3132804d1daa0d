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
    /// Members of the event's `delta` this type does not model (e.g. the code-execution
    /// `container`), kept raw by name. Empty when there are none.
    public var additionalFields: [String: JSONValue] = [:]
    /// Members of the `message_delta` event itself besides `type`, `delta` and `usage` (e.g.
    /// `context_management`), kept raw by name. Empty when there are none.
    public var eventFields: [String: JSONValue] = [:]

    /// Creates a delta (only the stream decoder and tests create one: an app cannot build a
    /// `MessageStream`).
    package init(stopReason: StopReason? = nil, stopSequence: String? = nil) {
        self.stopReason = stopReason
        self.stopSequence = stopSequence
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }

    /// Decodes `stop_reason`, `stop_sequence` and keeps the other members raw.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stopReason = try container.decodeIfPresent(StopReason.self, forKey: .stopReason)
        stopSequence = try container.decodeIfPresent(String.self, forKey: .stopSequence)
        additionalFields = try JSONValue.members(of: decoder, except: CodingKeys.self)
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
        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, delta, usage
        }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            delta = try container.decode(MessageDelta.self, forKey: .delta)
            usage = try container.decodeIfPresent(FastJSON.PartialUsage.self, forKey: .usage)
            delta.eventFields = try JSONValue.members(of: decoder, except: CodingKeys.self)
        }
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
        let type = event.event.flatMap { StreamEventType(rawValue: $0) }
        let name = type == nil ? event.event : nil
        return try event.data.withUnsafeBufferPointer { data throws(ClaudeError) in
            try decode(type: type, name: name, data: data, requestID: requestID, attempts: attempts)
        }
    }

    /// Decodes one SSE event as ``SSEParser`` delivers it: `type` when the `event:` line named
    /// a Messages API event, else `name` (`nil` without an `event:` line or after an empty one:
    /// the data's `type` member names it). Throws as ``decode(_:requestID:attempts:)``.
    mutating func decode(
        type: StreamEventType?, name: String?, data: UnsafeBufferPointer<UInt8>, requestID: String?, attempts: Int
    ) throws(ClaudeError) -> MessageStreamEvent {
        var type = type
        var name = name
        if type == nil, name == nil, let named = Self.dataType(data) {
            type = StreamEventType(rawValue: named)
            name = type == nil ? named : nil
        }
        guard let type else { return .unknown(name: name ?? "") }
        switch type {
        case .messageStop: return .messageStop
        case .ping: return .ping
        case .contentBlockDelta:
            if let delta = TextDeltaFastPath.decode(data) {
                return .contentBlockDelta(index: delta.index, delta: .text(delta.text))
            }
        default: break
        }
        if let fast = decodeFast(type: type, data: data) { return fast }
        return try decodeWithFoundation(type: type, data: data, requestID: requestID, attempts: attempts)
    }

    /// The `Decodable` path for one named event, as the tests' reference for the fast paths
    /// (an unknown name is `.unknown`). Throws as ``decode(_:requestID:attempts:)``.
    mutating func decodeWithFoundation(_ event: ServerSentEvent, name: String, requestID: String?, attempts: Int)
        throws(ClaudeError) -> MessageStreamEvent
    {
        guard let type = StreamEventType(rawValue: name) else { return .unknown(name: name) }
        return try event.data.withUnsafeBufferPointer { data throws(ClaudeError) in
            try decodeWithFoundation(type: type, data: data, requestID: requestID, attempts: attempts)
        }
    }

    /// The `Decodable` path: every event the fast paths decline, and `error` events (thrown as
    /// their typed `ClaudeError`); malformed JSON throws `decoding`.
    private mutating func decodeWithFoundation(
        type: StreamEventType, data: UnsafeBufferPointer<UInt8>, requestID: String?, attempts: Int
    ) throws(ClaudeError) -> MessageStreamEvent {
        // Payload-free events: no decoder.
        switch type {
        case .messageStop: return .messageStop
        case .ping: return .ping
        default: break
        }
        let json = Data(buffer: data)
        let decoder = JSONDecoder()
        do {
            switch type {
            case .messageStart:
                let message = try decoder.decode(Start.self, from: json).message
                usage = message.usage
                return .messageStart(message)
            case .contentBlockStart:
                let start = try decoder.decode(BlockStart.self, from: json)
                return .contentBlockStart(index: start.index, block: start.block)
            case .contentBlockDelta:
                let delta = try decoder.decode(BlockDelta.self, from: json)
                return .contentBlockDelta(index: delta.index, delta: delta.delta)
            case .contentBlockStop:
                return .contentBlockStop(index: try decoder.decode(BlockStop.self, from: json).index)
            case .messageDelta:
                let delta = try decoder.decode(Delta.self, from: json)
                if let partial = delta.usage { usage = partial.applied(to: usage) }
                return .messageDelta(delta.delta, usage: usage)
            case .messageStop:
                return .messageStop
            case .ping:
                return .ping
            case .error:
                let body = try decoder.decode(ErrorEvent.self, from: json)
                throw ClaudeError(
                    code: ClaudeError.code(status: nil, apiErrorType: body.error.type),
                    message: body.error.message, apiErrorType: body.error.type,
                    requestID: body.requestID ?? requestID, attempts: attempts)
            }
        } catch let error as ClaudeError {
            throw error
        } catch {
            throw ClaudeError(
                code: .decoding, message: "malformed SSE event '\(type.rawValue)': \(Self.describe(error))",
                requestID: requestID, attempts: attempts)
        }
    }

    /// The JSONDecoder-free path for the events of a reply (``FastJSON``); `nil` for an event it
    /// does not handle exactly like the `Decodable` path below (which then decodes it), and for
    /// `error` events (rare; their message handling stays in one place).
    private mutating func decodeFast(type: StreamEventType, data: UnsafeBufferPointer<UInt8>) -> MessageStreamEvent? {
        switch type {
        case .messageStart, .contentBlockStart, .contentBlockDelta, .contentBlockStop, .messageDelta:
            break
        case .messageStop, .ping, .error:
            return nil
        }
        guard case .object(let members)? = FastJSON.parse(UnsafeRawBufferPointer(data)) else { return nil }
        func index() -> Int? {
            guard case .int(let value)? = FastJSON.member("index", in: members) else { return nil }
            return Int(exactly: value)
        }
        switch type {
        case .messageStart:
            guard case .object(let fields)? = FastJSON.member("message", in: members),
                let message = FastJSON.message(fields)
            else { return nil }
            usage = message.usage
            return .messageStart(message)
        case .contentBlockStart:
            guard let index = index(), case .object(let fields)? = FastJSON.member("content_block", in: members),
                let block = FastJSON.contentBlock(fields)
            else { return nil }
            return .contentBlockStart(index: index, block: block)
        case .contentBlockDelta:
            guard let index = index(), case .object(let fields)? = FastJSON.member("delta", in: members),
                let delta = FastJSON.contentDelta(fields)
            else { return nil }
            return .contentBlockDelta(index: index, delta: delta)
        case .contentBlockStop:
            return index().map { .contentBlockStop(index: $0) }
        default:
            guard case .object(let fields)? = FastJSON.member("delta", in: members) else { return nil }
            var stopReason: String?
            var stopSequence: String?
            var additional: [String: JSONValue] = [:]
            for field in fields {
                switch field.key {
                case "stop_reason":
                    guard let value = FastJSON.optionalString(field.value) else { return nil }
                    stopReason = value
                case "stop_sequence":
                    guard let value = FastJSON.optionalString(field.value) else { return nil }
                    stopSequence = value
                default:
                    guard let value = FastJSON.jsonValue(field.value) else { return nil }
                    additional[field.key] = value
                }
            }
            var eventFields: [String: JSONValue] = [:]
            for member in members where member.key != "type" && member.key != "delta" && member.key != "usage" {
                guard let value = FastJSON.jsonValue(member.value) else { return nil }
                eventFields[member.key] = value
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
            var delta = MessageDelta(stopReason: stopReason.map(StopReason.init(rawValue:)), stopSequence: stopSequence)
            delta.additionalFields = additional
            delta.eventFields = eventFields
            return .messageDelta(delta, usage: usage)
        }
    }

    /// The `type` member of an event without an `event:` line.
    private static func dataType(_ data: UnsafeBufferPointer<UInt8>) -> String? {
        if case .object(let members)? = FastJSON.parse(UnsafeRawBufferPointer(data)),
            case .string(let type)? = FastJSON.member("type", in: members)
        {
            return type
        }
        struct Typed: Decodable { var type: String }
        return try? JSONDecoder().decode(Typed.self, from: Data(buffer: data)).type
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
