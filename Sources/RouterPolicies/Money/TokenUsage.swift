/// Token counts of one call, by the price category each is billed at.
///
/// `input` excludes cache reads and cache writes, exactly as the API's `usage.input_tokens`
/// does (docs/ANTHROPIC-API.md): the categories are disjoint and are priced separately.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Uncached input tokens (`usage.input_tokens`).
    public var input: Int
    /// Output tokens (`usage.output_tokens`).
    public var output: Int
    /// Tokens written to the 5-minute cache (`cache_creation.ephemeral_5m_input_tokens`).
    public var cacheWrite5m: Int
    /// Tokens written to the 1-hour cache (`cache_creation.ephemeral_1h_input_tokens`).
    public var cacheWrite1h: Int
    /// Tokens read from the cache (`cache_read_input_tokens`).
    public var cacheRead: Int

    /// Server-tool uses billed per use, by the API's counter name in `usage.server_tool_use`
    /// (`web_search_requests`, `web_fetch_requests`, …); `nil` when the reply reported none
    /// (and in records written before server tools were priced). Priced by the price book's
    /// `server_tools:` (docs/POLICY.md "Prices").
    public var serverToolUse: [String: Int]? = nil

    /// Creates counts; each is a number of tokens except `serverToolUse` (uses).
    public init(input: Int = 0, output: Int = 0, cacheWrite5m: Int = 0, cacheWrite1h: Int = 0, cacheRead: Int = 0,
                serverToolUse: [String: Int]? = nil) {
        self.input = input
        self.output = output
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.serverToolUse = serverToolUse?.isEmpty == true ? nil : serverToolUse
    }

    /// The prompt size that selects a length-priced tier: input + cache reads + cache writes.
    public var promptTokens: Int { input + cacheRead + cacheWrite5m + cacheWrite1h }
}
