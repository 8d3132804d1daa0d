/// Parses YAML text into `YAMLNode` trees with libyaml, resolving anchors, aliases and merge keys.
///
/// Syntax errors stop parsing (libyaml cannot recover) and report libyaml's problem at its
/// line and column. Semantic errors — undefined aliases, duplicate keys, bad merge values —
/// are all collected and thrown together.
package enum YAMLDocument {
    /// The deepest nesting accepted; deeper input is rejected instead of exhausting the stack.
    package static let maximumDepth = 256

    /// The most nodes a document may hold once every alias is expanded. Aliases share storage,
    /// but every consumer that walks the tree (decoders, `==`, `description`) pays for the
    /// expanded size, so a few lines of nested aliases ("billion laughs") could otherwise cost
    /// exponential time. 100,000 is far beyond any real policy or price book.
    package static let maximumExpandedNodes = 100_000

    /// Parses exactly one document. An empty file (or empty document) is a null node at 1:1;
    /// a second document is an error at its start.
    package static func parse(_ text: String, file: String) throws(PolicyError) -> YAMLNode {
        let source = YAMLSource(text: text, file: file)
        var composer = YAMLComposer(source: source)
        let documents = try composer.documents(limit: 1)
        return documents.first ?? .null(at: source.mark(line: 1, column: 1))
    }

    /// Parses every document in a stream (`---` separated); an empty stream gives no documents.
    package static func parseAll(_ text: String, file: String) throws(PolicyError) -> [YAMLNode] {
        var composer = YAMLComposer(source: YAMLSource(text: text, file: file))
        return try composer.documents(limit: nil)
    }
}

/// Builds nodes from the event stream (one document's anchors at a time).
struct YAMLComposer {
    private let source: YAMLSource
    private let reader: LibYAMLEventReader
    /// Each anchored node with its expanded size (nodes, counting the content of its aliases).
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    /// Nodes of the current document so far, with every alias counted at its expanded size.
    private var expandedNodes = 0
    private var diagnostics: [Diagnostic] = []

    init(source: YAMLSource) {
        self.source = source
        self.reader = LibYAMLEventReader(source: source)
    }

    /// All documents; with a `limit`, a further document is an error at its start.
    mutating func documents(limit: Int?) throws(PolicyError) -> [YAMLNode] {
        var documents: [YAMLNode] = []
        do throws(PolicyError) {
            _ = try reader.next()  // stream start
            while true {
                let event = try reader.next()
                if event.kind == .streamEnd { break }
                guard event.kind == .documentStart else { continue }
                if let limit, documents.count == limit {
                    diagnostics.append(source.diagnostic(
                        "expected a single YAML document, found another one (remove the extra '---' section)",
                        at: mark(event)))
                    break
                }
                anchors = [:]
                expandedNodes = 0
                let root = try node(from: reader.next(), depth: 0)
                _ = try reader.next()  // document end
                documents.append(root)
            }
        } catch {
            throw PolicyError(diagnostics: diagnostics + error.diagnostics)
        }
        if !diagnostics.isEmpty { throw PolicyError(diagnostics: diagnostics) }
        return documents
    }

    private func mark(_ event: YAMLEvent) -> SourceMark { source.mark(line: event.line, column: event.column) }

    private mutating func node(from event: YAMLEvent, depth: Int) throws(PolicyError) -> YAMLNode {
        guard depth <= YAMLDocument.maximumDepth else {
            throw PolicyError(source.diagnostic("nesting is deeper than \(YAMLDocument.maximumDepth) levels", at: mark(event)))
        }
        let node: YAMLNode
        let sizeBefore = expandedNodes
        switch event.kind {
        case .alias:
            let name = event.anchor ?? ""
            if let target = anchors[name] {
                try count(target.size, at: event, alias: name)
                return target.node
            }
            diagnostics.append(source.diagnostic("undefined alias '*\(name)' (no '&\(name)' anchor before it)", at: mark(event)))
            return .null(at: mark(event))
        case .scalar:
            try count(1, at: event, alias: nil)
            node = YAMLNode(.scalar(event.value, tag: event.tag, style: event.style), mark: mark(event))
        case .sequenceStart:
            try count(1, at: event, alias: nil)
            var items: [YAMLNode] = []
            var next = try reader.next()
            while next.kind != .sequenceEnd {
                items.append(try self.node(from: next, depth: depth + 1))
                next = try reader.next()
            }
            node = YAMLNode(.sequence(items), mark: mark(event))
        case .mappingStart:
            try count(1, at: event, alias: nil)
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var next = try reader.next()
            while next.kind != .mappingEnd {
                let key = try self.node(from: next, depth: depth + 1)
                let value = try self.node(from: reader.next(), depth: depth + 1)
                pairs.append((key, value))
                next = try reader.next()
            }
            node = YAMLNode(.mapping(resolveMerges(pairs)), mark: mark(event))
        default:
            throw PolicyError(source.diagnostic("unexpected YAML event", at: mark(event)))
        }
        if let anchor = event.anchor { anchors[anchor] = (node, expandedNodes - sizeBefore) }
        return node
    }

    /// Adds `nodes` to the document's expanded size; past `maximumExpandedNodes` parsing stops
    /// with an error at the node (for an alias: at the alias that crossed the limit).
    private mutating func count(_ nodes: Int, at event: YAMLEvent, alias: String?) throws(PolicyError) {
        expandedNodes += nodes
        guard expandedNodes > YAMLDocument.maximumExpandedNodes else { return }
        let limit = Self.grouped(YAMLDocument.maximumExpandedNodes)
        let message = alias.map {
            "alias '*\($0)' expands the document beyond \(limit) nodes; nested aliases multiply "
                + "(a \"billion laughs\" document?)"
        } ?? "the document has more than \(limit) nodes once its aliases are expanded"
        throw PolicyError(source.diagnostic(message, at: mark(event)))
    }

    /// Checks duplicate keys among the explicit pairs, then appends merged pairs (`<<`) whose
    /// keys are not already present: explicit keys win, and earlier merge sources win over later.
    private mutating func resolveMerges(_ pairs: [(key: YAMLNode, value: YAMLNode)]) -> [(key: YAMLNode, value: YAMLNode)] {
        var explicit: [(key: YAMLNode, value: YAMLNode)] = []
        var merged: [(key: YAMLNode, value: YAMLNode)] = []
        var seen: [String: SourceMark] = [:]
        for pair in pairs {
            if isMergeKey(pair.key) {
                merged += mergeSources(pair.value)
                continue
            }
            if let name = pair.key.scalar {
                if let first = seen[name] {
                    diagnostics.append(source.diagnostic(
                        "duplicate key '\(name)' in this mapping", at: pair.key.mark,
                        notes: [(first, "'\(name)' is first defined here")]))
                    continue
                }
                seen[name] = pair.key.mark
            }
            explicit.append(pair)
        }
        for pair in merged {
            guard let name = pair.key.scalar else { explicit.append(pair); continue }
            if seen[name] == nil {
                seen[name] = pair.key.mark
                explicit.append(pair)
            }
        }
        return explicit
    }

    /// `100000` → `100,000`.
    static func grouped(_ value: Int) -> String {
        var digits = String(value)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }

    private func isMergeKey(_ key: YAMLNode) -> Bool {
        guard case let .scalar(text, tag, style) = key.value else { return false }
        return tag == YAMLTag.merge || (text == "<<" && style.isPlain && tag == nil)
    }

    private mutating func mergeSources(_ value: YAMLNode) -> [(key: YAMLNode, value: YAMLNode)] {
        if let pairs = value.mapping { return pairs }
        if let items = value.sequence, items.allSatisfy({ $0.mapping != nil }) {
            return items.flatMap { $0.mapping ?? [] }
        }
        diagnostics.append(source.diagnostic(
            "a merge key '<<' needs a mapping or a sequence of mappings, found \(value.kindDescription)", at: value.mark))
        return []
    }
}
