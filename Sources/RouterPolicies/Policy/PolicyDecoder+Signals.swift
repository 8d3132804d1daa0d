extension PolicyDecoder {
    static let signalKinds = ["input_size", "keywords", "patterns", "structure", "questions", "constraints",
                              "attachments", "tools", "conversation_depth", "code"]
    static let signalKeys = ["kind", "weight", "keywords", "add_keywords", "patterns", "markers", "full_at", "domain"]

    // MARK: - Signals

    /// The built-in signals (those of the bundled default policy) adjusted by name, plus new
    /// ones (which must give `kind`).
    func decodeSignals(_ node: YAMLNode) -> ComplexityConfiguration {
        var signals = builtInSignals
        guard let map = context.mapping(node, what: "signals") else { return .init(signals: signals) }
        for entry in map.entries {
            guard let spec = context.mapping(entry.value, optional: Self.signalKeys,
                                             what: "signal '\(entry.key)'") else { continue }
            let existing = signals.firstIndex { $0.name == entry.key }
            if existing == nil && spec["kind"] == nil {
                let builtIn = builtInSignals.map(\.name)
                context.error("signal '\(entry.key)' is not built in, so it needs a 'kind'"
                              + YAMLDecodingContext.suggestion(for: entry.key, among: builtIn), at: entry.keyNode)
                continue
            }
            if let signal = decodeSignal(name: entry.key, spec: spec, base: existing.map { signals[$0] }) {
                if let existing { signals[existing] = signal } else { signals.append(signal) }
            }
        }
        return .init(signals: signals)
    }

    private func decodeSignal(name: String, spec: YAMLMapping, base: ComplexitySignal?) -> ComplexitySignal? {
        let weight = spec.present("weight").flatMap { context.double($0, in: 0...1_000) } ?? base?.weight ?? 1
        let fullAt = spec.present("full_at").flatMap { context.int($0, in: 1...Int(Int32.max)) }
        let keywords = spec.present("keywords").flatMap(stringList)
        let extra = spec.present("add_keywords").flatMap(stringList)
        let patterns = spec.present("patterns").flatMap(regexList)
        let markers = spec.present("markers").flatMap(markerList)
        let isDomain = spec.present("domain").flatMap(context.bool) ?? base?.isDomain ?? false
        let kindName = spec.present("kind").flatMap { context.oneOf($0, Self.signalKinds) }
        if spec["kind"] != nil && kindName == nil { return nil }

        var kind: ComplexitySignal.Kind
        if let kindName {
            kind = Self.emptyKind(kindName)
        } else if let base {
            kind = base.kind
        } else {
            return nil
        }
        let wordsAllowed: Bool
        switch kind {
        case .keywords(let old, let full):
            kind = .keywords((keywords ?? (kindName == nil ? old : [])) + (extra ?? []), fullAt: fullAt ?? full)
            wordsAllowed = true
        case .code(let old, let full):
            kind = .code(keywords: (keywords ?? (kindName == nil ? old : [])) + (extra ?? []), fullAt: fullAt ?? full)
            wordsAllowed = true
        case .patterns(let old, let full):
            kind = .patterns(patterns ?? old, fullAt: fullAt ?? full)
            wordsAllowed = false
        case .structure(let old, let full):
            kind = .structure(markers ?? old, fullAt: fullAt ?? full)
            wordsAllowed = false
        case .inputSize(let full): kind = .inputSize(fullAtTokens: fullAt ?? full); wordsAllowed = false
        case .questions(let full): kind = .questions(fullAt: fullAt ?? full); wordsAllowed = false
        case .constraints(let full): kind = .constraints(fullAt: fullAt ?? full); wordsAllowed = false
        case .attachments(let full): kind = .attachments(fullAt: fullAt ?? full); wordsAllowed = false
        case .tools(let full): kind = .tools(fullAt: fullAt ?? full); wordsAllowed = false
        case .conversationDepth(let full): kind = .conversationDepth(fullAt: fullAt ?? full); wordsAllowed = false
        }
        for key in ["keywords", "add_keywords"] where !wordsAllowed {
            if let node = spec[key] {
                context.error("'\(key)' applies only to keywords and code signals; '\(name)' is not one", at: node)
            }
        }
        if case .patterns = kind {} else if let node = spec["patterns"] {
            context.error("'patterns' applies only to patterns signals; '\(name)' is not one", at: node)
        }
        if case .structure = kind {} else if let node = spec["markers"] {
            context.error("'markers' applies only to structure signals; '\(name)' is not one", at: node)
        }
        if kindName == "structure", spec["markers"] == nil {
            context.error("structure signal '\(name)' needs 'markers'", at: spec.node)
        }
        if kindName == "keywords", keywords == nil, extra == nil {
            context.error("keywords signal '\(name)' needs 'keywords'", at: spec.node)
        }
        if kindName == "patterns", patterns == nil, spec["patterns"] == nil {
            context.error("patterns signal '\(name)' needs 'patterns'", at: spec.node)
        }
        return ComplexitySignal(name: name, weight: weight, kind: kind, isDomain: isDomain)
    }

    /// A list of structure marker names (`numbered_steps`, `first_then`, `code_fences`).
    func markerList(_ node: YAMLNode) -> [StructureMarker]? {
        let names = StructureMarker.allCases.map(\.rawValue)
        let items = node.scalar != nil && !node.isNull ? [node] : context.sequence(node)
        guard let items else { return nil }
        let values = items.compactMap { context.oneOf($0, names).flatMap(StructureMarker.init(rawValue:)) }
        return values.count == items.count ? values : nil
    }

    private static func emptyKind(_ name: String) -> ComplexitySignal.Kind {
        switch name {
        case "input_size": .inputSize(fullAtTokens: 8_000)
        case "keywords": .keywords([], fullAt: 3)
        case "patterns": .patterns([], fullAt: 1)
        case "structure": .structure([], fullAt: 2)
        case "questions": .questions(fullAt: 4)
        case "constraints": .constraints(fullAt: 6)
        case "attachments": .attachments(fullAt: 3)
        case "tools": .tools(fullAt: 5)
        case "conversation_depth": .conversationDepth(fullAt: 12)
        default: .code(keywords: [], fullAt: 6)
        }
    }

    // MARK: - Lists and regular expressions

    /// A single string or a list of strings.
    func stringList(_ node: YAMLNode) -> [String]? {
        if node.scalar != nil && !node.isNull { return context.nonEmptyString(node).map { [$0] } }
        guard let items = context.sequence(node) else { return nil }
        let values = items.compactMap(context.nonEmptyString)
        return values.count == items.count ? values : nil
    }

    func regexList(_ node: YAMLNode) -> [SafeRegex]? {
        if node.scalar != nil && !node.isNull { return regex(node).map { [$0] } }
        guard let items = context.sequence(node) else { return nil }
        let values = items.compactMap(regex)
        return values.count == items.count ? values : nil
    }

    /// Compiles a pattern; on failure the caret points at the offending character when the
    /// scalar is written on one line without escapes (plain or single-quoted), else at the scalar.
    func regex(_ node: YAMLNode) -> SafeRegex? {
        guard let pattern = context.nonEmptyString(node) else { return nil }
        do {
            return try SafeRegex(pattern, caseInsensitive: true)
        } catch {
            var mark = node.mark
            if case .scalar(_, _, let style) = node.value, style == .plain || style == .singleQuoted,
               !pattern.contains("'"), !pattern.contains("\n") {
                let prefix = pattern.utf8.prefix(max(0, error.offset))
                let columns = String(decoding: prefix, as: UTF8.self).unicodeScalars.count
                mark.column += columns + (style == .singleQuoted ? 1 : 0)
            }
            context.error("invalid regular expression: \(error.message)", at: mark)
            return nil
        }
    }

    // MARK: - Classifier

    func decodeClassifier(_ node: YAMLNode) -> ClassifierSettings? {
        guard let map = context.mapping(node, required: ["fallback_task"],
                                        optional: ["minimum_confidence", "pin_confidence", "rules"],
                                        what: "classifier") else { return nil }
        let confidence = map.present("minimum_confidence").flatMap(context.probability) ?? 0.3
        let pin = map.present("pin_confidence").flatMap(context.probability) ?? ClassifierSettings.defaultPinConfidence
        let fallback = map["fallback_task"].flatMap(taskReference)
        var rules: [TaskClassifierRule] = []
        if let node = map.present("rules"), let items = context.sequence(node) {
            for item in items {
                guard let rule = context.mapping(item, required: ["task"],
                                                 optional: ["keywords", "patterns", "markers", "weight", "context"],
                                                 what: "classifier rule") else { continue }
                let task = rule["task"].flatMap(taskReference)
                let keywords = rule.present("keywords").flatMap(stringList)
                let patterns = rule.present("patterns").flatMap(regexList)
                let markers = rule.present("markers").flatMap(markerList)
                let weight = rule.present("weight").flatMap { context.double($0, in: 0...1_000) } ?? 1
                let contextNames = rule.present("context").flatMap(signalReferences)
                if rule["keywords"] == nil && rule["patterns"] == nil && rule["markers"] == nil {
                    context.error("classifier rule needs 'keywords', 'patterns' or 'markers'", at: item)
                }
                if weight <= 0, let node = rule["weight"] {
                    context.error("classifier rule weight must be positive", at: node)
                }
                if let task {
                    rules.append(TaskClassifierRule(task: task, keywords: keywords ?? [], patterns: patterns ?? [],
                                                    markers: markers ?? [], weight: weight,
                                                    context: contextNames ?? []))
                }
            }
        }
        guard let fallback else { return nil }
        return ClassifierSettings(rules: rules, minimumConfidence: confidence, pinConfidence: pin,
                                  fallbackTask: fallback)
    }

    /// One or more names of the policy's signals (a rule's `context`).
    private func signalReferences(_ node: YAMLNode) -> [String]? {
        let items = node.scalar != nil && !node.isNull ? [node] : context.sequence(node)
        guard let items else { return nil }
        let names = signalNames
        let values = items.compactMap { item -> String? in
            guard let name = context.nonEmptyString(item) else { return nil }
            guard names.contains(name) else {
                context.error("unknown signal '\(name)'" + YAMLDecodingContext.suggestion(for: name, among: names),
                              at: item)
                return nil
            }
            return name
        }
        return values.count == items.count ? values : nil
    }
}
