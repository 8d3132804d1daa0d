import ClaudeClient
import Foundation

/// The Messages API's JSON and SSE shapes for replies the router hands back
/// (https://docs.anthropic.com/en/api/messages, https://docs.anthropic.com/en/docs/build-with-claude/streaming).
///
/// The router works on decoded values, so the gateway writes them back in the API's form:
/// `stop_reason`/`stop_sequence` are always present (`null` when unset), as the API sends them.
/// Content blocks of types this client does not model are kept raw and written back unchanged, and
/// so are the members the client types do not model (``Message/additionalFields``,
/// ``MessageDelta/additionalFields`` and ``MessageDelta/eventFields``: e.g. the code-execution
/// `container` and `context_management`).
enum WireEncoding {
    /// A reply as the API's JSON object.
    struct WireMessage: Encodable {
        var message: Message

        private enum Keys: String, CodingKey {
            case id, type, role, model, content, usage
            case stopReason = "stop_reason"
            case stopSequence = "stop_sequence"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(message.id, forKey: .id)
            try container.encode(message.type, forKey: .type)
            try container.encode(message.role, forKey: .role)
            try container.encode(message.model, forKey: .model)
            try container.encode(message.content, forKey: .content)
            // Optional encodes as `null`: the API always sends both keys.
            try container.encode(message.stopReason?.rawValue, forKey: .stopReason)
            try container.encode(message.stopSequence, forKey: .stopSequence)
            try container.encode(message.usage, forKey: .usage)
            try WireEncoding.encodeAdditional(message.additionalFields, to: encoder)
        }
    }

    /// A member name for the fields the client types keep raw.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Writes `fields` (sorted by name, for stable bytes) beside the members already encoded.
    static func encodeAdditional(_ fields: [String: JSONValue], to encoder: any Encoder) throws {
        guard !fields.isEmpty else { return }
        var container = encoder.container(keyedBy: AnyKey.self)
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: AnyKey(stringValue: name))
        }
    }

    /// One JSON encoder per call: `JSONEncoder` is cheap to make and not `Sendable`.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    /// The reply's JSON body.
    static func messageJSON(_ message: Message) throws -> [UInt8] {
        Array(try encoder().encode(WireMessage(message: message)))
    }

    /// Any Encodable value as JSON bytes.
    static func json<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    /// One SSE frame, `event: NAME\ndata: JSON\n\n`, for a stream event.
    static func frame(_ event: MessageStreamEvent) throws -> [UInt8] {
        let (name, payload) = try eventPayload(event)
        var bytes = Array("event: \(name)\ndata: ".utf8)
        bytes.append(contentsOf: payload)
        bytes.append(contentsOf: [0x0A, 0x0A])
        return bytes
    }

    /// The `error` event the API sends when a stream fails after HTTP 200.
    static func errorFrame(type: String, message: String) -> [UInt8] {
        let body = (try? json(ErrorBody(error: .init(type: type, message: message)))) ?? Array("{}".utf8)
        return Array("event: error\ndata: ".utf8) + body + [0x0A, 0x0A]
    }

    /// The API's error body: `{"type":"error","error":{"type":…,"message":…},"request_id":…}`.
    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var type: String
            var message: String
        }
        var type = "error"
        var error: Detail
        var requestID: String?

        private enum Keys: String, CodingKey {
            case type, error
            case requestID = "request_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(type, forKey: .type)
            try container.encode(error, forKey: .error)
            try container.encode(requestID, forKey: .requestID)
        }
    }

    private struct Typed<Body: Encodable>: Encodable {
        var type: String
        var body: Body
        func encode(to encoder: any Encoder) throws {
            try body.encode(to: encoder)
            var container = encoder.container(keyedBy: TypeKey.self)
            try container.encode(type, forKey: .type)
        }
    }

    private enum TypeKey: String, CodingKey { case type }

    private struct MessageStart: Encodable {
        var message: WireMessage
    }

    private struct BlockStart: Encodable {
        var index: Int
        var contentBlock: ContentBlock
        enum CodingKeys: String, CodingKey {
            case index
            case contentBlock = "content_block"
        }
    }

    private struct BlockDelta: Encodable {
        var index: Int
        var delta: WireDelta
    }

    private struct BlockStop: Encodable { var index: Int }

    private struct MessageDeltaEvent: Encodable {
        var delta: WireMessageDelta
        var usage: Usage
        var eventFields: [String: JSONValue]
        private enum Keys: String, CodingKey { case delta, usage }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(delta, forKey: .delta)
            try container.encode(usage, forKey: .usage)
            try WireEncoding.encodeAdditional(eventFields, to: encoder)
        }
    }

    private struct WireMessageDelta: Encodable {
        var stopReason: String?
        var stopSequence: String?
        var additionalFields: [String: JSONValue]
        private enum Keys: String, CodingKey {
            case stopReason = "stop_reason"
            case stopSequence = "stop_sequence"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(stopReason, forKey: .stopReason)
            try container.encode(stopSequence, forKey: .stopSequence)
            try WireEncoding.encodeAdditional(additionalFields, to: encoder)
        }
    }

    private struct Empty: Encodable {}

    /// A content delta in its wire form (`text_delta`, `input_json_delta`, …).
    private struct WireDelta: Encodable {
        var delta: ContentDelta
        private enum Keys: String, CodingKey {
            case type, text, thinking, signature, citation
            case partialJSON = "partial_json"
        }
        func encode(to encoder: any Encoder) throws {
            if case .unknown(_, let raw) = delta {
                try raw.encode(to: encoder)
                return
            }
            var container = encoder.container(keyedBy: Keys.self)
            switch delta {
            case .text(let text):
                try container.encode("text_delta", forKey: .type)
                try container.encode(text, forKey: .text)
            case .inputJSON(let partial):
                try container.encode("input_json_delta", forKey: .type)
                try container.encode(partial, forKey: .partialJSON)
            case .thinking(let thinking):
                try container.encode("thinking_delta", forKey: .type)
                try container.encode(thinking, forKey: .thinking)
            case .signature(let signature):
                try container.encode("signature_delta", forKey: .type)
                try container.encode(signature, forKey: .signature)
            case .citation(let citation):
                try container.encode("citations_delta", forKey: .type)
                try container.encode(citation, forKey: .citation)
            case .unknown:
                break
            }
        }
    }

    private static func eventPayload(_ event: MessageStreamEvent) throws -> (String, [UInt8]) {
        func typed<Body: Encodable>(_ name: String, _ body: Body) throws -> (String, [UInt8]) {
            (name, try json(Typed(type: name, body: body)))
        }
        switch event {
        case .messageStart(let message):
            return try typed("message_start", MessageStart(message: WireMessage(message: message)))
        case .contentBlockStart(let index, let block):
            return try typed("content_block_start", BlockStart(index: index, contentBlock: block))
        case .contentBlockDelta(let index, let delta):
            return try typed("content_block_delta", BlockDelta(index: index, delta: WireDelta(delta: delta)))
        case .contentBlockStop(let index):
            return try typed("content_block_stop", BlockStop(index: index))
        case .messageDelta(let delta, let usage):
            return try typed("message_delta", MessageDeltaEvent(
                delta: WireMessageDelta(stopReason: delta.stopReason?.rawValue, stopSequence: delta.stopSequence,
                                        additionalFields: delta.additionalFields),
                usage: usage, eventFields: delta.eventFields))
        case .messageStop:
            return try typed("message_stop", Empty())
        case .ping:
            return try typed("ping", Empty())
        case .unknown(let name):
            // The client keeps only the name of an event type it does not know.
            return try typed(name, Empty())
        }
    }
}
