import Foundation
import RouterPolicies

/// Fixture variables: `vars:` on the suite or on a case, `{{name}}` in any string of a case, and
/// a cartesian case matrix over the variables given as lists. A case with no variables (its own
/// or the suite's) keeps `{{…}}` as literal text.
///
/// A variable is a string (one value) or a list of strings (one case per value). A case with
/// list variables becomes one case per combination, in the order the variables and values are
/// written, each with its id suffixed `[name=value,…]` (list variables only), so ids stay the
/// same as long as the values do. Case variables override suite variables of the same name.
extension EvalSuite {
    /// More cases than this from one case is a mistake, not a test plan.
    static let matrixLimit = 10_000

    /// One variable: its values (one value for a string) and whether it expands the matrix.
    struct Variable {
        var name: String
        var values: [String]
        var expands: Bool
    }

    /// The variables of a `vars:` mapping, in written order (nil entries were reported).
    static func decodeVars(_ node: YAMLNode, context: YAMLDecodingContext) -> [Variable] {
        guard let map = context.mapping(node, what: "vars") else { return [] }
        var variables: [Variable] = []
        for entry in map.entries {
            guard isIdentifier(entry.key) else {
                context.error("a variable name is letters, digits and '_', not starting with a digit: '\(entry.key)'", at: entry.keyNode)
                continue
            }
            if entry.value.sequence != nil {
                let values = (context.sequence(entry.value) ?? []).compactMap(context.string)
                if values.isEmpty {
                    context.error("variable '\(entry.key)' has no values", at: entry.value)
                    continue
                }
                variables.append(Variable(name: entry.key, values: values, expands: true))
            } else if let value = context.string(entry.value) {
                variables.append(Variable(name: entry.key, values: [value], expands: false))
            }
        }
        return variables
    }

    /// Expands one case node into its matrix, each combination's node decoded like a case
    /// written out by hand (so every check, regex and error works on the substituted text).
    static func expandCase(_ node: YAMLNode, suiteVars: [Variable], context: YAMLDecodingContext) -> [EvalCase] {
        guard let pairs = node.mapping else { return decodeCase(node, context: context).map { [$0] } ?? [] }
        let varsNode = pairs.first { $0.key.scalar == "vars" }?.value
        var variables = suiteVars
        for own in varsNode.map({ decodeVars($0, context: context) }) ?? [] {
            if let index = variables.firstIndex(where: { $0.name == own.name }) { variables[index] = own } else { variables.append(own) }
        }
        let body = YAMLNode(.mapping(pairs.filter { $0.key.scalar != "vars" }), mark: node.mark)
        // Without variables `{{…}}` is literal text (a prompt about a template language).
        guard !variables.isEmpty else { return decodeCase(body, context: context).map { [$0] } ?? [] }
        let known = Set(variables.map(\.name))
        var unknown = false
        for pair in pairs where pair.key.scalar != "vars" && pair.key.scalar != "id" {
            unknown = reportUnknown(in: pair.value, known: known, context: context) || unknown
        }
        guard !unknown else { return decodeCase(body, context: context).map { [$0] } ?? [] }
        // Saturating: a product past the limit is reported, never overflowed.
        let combinations = variables.reduce(1) { min($0 * ($1.expands ? $1.values.count : 1), matrixLimit + 1) }
        guard combinations <= matrixLimit else {
            context.error("vars make more than \(matrixLimit) cases from one case", at: varsNode ?? node)
            return []
        }
        var cases: [EvalCase] = []
        for index in 0..<combinations {
            var rest = index, values: [String: String] = [:], suffix: [String] = []
            // The last expanding variable varies fastest: the order a reader expects.
            for variable in variables.reversed() {
                guard variable.expands else { values[variable.name] = variable.values[0]; continue }
                let value = variable.values[rest % variable.values.count]
                rest /= variable.values.count
                values[variable.name] = value
                suffix.insert("\(variable.name)=\(slug(value))", at: 0)
            }
            let errorsBefore = context.hasErrors
            guard var item = decodeCase(substitute(body, values: values, skipping: "id"), context: context) else { continue }
            if !suffix.isEmpty { item.id += "[" + suffix.joined(separator: ",") + "]" }
            cases.append(item)
            // A problem in the template repeats in every combination: report it once.
            if !errorsBefore && context.hasErrors { break }
        }
        return cases
    }

    /// A value as it appears in a case id: letters, digits, `-`, `_` and `.` kept, anything else
    /// `-`, at most 32 characters.
    static func slug(_ value: String) -> String {
        let kept = value.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "-"
        }
        return String(String(kept).prefix(32))
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// `{{ name }}` references in `text`: the name and the offset (in Unicode scalars) of `{{`.
    static func references(in text: String) -> [(name: String, offset: Int)] {
        let scalars = Array(text.unicodeScalars)
        var found: [(String, Int)] = []
        var index = 0
        while index + 1 < scalars.count {
            guard scalars[index] == "{", scalars[index + 1] == "{" else { index += 1; continue }
            var end = index + 2
            while end + 1 < scalars.count, !(scalars[end] == "}" && scalars[end + 1] == "}") { end += 1 }
            guard end + 1 < scalars.count else { break }
            var inner = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
            inner = inner.trimmingCharacters(in: .whitespaces)
            if isIdentifier(inner) { found.append((inner, index)) }
            index = end + 2
        }
        return found
    }

    /// Reports every `{{name}}` whose name is not a variable, at its FILE:LINE:COLUMN when the
    /// scalar was written on one line without escapes (else at the scalar). Whether any was found.
    static func reportUnknown(in node: YAMLNode, known: Set<String>, context: YAMLDecodingContext) -> Bool {
        switch node.value {
        case .sequence(let items):
            return items.reduce(false) { reportUnknown(in: $1, known: known, context: context) || $0 }
        case .mapping(let pairs):
            return pairs.reduce(false) { reportUnknown(in: $1.value, known: known, context: context) || $0 }
        case .scalar(let text, _, let style):
            var any = false
            for reference in references(in: text) where !known.contains(reference.name) {
                any = true
                var mark = node.mark
                let before = String(String.UnicodeScalarView(Array(text.unicodeScalars).prefix(reference.offset)))
                if !before.contains("\n") {
                    switch style {
                    case .plain: mark.column += reference.offset
                    case .singleQuoted where !before.contains("'"), .doubleQuoted where !before.contains("\\"):
                        mark.column += reference.offset + 1
                    default: break
                    }
                }
                let hint = YAMLDecodingContext.suggestion(for: reference.name, among: known.sorted())
                context.error("unknown variable '\(reference.name)'\(hint)", at: mark)
            }
            return any
        }
    }

    /// `node` with every `{{name}}` in its scalars replaced (keys and the `skipping` entry untouched).
    static func substitute(_ node: YAMLNode, values: [String: String], skipping: String? = nil) -> YAMLNode {
        switch node.value {
        case .sequence(let items):
            return YAMLNode(.sequence(items.map { substitute($0, values: values) }), mark: node.mark)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { pair in
                (pair.key, pair.key.scalar == skipping ? pair.value : substitute(pair.value, values: values))
            }), mark: node.mark)
        case .scalar(let text, let tag, let style):
            let references = references(in: text)
            guard !references.isEmpty else { return node }
            var scalars = Array(text.unicodeScalars)
            for reference in references.reversed() {
                guard let value = values[reference.name] else { continue }
                var end = reference.offset + 2
                while !(scalars[end] == "}" && scalars[end + 1] == "}") { end += 1 }
                scalars.replaceSubrange(reference.offset...(end + 1), with: value.unicodeScalars)
            }
            return YAMLNode(.scalar(String(String.UnicodeScalarView(scalars)), tag: tag, style: style), mark: node.mark)
        }
    }
}
