/// One node of a parsed YAML document, with the place it was written.
///
/// Anchors, aliases and merge keys (`<<`) are already resolved: an alias is a copy of the
/// anchored node (keeping the anchor's marks, which is where a bad value must be fixed).
package struct YAMLNode: Sendable, Equatable, CustomStringConvertible {
    /// How a scalar was written: plain scalars may be numbers, booleans or null; quoted and
    /// block scalars are always strings.
    package enum ScalarStyle: String, Sendable, Hashable {
        /// `value`
        case plain
        /// `'value'`
        case singleQuoted
        /// `"value"`
        case doubleQuoted
        /// `|` block
        case literal
        /// `>` block
        case folded

        /// Whether the scalar was written without quotes or block indicators.
        package var isPlain: Bool { self == .plain }
    }

    /// The content of a node.
    package enum Value: Sendable, Equatable {
        /// A scalar: its text, explicit tag (e.g. `tag:yaml.org,2002:str`) if any, and style.
        case scalar(String, tag: String?, style: ScalarStyle)
        /// A sequence of nodes.
        case sequence([YAMLNode])
        /// Key/value pairs in source order (merged pairs follow the explicit ones).
        case mapping([(key: YAMLNode, value: YAMLNode)])

        /// Structural equality (tuples are not `Equatable`, so the mapping case compares pairwise).
        package static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case let (.scalar(a, tagA, styleA), .scalar(b, tagB, styleB)):
                return a == b && tagA == tagB && styleA == styleB
            case let (.sequence(a), .sequence(b)):
                return a == b
            case let (.mapping(a), .mapping(b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default:
                return false
            }
        }
    }

    /// The content.
    package var value: Value
    /// Where the node starts (1-based).
    package var mark: SourceMark

    /// Creates a node.
    package init(_ value: Value, mark: SourceMark) {
        self.value = value
        self.mark = mark
    }

    /// A null node (what an empty document or an empty value parses to).
    package static func null(at mark: SourceMark) -> YAMLNode {
        YAMLNode(.scalar("", tag: nil, style: .plain), mark: mark)
    }

    /// The scalar text, or nil for a sequence or mapping.
    package var scalar: String? {
        if case let .scalar(text, _, _) = value { return text }
        return nil
    }

    /// The items, or nil unless this is a sequence.
    package var sequence: [YAMLNode]? {
        if case let .sequence(items) = value { return items }
        return nil
    }

    /// The pairs, or nil unless this is a mapping.
    package var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case let .mapping(pairs) = value { return pairs }
        return nil
    }

    /// The value under the scalar key `key`, if this is a mapping that has it.
    package subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// Whether this is a YAML null: `~`, `null` or empty (plain), or tagged `!!null`.
    package var isNull: Bool {
        guard case let .scalar(text, tag, style) = value else { return false }
        if tag == YAMLTag.null { return true }
        return tag == nil && style == .plain && ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// Words for messages: "a mapping", "a sequence", "null", "the string \"x\"", "the number 3"…
    package var kindDescription: String {
        switch value {
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        case let .scalar(text, tag, style):
            if isNull { return "an empty value" }
            if !style.isPlain || tag == YAMLTag.string {
                return style.isPlain ? "the string \"\(text)\"" : "the quoted string \"\(text)\""
            }
            switch YAMLScalarResolver.resolve(text) {
            case .bool: return "the boolean \(text)"
            case .int, .float: return "the number \(text)"
            case .null, .string: return "the string \"\(text)\""
            }
        }
    }

    /// A compact YAML-like rendering for debugging (flow style).
    package var description: String {
        switch value {
        case let .scalar(text, _, style): return style.isPlain ? text : "\"\(text)\""
        case let .sequence(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .mapping(pairs): return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Standard YAML tags as libyaml reports them after expanding `!!`.
package enum YAMLTag {
    /// `!!str`
    package static let string = "tag:yaml.org,2002:str"
    /// `!!null`
    package static let null = "tag:yaml.org,2002:null"
    /// `!!merge`
    package static let merge = "tag:yaml.org,2002:merge"
}

/// What a plain scalar means under the YAML 1.2 core schema (plus `_` digit separators).
enum YAMLScalarResolver {
    enum Kind: Equatable { case null, bool(Bool), int(Int), float(Double), string }

    static func resolve(_ text: String) -> Kind {
        if ["", "~", "null", "Null", "NULL"].contains(text) { return .null }
        if ["true", "True", "TRUE"].contains(text) { return .bool(true) }
        if ["false", "False", "FALSE"].contains(text) { return .bool(false) }
        if let int = parseInt(text) { return .int(int) }
        if let double = parseFloat(text) { return .float(double) }
        return .string
    }

    /// `[-+]?[0-9][0-9_]*`, `0x…`, `0o…`; nil if not an integer or out of `Int` range.
    static func parseInt(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" { negative = sign == "-"; body = body.dropFirst() }
        var radix = 10
        if body.hasPrefix("0x") { radix = 16; body = body.dropFirst(2) }
        else if body.hasPrefix("0o") { radix = 8; body = body.dropFirst(2) }
        guard let first = body.first, first != "_", body.last != "_" else { return nil }
        let digits = radix == 10 ? body.filter { $0 != "_" } : String(body)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }),
              let magnitude = Int(digits, radix: radix) else {
            return nil
        }
        return negative ? -magnitude : magnitude
    }

    /// Decimal floats with optional exponent, `.inf`, `-.inf`, `.nan`.
    static func parseFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let allowed = Set("0123456789.-+eE_")
        guard text.contains(where: \.isNumber), text.allSatisfy({ allowed.contains($0) }),
              let first = text.first, first != "_", text.last != "_" else {
            return nil
        }
        return Double(text.filter { $0 != "_" })
    }
}
