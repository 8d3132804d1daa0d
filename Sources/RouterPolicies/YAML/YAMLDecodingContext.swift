/// Pulls typed values out of `YAMLNode`s while collecting every problem as a located diagnostic.
///
/// Accessors return `nil` after recording a diagnostic, so a decoder keeps going and reports
/// all mistakes in a file at once; `finish()` then throws them together. Used by the policy
/// decoder, the price book and the CLI's eval fixtures.
///
/// ```swift
/// let context = try YAMLDecodingContext(text: yaml, file: path)
/// let root = context.mapping(context.root, required: ["name"], optional: ["tiers"])
/// let name = root?["name"].flatMap(context.string)
/// try context.finish()
/// ```
package final class YAMLDecodingContext {
    /// The text being decoded (for quoting lines in diagnostics).
    package let source: YAMLSource
    /// The parsed document.
    package let root: YAMLNode
    /// Every problem recorded so far, in order.
    package private(set) var diagnostics: [Diagnostic] = []

    /// Parses `text` (one document) and starts a context; YAML syntax errors throw at once.
    package init(text: String, file: String) throws(PolicyError) {
        source = YAMLSource(text: text, file: file)
        root = try YAMLDocument.parse(text, file: file)
    }

    /// Starts a context on an already parsed node of `source`.
    package init(source: YAMLSource, root: YAMLNode) {
        self.source = source
        self.root = root
    }

    /// Whether any problem was recorded.
    package var hasErrors: Bool { !diagnostics.isEmpty }

    /// Records an error at `mark`, with optional notes pointing elsewhere.
    package func error(_ message: String, at mark: SourceMark, notes: [(mark: SourceMark, message: String)] = []) {
        diagnostics.append(source.diagnostic(message, at: mark, notes: notes))
    }

    /// Records an error at `node`'s mark.
    package func error(_ message: String, at node: YAMLNode, notes: [(mark: SourceMark, message: String)] = []) {
        error(message, at: node.mark, notes: notes)
    }

    /// Throws every recorded diagnostic, if any.
    package func finish() throws(PolicyError) {
        if !diagnostics.isEmpty { throw PolicyError(diagnostics: diagnostics) }
    }

    /// Returns `value` if nothing went wrong, else throws every recorded diagnostic.
    package func finish<T>(_ value: T?) throws(PolicyError) -> T {
        if !diagnostics.isEmpty { throw PolicyError(diagnostics: diagnostics) }
        guard let value else {
            throw PolicyError(source.diagnostic("could not decode this file", at: root.mark))
        }
        return value
    }

    // MARK: - Collections

    /// The items of a sequence, or nil (with "expected a sequence, found …").
    package func sequence(_ node: YAMLNode) -> [YAMLNode]? {
        if let items = node.sequence { return items }
        error("expected a sequence, found \(node.kindDescription)", at: node)
        return nil
    }

    /// A mapping with string keys. With `required`/`optional` given, reports missing required
    /// keys (at the mapping) and unknown keys (at the key, with a "did you mean" suggestion);
    /// with both nil every key is accepted. `what` names the mapping in messages ("tier").
    package func mapping(_ node: YAMLNode, required: [String] = [], optional: [String]? = nil, what: String? = nil) -> YAMLMapping? {
        guard let pairs = node.mapping else {
            error("expected \(what.map { "a mapping (\($0))" } ?? "a mapping"), found \(node.kindDescription)", at: node)
            return nil
        }
        var entries: [YAMLMapping.Entry] = []
        for pair in pairs {
            guard let key = pair.key.scalar, pair.key.sequence == nil else {
                error("expected a string key, found \(pair.key.kindDescription)", at: pair.key)
                continue
            }
            entries.append(.init(key: key, keyNode: pair.key, value: pair.value))
        }
        let mapping = YAMLMapping(node: node, entries: entries)
        let inWhat = what.map { " in \($0)" } ?? ""
        if let optional {
            let allowed = required + optional
            for entry in entries where !allowed.contains(entry.key) {
                error("unknown key '\(entry.key)'\(inWhat)\(Self.suggestion(for: entry.key, among: allowed))", at: entry.keyNode)
            }
        }
        for key in required where mapping[key] == nil {
            error("missing required key '\(key)'\(inWhat)", at: node)
        }
        return mapping
    }

    /// `"; did you mean 'x'?"` for the closest allowed word, else `"; expected one of: 'a', 'b'"`.
    /// Close means at most 1 edit for words under 5 characters, 2 under 10, 3 beyond.
    package static func suggestion(for word: String, among allowed: [String]) -> String {
        // A key may be listed as both required and optional (or twice by a caller): name it once.
        var seen = Set<String>()
        let allowed = allowed.filter { seen.insert($0).inserted }
        let scored = allowed.map { (candidate: $0, distance: editDistance(word.lowercased(), $0.lowercased())) }
        if let best = scored.min(by: { $0.distance < $1.distance }) {
            let length = best.candidate.count
            let limit = length < 5 ? 1 : length < 10 ? 2 : 3
            if best.distance <= limit { return "; did you mean '\(best.candidate)'?" }
        }
        guard !allowed.isEmpty else { return "" }
        return "; expected one of: " + allowed.map { "'\($0)'" }.joined(separator: ", ")
    }

    /// Edit distance over Unicode scalars counting insertions, deletions, substitutions and
    /// swaps of two neighbours (optimal string alignment), so `modle` is 1 edit from `model`.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

/// A decoded mapping with string keys (order kept), for looking values up by key.
package struct YAMLMapping: Sendable {
    /// One key/value pair.
    package struct Entry: Sendable {
        /// The key text.
        package var key: String
        /// The key node (its mark points at the key).
        package var keyNode: YAMLNode
        /// The value node.
        package var value: YAMLNode
    }

    /// The mapping node itself (its mark points at the first key).
    package var node: YAMLNode
    /// The pairs in source order.
    package var entries: [Entry]

    /// The value under `key`, or nil if absent.
    package subscript(key: String) -> YAMLNode? { entries.first { $0.key == key }?.value }

    /// The value under `key` unless it is absent or null (`key:` or `key: ~`).
    package func present(_ key: String) -> YAMLNode? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    /// The keys in source order.
    package var keys: [String] { entries.map(\.key) }
}
