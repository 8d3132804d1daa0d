/// What the policy engine knows about one request. The ModelRouter builds it from a
/// `MessageRequest`; RouterPolicies never sees the client's types.
public struct RoutingInput: Sendable, Hashable {
    /// System prompt and the text of every message, joined with newlines.
    public var text: String
    /// Number of messages in the conversation (user and assistant turns).
    public var messageCount: Int
    /// Image blocks anywhere in the request.
    public var imageCount: Int
    /// Document blocks (PDF, text documents) anywhere in the request.
    public var documentCount: Int
    /// Tool definitions offered to the model.
    public var toolCount: Int
    /// Task type named by the caller; `nil` lets the policy's classifier pick one.
    public var task: String?
    /// Caller metadata (user, feature, …) matched by rules, budgets and variant assignment.
    public var metadata: [String: String]
    /// Exact input tokens from `count_tokens`, when the caller counted them.
    public var countedInputTokens: Int?
    /// `max_tokens` the caller asked for, if any; the policy may lower or keep it.
    public var requestedMaxTokens: Int?
    /// The tier this request's conversation last ran on (cache-aware routing); set by the
    /// router from its session memory, `nil` for a new or unnamed conversation.
    public var previousTier: String? = nil
    /// Prompt tokens that conversation's last reply read from or wrote to the cache (its warm prefix).
    public var cachedPrefixTokens: Int? = nil

    public init(text: String, messageCount: Int = 1, imageCount: Int = 0, documentCount: Int = 0,
                toolCount: Int = 0, task: String? = nil, metadata: [String: String] = [:],
                countedInputTokens: Int? = nil, requestedMaxTokens: Int? = nil) {
        self.text = text
        self.messageCount = messageCount
        self.imageCount = imageCount
        self.documentCount = documentCount
        self.toolCount = toolCount
        self.task = task
        self.metadata = metadata
        self.countedInputTokens = countedInputTokens
        self.requestedMaxTokens = requestedMaxTokens
    }

    /// Input tokens: the counted figure when there is one, else ~4 characters per token
    /// (the rule of thumb in docs/ANTHROPIC-API.md), rounded up.
    public var estimatedInputTokens: Int {
        countedInputTokens ?? (text.utf8.count + 3) / 4
    }
}
