/// A tool the model may call: `{"name":…,"description":…,"input_schema":{…}}`.
///
/// Server tools (`{"type":"web_search_20250305","name":"web_search",…}`) set `type` and put
/// their own parameters in `extra`; every member of `extra` is sent as a top-level field.
public struct Tool: Sendable, Hashable, Codable {
    /// `nil` for client tools; the versioned type for server tools.
    public var type: String?
    /// The tool's name.
    public var name: String
    /// What the tool does (helps the model choose it).
    public var description: String?
    /// JSON Schema of the input; required for client tools.
    public var inputSchema: JSONValue?
    /// Optional prompt-caching breakpoint (caches every tool up to this one).
    public var cacheControl: CacheControl?
    /// Other top-level fields, kept as given (server tool parameters, new fields).
    public var extra: [String: JSONValue]

    /// Creates a tool definition.
    public init(
        name: String, description: String? = nil, inputSchema: JSONValue? = nil, type: String? = nil,
        cacheControl: CacheControl? = nil, extra: [String: JSONValue] = [:]
    ) {
        self.type = type
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.cacheControl = cacheControl
        self.extra = extra
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let knownKeys: Set<String> = ["type", "name", "description", "input_schema", "cache_control"]

    /// Decodes the known fields and keeps the rest in `extra`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        type = try container.decodeIfPresent(String.self, forKey: AnyKey("type"))
        name = try container.decode(String.self, forKey: AnyKey("name"))
        description = try container.decodeIfPresent(String.self, forKey: AnyKey("description"))
        inputSchema = try container.decodeIfPresent(JSONValue.self, forKey: AnyKey("input_schema"))
        cacheControl = try container.decodeIfPresent(CacheControl.self, forKey: AnyKey("cache_control"))
        var extra: [String: JSONValue] = [:]
        for key in container.allKeys where !Self.knownKeys.contains(key.stringValue) {
            extra[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        self.extra = extra
    }

    /// Encodes the known fields, then `extra`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encodeIfPresent(type, forKey: AnyKey("type"))
        try container.encode(name, forKey: AnyKey("name"))
        try container.encodeIfPresent(description, forKey: AnyKey("description"))
        try container.encodeIfPresent(inputSchema, forKey: AnyKey("input_schema"))
        try container.encodeIfPresent(cacheControl, forKey: AnyKey("cache_control"))
        for (key, value) in extra where !Self.knownKeys.contains(key) {
            try container.encode(value, forKey: AnyKey(key))
        }
    }
}

/// How the model may use tools: `{"type":"auto"|"any"|"tool"|"none", …}`.
public struct ToolChoice: Sendable, Hashable, Codable {
    /// `auto`, `any`, `tool` or `none` (kept as a string for forward compatibility).
    public var type: String
    /// The forced tool's name when `type == "tool"`.
    public var name: String?
    /// Ask for at most one tool call per turn.
    public var disableParallelToolUse: Bool?

    /// Creates a tool choice.
    public init(type: String, name: String? = nil, disableParallelToolUse: Bool? = nil) {
        self.type = type
        self.name = name
        self.disableParallelToolUse = disableParallelToolUse
    }

    /// The model decides.
    public static let auto = ToolChoice(type: "auto")
    /// The model must call some tool.
    public static let any = ToolChoice(type: "any")
    /// The model must not call tools.
    public static let none = ToolChoice(type: "none")
    /// The model must call the named tool.
    public static func tool(_ name: String) -> ToolChoice { ToolChoice(type: "tool", name: name) }

    enum CodingKeys: String, CodingKey {
        case type, name
        case disableParallelToolUse = "disable_parallel_tool_use"
    }
}

/// Extended thinking: `{"type":"enabled","budget_tokens":N}` or `{"type":"disabled"}`.
public struct ThinkingConfig: Sendable, Hashable, Codable {
    /// `enabled`, `disabled`, or a newer mode (kept as a string).
    public var type: String
    /// Token budget for reasoning when enabled (counts toward `max_tokens`).
    public var budgetTokens: Int?

    /// Creates a thinking configuration.
    public init(type: String, budgetTokens: Int? = nil) {
        self.type = type
        self.budgetTokens = budgetTokens
    }

    /// Thinking on with a reasoning budget.
    public static func enabled(budgetTokens: Int) -> ThinkingConfig {
        ThinkingConfig(type: "enabled", budgetTokens: budgetTokens)
    }
    /// Thinking off.
    public static let disabled = ThinkingConfig(type: "disabled")

    enum CodingKeys: String, CodingKey {
        case type
        case budgetTokens = "budget_tokens"
    }
}

/// Request metadata: `{"user_id": …}` (an opaque id, never personal data).
public struct RequestMetadata: Sendable, Hashable, Codable {
    /// Opaque end-user id for abuse detection.
    public var userID: String?
    /// Creates metadata.
    public init(userID: String? = nil) { self.userID = userID }
    enum CodingKeys: String, CodingKey { case userID = "user_id" }
}

/// `service_tier` request values (`auto`, `standard_only`) and response values (`standard`,
/// `priority`, `batch`); any other string is kept.
public struct ServiceTier: RawRepresentable, Sendable, Hashable, Codable {
    /// The wire value.
    public var rawValue: String
    /// Wraps any wire value.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Use priority capacity when available.
    public static let auto = ServiceTier(rawValue: "auto")
    /// Standard capacity only.
    public static let standardOnly = ServiceTier(rawValue: "standard_only")

    // Codable: the standard library encodes a String-backed RawRepresentable as the bare string.
}
