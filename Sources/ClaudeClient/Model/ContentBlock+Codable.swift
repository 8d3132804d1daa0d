/// Wire coding of `ContentBlock`: dispatch on `type`, keep unknown types verbatim.
extension ContentBlock: Codable {
    private enum TypeKey: String, CodingKey { case type }

    /// Decodes a block by its `type`; unknown types become `.unknown` with the raw JSON.
    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try TextBlock(from: decoder))
        case "image": self = .image(try ImageBlock(from: decoder))
        case "document": self = .document(try DocumentBlock(from: decoder))
        case "tool_use": self = .toolUse(try ToolUseBlock(from: decoder))
        case "tool_result": self = .toolResult(try ToolResultBlock(from: decoder))
        case "thinking": self = .thinking(try ThinkingBlock(from: decoder))
        case "redacted_thinking": self = .redactedThinking(try RedactedThinkingBlock(from: decoder))
        default: self = .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }

    /// Encodes the block with its `type`; `.unknown` re-encodes its raw JSON unchanged.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .text(let block): try block.encode(to: encoder)
        case .image(let block): try block.encode(to: encoder)
        case .document(let block): try block.encode(to: encoder)
        case .toolUse(let block): try block.encode(to: encoder)
        case .toolResult(let block): try block.encode(to: encoder)
        case .thinking(let block): try block.encode(to: encoder)
        case .redactedThinking(let block): try block.encode(to: encoder)
        case .unknown(_, let raw):
            try raw.encode(to: encoder)
            return
        }
        // Same encoder, second keyed container: JSONEncoder merges both into one object.
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(type, forKey: .type)
    }
}
