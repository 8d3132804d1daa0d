/// One block of message content, in requests and responses.
///
/// Unknown block types received from the API are kept as `.unknown` with their raw JSON and
/// re-encode unchanged (docs/ANTHROPIC-API.md: "Unknown block types in responses must be kept").
public enum ContentBlock: Sendable, Hashable {
    case text(TextBlock)
    case image(ImageBlock)
    case document(DocumentBlock)
    case toolUse(ToolUseBlock)
    case toolResult(ToolResultBlock)
    case thinking(ThinkingBlock)
    case redactedThinking(RedactedThinkingBlock)
    /// A block type this client does not know; `raw` is the whole block object.
    case unknown(type: String, raw: JSONValue)

    /// A plain text block.
    public static func text(_ text: String, cacheControl: CacheControl? = nil) -> ContentBlock {
        .text(TextBlock(text: text, cacheControl: cacheControl))
    }

    /// The wire `type` of the block.
    public var type: String {
        switch self {
        case .text: "text"
        case .image: "image"
        case .document: "document"
        case .toolUse: "tool_use"
        case .toolResult: "tool_result"
        case .thinking: "thinking"
        case .redactedThinking: "redacted_thinking"
        case .unknown(let type, _): type
        }
    }
}

/// `{"type":"text","text":…,"citations":[…]}`.
public struct TextBlock: Sendable, Hashable, Codable {
    /// The text.
    public var text: String
    /// Citations attached by the API (kept as raw JSON: several location kinds exist and more
    /// may appear). Non-empty citations in a *user* message are refused under 2026-10-21.
    public var citations: [JSONValue]?
    /// Optional prompt-caching breakpoint.
    public var cacheControl: CacheControl?

    /// Creates a text block.
    public init(text: String, citations: [JSONValue]? = nil, cacheControl: CacheControl? = nil) {
        self.text = text
        self.citations = citations
        self.cacheControl = cacheControl
    }

    enum CodingKeys: String, CodingKey {
        case text, citations
        case cacheControl = "cache_control"
    }
}

/// `{"type":"image","source":{…}}`.
public struct ImageBlock: Sendable, Hashable, Codable {
    /// Where the image bytes come from.
    public enum Source: Sendable, Hashable, Codable {
        /// Inline base64 data with its media type (e.g. `image/png`).
        case base64(mediaType: String, data: String)
        /// An image the API fetches itself.
        case url(String)
        /// Any other source kind, kept verbatim.
        case other(JSONValue)

        enum CodingKeys: String, CodingKey {
            case type, data, url
            case mediaType = "media_type"
        }

        /// Decodes by the source's `type`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "base64":
                self = .base64(
                    mediaType: try container.decode(String.self, forKey: .mediaType),
                    data: try container.decode(String.self, forKey: .data))
            case "url":
                self = .url(try container.decode(String.self, forKey: .url))
            default:
                self = .other(try JSONValue(from: decoder))
            }
        }

        /// Encodes with the source's `type`.
        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .base64(let mediaType, let data):
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("base64", forKey: .type)
                try container.encode(mediaType, forKey: .mediaType)
                try container.encode(data, forKey: .data)
            case .url(let url):
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("url", forKey: .type)
                try container.encode(url, forKey: .url)
            case .other(let raw):
                try raw.encode(to: encoder)
            }
        }
    }

    /// The image source.
    public var source: Source
    /// Optional prompt-caching breakpoint.
    public var cacheControl: CacheControl?

    /// Creates an image block.
    public init(source: Source, cacheControl: CacheControl? = nil) {
        self.source = source
        self.cacheControl = cacheControl
    }

    enum CodingKeys: String, CodingKey {
        case source
        case cacheControl = "cache_control"
    }
}

/// `{"type":"document","source":{…},"title":…,"context":…,"citations":{"enabled":true}}`.
///
/// Under 2026-10-21 a document block directly in an assistant message is refused client-side.
public struct DocumentBlock: Sendable, Hashable, Codable {
    /// The document source (`base64` PDF, `text`, `url`, `content`, …) kept as raw JSON.
    public var source: JSONValue
    /// Optional title shown to the model.
    public var title: String?
    /// Optional context about the document.
    public var context: String?
    /// Citation settings, e.g. `{"enabled": true}`.
    public var citations: JSONValue?
    /// Optional prompt-caching breakpoint.
    public var cacheControl: CacheControl?

    /// Creates a document block.
    public init(
        source: JSONValue, title: String? = nil, context: String? = nil, citations: JSONValue? = nil,
        cacheControl: CacheControl? = nil
    ) {
        self.source = source
        self.title = title
        self.context = context
        self.citations = citations
        self.cacheControl = cacheControl
    }

    /// A plain-text document source.
    public static func plainText(_ text: String, title: String? = nil) -> DocumentBlock {
        DocumentBlock(source: ["type": "text", "media_type": "text/plain", "data": .string(text)], title: title)
    }

    /// A base64-encoded PDF source.
    public static func pdf(base64 data: String, title: String? = nil) -> DocumentBlock {
        DocumentBlock(source: ["type": "base64", "media_type": "application/pdf", "data": .string(data)], title: title)
    }

    enum CodingKeys: String, CodingKey {
        case source, title, context, citations
        case cacheControl = "cache_control"
    }
}

/// `{"type":"tool_use","id":…,"name":…,"input":{…}}`.
public struct ToolUseBlock: Sendable, Hashable, Codable {
    /// The tool call id, echoed in the matching `tool_result`.
    public var id: String
    /// The tool's name.
    public var name: String
    /// The tool input; keys are untouched (no key strategy).
    public var input: JSONValue
    /// Optional prompt-caching breakpoint.
    public var cacheControl: CacheControl?

    /// Creates a tool-use block.
    public init(id: String, name: String, input: JSONValue, cacheControl: CacheControl? = nil) {
        self.id = id
        self.name = name
        self.input = input
        self.cacheControl = cacheControl
    }

    enum CodingKeys: String, CodingKey {
        case id, name, input
        case cacheControl = "cache_control"
    }
}

/// `{"type":"tool_result","tool_use_id":…,"content":…,"is_error":…}`.
public struct ToolResultBlock: Sendable, Hashable, Codable {
    /// Tool output: a string or content blocks.
    public enum Content: Sendable, Hashable, Codable {
        case string(String)
        case blocks([ContentBlock])

        /// Decodes the string or the block array.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else {
                self = .blocks(try container.decode([ContentBlock].self))
            }
        }

        /// Encodes in the same shape it was given.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .blocks(let blocks): try container.encode(blocks)
            }
        }
    }

    /// The `id` of the `tool_use` block this answers.
    public var toolUseID: String
    /// The tool output, if any.
    public var content: Content?
    /// Whether the tool failed.
    public var isError: Bool?
    /// Optional prompt-caching breakpoint.
    public var cacheControl: CacheControl?

    /// Creates a tool-result block.
    public init(toolUseID: String, content: Content? = nil, isError: Bool? = nil, cacheControl: CacheControl? = nil) {
        self.toolUseID = toolUseID
        self.content = content
        self.isError = isError
        self.cacheControl = cacheControl
    }

    enum CodingKeys: String, CodingKey {
        case content
        case toolUseID = "tool_use_id"
        case isError = "is_error"
        case cacheControl = "cache_control"
    }
}

/// `{"type":"thinking","thinking":…,"signature":…}` (extended thinking output).
public struct ThinkingBlock: Sendable, Hashable, Codable {
    /// The model's reasoning text.
    public var thinking: String
    /// Signature that must be sent back unchanged in multi-turn tool use.
    public var signature: String

    /// Creates a thinking block.
    public init(thinking: String, signature: String = "") {
        self.thinking = thinking
        self.signature = signature
    }

    /// Decodes; a missing signature (stream start) decodes as empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        thinking = try container.decodeIfPresent(String.self, forKey: .thinking) ?? ""
        signature = try container.decodeIfPresent(String.self, forKey: .signature) ?? ""
    }
}

/// `{"type":"redacted_thinking","data":…}` (encrypted reasoning, sent back unchanged).
public struct RedactedThinkingBlock: Sendable, Hashable, Codable {
    /// Opaque encrypted payload.
    public var data: String
    /// Creates a redacted thinking block.
    public init(data: String) { self.data = data }
}
