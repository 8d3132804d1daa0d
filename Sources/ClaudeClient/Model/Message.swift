/// Why generation stopped. A struct, not an enum: unknown values are kept as strings
/// (docs/ANTHROPIC-API.md "Response shape": treat unknown values as a string, never a crash).
public struct StopReason: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: String
    /// Wraps any wire value.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The model finished its turn.
    public static let endTurn = StopReason(rawValue: "end_turn")
    /// `max_tokens` was reached (output cut off).
    public static let maxTokens = StopReason(rawValue: "max_tokens")
    /// A custom stop sequence was generated.
    public static let stopSequence = StopReason(rawValue: "stop_sequence")
    /// The model wants to call a tool.
    public static let toolUse = StopReason(rawValue: "tool_use")
    /// A long-running server-tool turn was paused; send the response back to continue.
    public static let pauseTurn = StopReason(rawValue: "pause_turn")
    /// The model declined to answer.
    public static let refusal = StopReason(rawValue: "refusal")
    /// The context window filled up.
    public static let modelContextWindowExceeded = StopReason(rawValue: "model_context_window_exceeded")

    /// The wire value.
    public var description: String { rawValue }

    // Codable: the standard library encodes a String-backed RawRepresentable as the bare string.
}

/// A model reply: `{id, type, role, model, content, stop_reason, stop_sequence, usage}`.
public struct Message: Sendable, Hashable, Codable {
    /// Message id (`msg_…`).
    public var id: String
    /// Always `message`.
    public var type: String
    /// Always `assistant`.
    public var role: Role
    /// The model that answered (may be a dated id).
    public var model: String
    /// Reply blocks, unknown types kept.
    public var content: [ContentBlock]
    /// `nil` only in a stream's `message_start`.
    public var stopReason: StopReason?
    /// The stop sequence hit, if any.
    public var stopSequence: String?
    /// Token usage (cache reads and writes reported apart from `inputTokens`).
    public var usage: Usage
    /// Top-level members this type does not model, kept raw by name (e.g. the code-execution
    /// `container`, `context_management`), so a proxy can hand them on. Empty when there are none.
    public var additionalFields: [String: JSONValue] = [:]

    /// Creates a message.
    public init(
        id: String, type: String = "message", role: Role = .assistant, model: String, content: [ContentBlock],
        stopReason: StopReason? = nil, stopSequence: String? = nil, usage: Usage = Usage()
    ) {
        self.id = id
        self.type = type
        self.role = role
        self.model = model
        self.content = content
        self.stopReason = stopReason
        self.stopSequence = stopSequence
        self.usage = usage
    }

    /// The concatenated text of every text block (thinking and tool blocks excluded).
    public var text: String {
        var result = ""
        for case .text(let block) in content { result += block.text }
        return result
    }

    /// The tool calls in the reply, in order.
    public var toolUses: [ToolUseBlock] {
        content.compactMap { if case .toolUse(let block) = $0 { block } else { nil } }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, type, role, model, content, usage
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }

    /// Decodes; tolerant of a missing `type`/`role` (always `message`/`assistant`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? "message"
        role = try container.decodeIfPresent(Role.self, forKey: .role) ?? .assistant
        model = try container.decode(String.self, forKey: .model)
        content = try container.decodeIfPresent([ContentBlock].self, forKey: .content) ?? []
        stopReason = try container.decodeIfPresent(StopReason.self, forKey: .stopReason)
        stopSequence = try container.decodeIfPresent(String.self, forKey: .stopSequence)
        if let reported = try container.decodeIfPresent(Usage.self, forKey: .usage) {
            usage = reported
        } else {
            usage = Usage()
            usage.isReported = false
        }
        additionalFields = try JSONValue.members(of: decoder, except: CodingKeys.self)
    }

    /// Encodes the modelled members, then ``additionalFields`` (sorted by name), so a stored or
    /// forwarded message keeps what the API sent beyond them.
    /// - Throws: `EncodingError` from the encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encode(model, forKey: .model)
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(stopReason, forKey: .stopReason)
        try container.encodeIfPresent(stopSequence, forKey: .stopSequence)
        try container.encode(usage, forKey: .usage)
        guard !additionalFields.isEmpty else { return }
        var extra = encoder.container(keyedBy: JSONValue.AnyKey.self)
        for (name, value) in additionalFields.sorted(by: { $0.key < $1.key }) {
            try extra.encode(value, forKey: JSONValue.AnyKey(stringValue: name))
        }
    }
}

/// Token usage of one request (docs/ANTHROPIC-API.md "Response shape").
///
/// `inputTokens` EXCLUDES cached tokens: cache reads and cache writes are billed in addition
/// to it, so total prompt tokens = input + cacheCreation + cacheRead.
public struct Usage: Sendable, Hashable, Codable {
    /// Cache writes split by TTL (priced differently).
    public struct CacheCreation: Sendable, Hashable, Codable {
        /// Tokens written with a 5-minute TTL.
        public var ephemeral5mInputTokens: Int
        /// Tokens written with a 1-hour TTL.
        public var ephemeral1hInputTokens: Int

        /// Creates a split.
        public init(ephemeral5mInputTokens: Int = 0, ephemeral1hInputTokens: Int = 0) {
            self.ephemeral5mInputTokens = ephemeral5mInputTokens
            self.ephemeral1hInputTokens = ephemeral1hInputTokens
        }

        enum CodingKeys: String, CodingKey {
            case ephemeral5mInputTokens = "ephemeral_5m_input_tokens"
            case ephemeral1hInputTokens = "ephemeral_1h_input_tokens"
        }

        /// Decodes; missing counts are 0.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            ephemeral5mInputTokens = try container.decodeIfPresent(Int.self, forKey: .ephemeral5mInputTokens) ?? 0
            ephemeral1hInputTokens = try container.decodeIfPresent(Int.self, forKey: .ephemeral1hInputTokens) ?? 0
        }
    }

    /// Uncached input tokens.
    public var inputTokens: Int
    /// Generated tokens.
    public var outputTokens: Int
    /// Tokens written to the cache (all TTLs).
    public var cacheCreationInputTokens: Int
    /// Tokens read from the cache.
    public var cacheReadInputTokens: Int
    /// Cache writes by TTL, when the API reports the split.
    public var cacheCreation: CacheCreation?
    /// The tier that served the request (`standard`, `priority`, `batch`).
    public var serviceTier: String?
    /// Where inference ran (`us` costs 1.1x per docs/ANTHROPIC-API.md).
    public var inferenceGeo: String?
    /// Server tool usage counters (e.g. `web_search_requests`), raw.
    public var serverToolUse: JSONValue?
    /// Whether the reply carried token counts at all. `false` when `usage` (or both of
    /// `input_tokens` and `output_tokens`) was absent: the zeros above are then unknown, not
    /// free, and the router flags the attempt `usage_missing` instead of pricing it at $0.
    /// Not encoded.
    public var isReported = true

    /// Creates usage; every count defaults to 0.
    public init(
        inputTokens: Int = 0, outputTokens: Int = 0, cacheCreationInputTokens: Int = 0,
        cacheReadInputTokens: Int = 0, cacheCreation: CacheCreation? = nil, serviceTier: String? = nil,
        inferenceGeo: String? = nil, serverToolUse: JSONValue? = nil
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheCreation = cacheCreation
        self.serviceTier = serviceTier
        self.inferenceGeo = inferenceGeo
        self.serverToolUse = serverToolUse
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheCreationInputTokens = "cache_creation_input_tokens"
        case cacheReadInputTokens = "cache_read_input_tokens"
        case cacheCreation = "cache_creation"
        case serviceTier = "service_tier"
        case inferenceGeo = "inference_geo"
        case serverToolUse = "server_tool_use"
    }

    /// Decodes; missing or `null` counts are 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputTokens = try container.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0
        outputTokens = try container.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        cacheCreationInputTokens = try container.decodeIfPresent(Int.self, forKey: .cacheCreationInputTokens) ?? 0
        cacheReadInputTokens = try container.decodeIfPresent(Int.self, forKey: .cacheReadInputTokens) ?? 0
        cacheCreation = try container.decodeIfPresent(CacheCreation.self, forKey: .cacheCreation)
        serviceTier = try container.decodeIfPresent(String.self, forKey: .serviceTier)
        inferenceGeo = try container.decodeIfPresent(String.self, forKey: .inferenceGeo)
        serverToolUse = try container.decodeIfPresent(JSONValue.self, forKey: .serverToolUse)
        isReported = container.contains(.inputTokens) || container.contains(.outputTokens)
    }
}
