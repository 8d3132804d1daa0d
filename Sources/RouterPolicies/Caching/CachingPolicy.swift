/// The `caching:` section (policy-wide, or a task's own, which replaces it for that task's
/// prompts): where the router places prompt-caching `cache_control` breakpoints, with which
/// TTL, and whether a conversation keeps its tier to keep its warm cache.
///
/// Facts it builds on (docs/ANTHROPIC-API.md "Prompt caching", from
/// https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching): at most 4 breakpoints
/// per request; each caches the prefix up to and including its block in the order tools, system,
/// messages; below the model's minimum cacheable prefix a marker is silently ignored; the cache
/// is per model; 5-minute writes cost 1.25× input, 1-hour writes 2×, reads 0.1×.
public struct CachingPolicy: Sendable, Hashable {
    /// A kind of stable prefix the router may end with a breakpoint.
    public enum Prefix: String, Sendable, Hashable, CaseIterable {
        /// The tool definitions (a breakpoint on the last tool).
        case tools
        /// The system prompt (a breakpoint on its last block).
        case system
        /// A long document or long user content block (at least the model's minimum on its own).
        case documents
        /// The conversation so far: a breakpoint on the last block before the newest user turn,
        /// so the next turn reads what this one wrote.
        case conversation
    }

    /// The cache lifetime written by placed breakpoints.
    public enum TTL: String, Sendable, Hashable, CaseIterable {
        /// Five minutes, refreshed on every hit (the API's default); writes cost 1.25× input.
        case fiveMinutes = "5m"
        /// One hour; writes cost 2× input.
        case oneHour = "1h"
    }

    /// Off: the router places no breakpoint (a caller's own are always sent as given).
    public var enabled: Bool
    /// The TTL of the breakpoints the router places (a caller's own keep theirs).
    public var ttl: TTL
    /// Which prefixes get a breakpoint, when long enough; default all four kinds.
    public var prefixes: Set<Prefix>
    /// The metadata key whose value names a conversation for cache-aware routing; `nil` turns
    /// cache-aware routing off. Default `session`.
    public var sessionKey: String?

    /// The number of breakpoints the API accepts in one request.
    public static let maxBreakpoints = 4
    /// The metadata key that names a conversation unless the policy says otherwise.
    public static let defaultSessionKey = "session"
    /// The minimum cacheable prefix assumed for a model whose price entry lists none
    /// (`min_cacheable_tokens` in the price book): 1,024 tokens, the most common public figure.
    public static let fallbackMinimumCacheableTokens = 1024

    /// Caching settings; defaults: enabled, 5-minute TTL, every prefix kind, session key `session`.
    public init(enabled: Bool = true, ttl: TTL = .fiveMinutes, prefixes: Set<Prefix> = Set(Prefix.allCases),
                sessionKey: String? = CachingPolicy.defaultSessionKey) {
        self.enabled = enabled
        self.ttl = ttl
        self.prefixes = prefixes
        self.sessionKey = sessionKey
    }
}

/// A task's `response_cache:`: an exact-match cache of whole replies for repeated questions.
///
/// A hit is served without any network call. The key is the SHA-256 of the normalised request
/// (its content, the task and the policy's content hash) and, unless `partitionBy` is `nil`,
/// the value of that metadata key, so one user's answer never reaches another. A call that
/// lacks the partition key is not cached.
public struct ResponseCachePolicy: Sendable, Hashable {
    /// How long a stored reply is served, in seconds (`ttl: 10m` = 600).
    public var ttlSeconds: Int
    /// The metadata key that partitions the cache (default `user`); `nil` (`partition_by: none`)
    /// shares answers between every caller of the task.
    public var partitionBy: String?

    /// The partition key unless the policy names another.
    public static let defaultPartitionKey = "user"

    /// A response cache; `partitionBy` defaults to `user`.
    public init(ttlSeconds: Int, partitionBy: String? = ResponseCachePolicy.defaultPartitionKey) {
        self.ttlSeconds = ttlSeconds
        self.partitionBy = partitionBy
    }
}
