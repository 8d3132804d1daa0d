/// Who wrote a message turn.
public struct Role: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: String
    /// Wraps any wire value (unknown roles are kept, never a crash).
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `user`.
    public static let user = Role(rawValue: "user")
    /// `assistant`.
    public static let assistant = Role(rawValue: "assistant")
    /// The wire value.
    public var description: String { rawValue }

    // Codable: the standard library encodes a String-backed RawRepresentable as the bare string.
}

/// One conversation turn in a request: `{"role":…,"content":"text" | [blocks]}`.
public struct MessageParam: Sendable, Hashable, Codable {
    /// The author of the turn.
    public var role: Role
    /// The turn's blocks; the string shorthand decodes to one text block.
    public var content: [ContentBlock]

    /// Creates a turn from blocks.
    public init(role: Role, content: [ContentBlock]) {
        self.role = role
        self.content = content
    }

    /// A user turn with one text block.
    public static func user(_ text: String) -> MessageParam {
        MessageParam(role: .user, content: [.text(text)])
    }

    /// An assistant turn with one text block.
    public static func assistant(_ text: String) -> MessageParam {
        MessageParam(role: .assistant, content: [.text(text)])
    }

    enum CodingKeys: String, CodingKey { case role, content }

    /// Decodes either content shape.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(Role.self, forKey: .role)
        if let text = try? container.decode(String.self, forKey: .content) {
            content = [.text(text)]
        } else {
            content = try container.decode([ContentBlock].self, forKey: .content)
        }
    }
}

/// The `system` prompt: a string or text blocks (blocks can carry `cache_control`).
public enum SystemPrompt: Sendable, Hashable, Codable, ExpressibleByStringLiteral {
    case text(String)
    case blocks([TextBlock])

    /// A string system prompt.
    public init(stringLiteral value: String) { self = .text(value) }

    /// All system text joined with newlines (used for routing and size estimates).
    public var plainText: String {
        switch self {
        case .text(let text): text
        case .blocks(let blocks): blocks.map(\.text).joined(separator: "\n")
        }
    }

    private struct TypedText: Codable {
        var type = "text"
        var block: TextBlock
        init(block: TextBlock) { self.block = block }
        init(from decoder: any Decoder) throws { block = try TextBlock(from: decoder) }
        func encode(to encoder: any Encoder) throws {
            try ContentBlock.text(block).encode(to: encoder)
        }
    }

    /// Decodes the string or the text-block array.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .blocks(try container.decode([TypedText].self).map(\.block))
        }
    }

    /// Encodes in the shape it was given.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .blocks(let blocks): try container.encode(blocks.map(TypedText.init(block:)))
        }
    }
}
