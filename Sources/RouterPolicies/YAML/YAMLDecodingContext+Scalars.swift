/// Typed scalar accessors. Each returns nil after recording a located diagnostic.
extension YAMLDecodingContext {
    /// Any non-null scalar's text (plain `123` gives `"123"`).
    package func string(_ node: YAMLNode) -> String? {
        guard let text = node.scalar, !node.isNull else {
            error("expected a string, found \(node.kindDescription)", at: node)
            return nil
        }
        return text
    }

    /// A non-empty string scalar (names, ids).
    package func nonEmptyString(_ node: YAMLNode) -> String? {
        guard let text = string(node) else { return nil }
        if text.allSatisfy(\.isWhitespace) {
            error("expected a non-empty string, found \(node.kindDescription)", at: node)
            return nil
        }
        return text
    }

    /// A plain integer (`42`, `100_000`, `0x10`), optionally within `range`. Quoted `"1"` is a string.
    package func int(_ node: YAMLNode, in range: ClosedRange<Int>? = nil) -> Int? {
        let expected = range.map { "an integer from \($0.lowerBound) to \($0.upperBound)" } ?? "an integer"
        guard let text = plainScalar(node), case let .int(value) = YAMLScalarResolver.resolve(text) else {
            error("expected \(expected), found \(node.kindDescription)", at: node)
            return nil
        }
        if text.count > 1, text.first == "0", text.dropFirst().first?.isNumber == true {
            error("integer '\(text)' has a leading zero, which YAML 1.1 reads as octal: write \(value)", at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("expected \(expected), found \(value)", at: node)
            return nil
        }
        return value
    }

    /// A finite number (integer or decimal), optionally within `range`; NaN and infinities are refused.
    package func double(_ node: YAMLNode, in range: ClosedRange<Double>? = nil) -> Double? {
        let expected = range.map { "a number from \(Self.trimmed($0.lowerBound)) to \(Self.trimmed($0.upperBound))" } ?? "a number"
        guard let value = number(node, expected: expected) else { return nil }
        if let range, !range.contains(value) {
            error("expected \(expected), found \(node.scalar ?? "")", at: node)
            return nil
        }
        return value
    }

    /// A probability: a finite number from 0 to 1.
    package func probability(_ node: YAMLNode) -> Double? {
        guard let value = number(node, expected: "a probability from 0 to 1") else { return nil }
        guard (0...1).contains(value) else {
            error("expected a probability from 0 to 1, found \(node.scalar ?? "")", at: node)
            return nil
        }
        return value
    }

    /// `true` or `false` (plain; YAML 1.1 `yes`/`no` are refused as ambiguous).
    package func bool(_ node: YAMLNode) -> Bool? {
        if let text = plainScalar(node), case let .bool(value) = YAMLScalarResolver.resolve(text) { return value }
        error("expected true or false, found \(node.kindDescription)", at: node)
        return nil
    }

    /// One of `allowed` (exact, case-sensitive); the message lists them and suggests the closest.
    package func oneOf(_ node: YAMLNode, _ allowed: [String]) -> String? {
        guard let text = string(node) else { return nil }
        if allowed.contains(text) { return text }
        let list = allowed.map { "'\($0)'" }.joined(separator: ", ")
        var message = "unknown value '\(text)' (expected one of: \(list))"
        let hint = Self.suggestion(for: text, among: allowed)
        if hint.hasPrefix("; did you mean") { message += hint }
        error(message, at: node)
        return nil
    }

    /// A case of a string-backed enum, by raw value.
    package func enumValue<E: CaseIterable & RawRepresentable>(_ node: YAMLNode, as type: E.Type) -> E? where E.RawValue == String {
        oneOf(node, E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
    }

    /// An exact decimal (plain number or quoted string) with at most `maxFractionDigits` decimals;
    /// no exponents, NaN or infinities. Negative values only if `allowNegative`.
    package func decimal(_ node: YAMLNode, maxFractionDigits: Int = 12, allowNegative: Bool = false) -> ExactDecimal? {
        guard let text = decimalText(node, expected: "a decimal number") else { return nil }
        guard let value = ExactDecimal(text) else {
            error("expected a decimal number such as 1.25, found \(node.kindDescription)", at: node)
            return nil
        }
        if value.isNegative && !allowNegative {
            error("expected a non-negative number, found \(text)", at: node)
            return nil
        }
        if value.fractionDigits > maxFractionDigits {
            error("\(text) has \(value.fractionDigits) decimal places; at most \(maxFractionDigits) are allowed here", at: node)
            return nil
        }
        return value
    }

    /// An exact, non-negative dollar amount (`0.25`, `"3"`), parsed without floating point.
    package func usd(_ node: YAMLNode) -> USDAmount? {
        guard let text = decimalText(node, expected: "a dollar amount") else { return nil }
        guard let amount = USDAmount(dollars: text) else {
            let hint = text.contains("e") || text.contains("E") ? " (write it without an exponent, e.g. 0.0015)" : ""
            error("expected a dollar amount such as 0.25 with at most 12 decimals, found \(node.kindDescription)\(hint)", at: node)
            return nil
        }
        if amount < .zero {
            error("expected a non-negative dollar amount, found \(text)", at: node)
            return nil
        }
        return amount
    }

    // MARK: - Helpers

    private func plainScalar(_ node: YAMLNode) -> String? {
        guard case let .scalar(text, tag, style) = node.value, style.isPlain, tag == nil else { return nil }
        return text
    }

    private func number(_ node: YAMLNode, expected: String) -> Double? {
        guard let text = plainScalar(node) else {
            error("expected \(expected), found \(node.kindDescription)", at: node)
            return nil
        }
        switch YAMLScalarResolver.resolve(text) {
        case let .int(value): return Double(value)
        case let .float(value) where value.isFinite: return value
        case .float:
            error("expected \(expected), found \(text) (NaN and infinity are not allowed)", at: node)
            return nil
        default:
            error("expected \(expected), found \(node.kindDescription)", at: node)
            return nil
        }
    }

    /// The text of a number written plain or quoted; NaN/infinity and non-scalars are refused.
    private func decimalText(_ node: YAMLNode, expected: String) -> String? {
        guard let text = node.scalar, !node.isNull else {
            error("expected \(expected), found \(node.kindDescription)", at: node)
            return nil
        }
        let trimmed = text.trimmingSpaces()
        if case .float(let value) = YAMLScalarResolver.resolve(trimmed), !value.isFinite {
            error("expected \(expected), found \(trimmed) (NaN and infinity are not allowed)", at: node)
            return nil
        }
        if ["nan", "NaN", "NAN", "inf", "Infinity", "-inf", "-Infinity"].contains(trimmed) {
            error("expected \(expected), found \(trimmed) (NaN and infinity are not allowed)", at: node)
            return nil
        }
        if let problem = Self.ambiguousNumberForm(trimmed) {
            error("\(expected == "a dollar amount" ? "dollar amount" : "number") '\(trimmed)' \(problem)", at: node)
            return nil
        }
        return trimmed
    }

    /// Why a number written as `text` is refused, or `nil` when it is fine. YAML 1.1 reads
    /// `1_000` as 1000 and `010` as octal 8; YAML 1.2 and most people read them differently, so
    /// in amounts they are refused rather than guessed.
    package static func ambiguousNumberForm(_ text: String) -> String? {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard body.first?.isASCII == true, body.first?.isNumber == true else { return nil }
        if body.contains("_") {
            return "uses '_' digit separators, which YAML versions read differently: write \(text.filter { $0 != "_" })"
        }
        if body.count > 1, body.first == "0", let second = body.dropFirst().first, second.isNumber {
            let plain = body.drop { $0 == "0" }
            let fixed = (plain.isEmpty || plain.first == ".") ? "0" + plain : String(plain)
            return "has a leading zero, which YAML 1.1 reads as octal: write \(fixed)"
        }
        return nil
    }

    private static func trimmed(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension YAMLNode {
    fileprivate var isPlainScalar: Bool {
        if case let .scalar(_, _, style) = value { return style.isPlain }
        return false
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
