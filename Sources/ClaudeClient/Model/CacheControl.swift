/// Prompt-caching breakpoint on a block, tool or system text: `{"type":"ephemeral","ttl":"5m"|"1h"}`.
///
/// Per docs/ANTHROPIC-API.md "Request shape": any block may carry `cache_control`.
public struct CacheControl: Sendable, Hashable, Codable {
    /// How long a cache entry lives; the wire value is kept even when unknown.
    public struct TTL: RawRepresentable, Sendable, Hashable, Codable {
        /// The wire value, e.g. `"5m"`.
        public var rawValue: String
        /// Wraps any wire value.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Five minutes (the API's default when `ttl` is omitted).
        public static let fiveMinutes = TTL(rawValue: "5m")
        /// One hour (priced higher per docs/ANTHROPIC-API.md prices).
        public static let oneHour = TTL(rawValue: "1h")

        // Codable: the standard library encodes a String-backed RawRepresentable as the bare string.
    }

    /// Always `"ephemeral"` today.
    public var type: String
    /// `nil` leaves the API default (5 minutes).
    public var ttl: TTL?

    /// Creates a breakpoint; defaults: type `ephemeral`, no explicit TTL.
    public init(type: String = "ephemeral", ttl: TTL? = nil) {
        self.type = type
        self.ttl = ttl
    }

    /// An ephemeral breakpoint with the API's default TTL (5 minutes).
    public static let ephemeral = CacheControl()
}
