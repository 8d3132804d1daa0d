/// The body of `POST /v1/messages` (docs/ANTHROPIC-API.md "Request shape").
///
/// Optional fields left `nil` are omitted from the JSON. Sampling parameters
/// (`temperature`, `topP`, `topK`) are only accepted under API version 2023-06-01; under
/// 2026-10-21 the client refuses them before sending.
public struct MessageRequest: Sendable, Hashable, Codable {
    /// Model id or alias, e.g. `claude-haiku-4-5`. The ModelRouter treats `"auto"` specially.
    public var model: String
    /// Upper bound on generated tokens.
    public var maxTokens: Int
    /// The conversation so far.
    public var messages: [MessageParam]
    /// Optional system prompt.
    public var system: SystemPrompt?
    /// Custom strings that end generation.
    public var stopSequences: [String]?
    /// Sampling temperature (2023-06-01 only).
    public var temperature: Double?
    /// Nucleus sampling (2023-06-01 only).
    public var topP: Double?
    /// Top-k sampling (2023-06-01 only).
    public var topK: Int?
    /// Request metadata (`user_id`).
    public var metadata: RequestMetadata?
    /// Tools the model may call.
    public var tools: [Tool]?
    /// How tools may be used.
    public var toolChoice: ToolChoice?
    /// Extended thinking configuration.
    public var thinking: ThinkingConfig?
    /// Set by the client (`streamMessage` sends `true`); leave `nil`.
    public var stream: Bool?
    /// Capacity tier request.
    public var serviceTier: ServiceTier?
    /// The caller's own JSON body, when this request was decoded from one a caller sent (a
    /// gateway in front of the API). When set, the client sends these bytes as they are, with
    /// only `model`, `max_tokens` and `stream` rewritten from this value's fields, so fields
    /// this client does not model reach the API intact. `nil` (the default): the client
    /// encodes every field above. Never encoded itself.
    public var originalJSON: OriginalRequestJSON?

    /// Creates a request; only `model`, `maxTokens` and `messages` are required.
    public init(
        model: String, maxTokens: Int, messages: [MessageParam], system: SystemPrompt? = nil,
        stopSequences: [String]? = nil, temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil,
        metadata: RequestMetadata? = nil, tools: [Tool]? = nil, toolChoice: ToolChoice? = nil,
        thinking: ThinkingConfig? = nil, stream: Bool? = nil, serviceTier: ServiceTier? = nil
    ) {
        self.model = model
        self.maxTokens = maxTokens
        self.messages = messages
        self.system = system
        self.stopSequences = stopSequences
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.metadata = metadata
        self.tools = tools
        self.toolChoice = toolChoice
        self.thinking = thinking
        self.stream = stream
        self.serviceTier = serviceTier
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, system, temperature, metadata, tools, thinking, stream
        case maxTokens = "max_tokens"
        case stopSequences = "stop_sequences"
        case topP = "top_p"
        case topK = "top_k"
        case toolChoice = "tool_choice"
        case serviceTier = "service_tier"
    }
}

/// The body of `POST /v1/messages/count_tokens` (input tokens only; free, no generation).
public struct CountTokensRequest: Sendable, Hashable, Codable {
    /// Model id; counts depend on the tokenizer.
    public var model: String
    /// The conversation to count.
    public var messages: [MessageParam]
    /// Optional system prompt.
    public var system: SystemPrompt?
    /// Tools (their definitions count as input).
    public var tools: [Tool]?
    /// Tool choice.
    public var toolChoice: ToolChoice?
    /// Thinking configuration.
    public var thinking: ThinkingConfig?

    /// Creates a count request.
    public init(
        model: String, messages: [MessageParam], system: SystemPrompt? = nil, tools: [Tool]? = nil,
        toolChoice: ToolChoice? = nil, thinking: ThinkingConfig? = nil
    ) {
        self.model = model
        self.messages = messages
        self.system = system
        self.tools = tools
        self.toolChoice = toolChoice
        self.thinking = thinking
    }

    /// The input-side fields of a Messages request.
    public init(_ request: MessageRequest) {
        self.init(
            model: request.model, messages: request.messages, system: request.system, tools: request.tools,
            toolChoice: request.toolChoice, thinking: request.thinking)
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, system, tools, thinking
        case toolChoice = "tool_choice"
    }
}

/// The reply of `count_tokens`.
public struct TokenCount: Sendable, Hashable, Codable {
    /// Exact input tokens the request would use.
    public var inputTokens: Int
    /// Creates a count.
    public init(inputTokens: Int) { self.inputTokens = inputTokens }
    enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens" }
}
