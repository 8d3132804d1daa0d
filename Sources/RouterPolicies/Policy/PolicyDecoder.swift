/// Decodes a policy document section by section. Every accessor records a located diagnostic
/// and returns `nil` on a problem, so decoding carries on and the file's errors are all reported.
final class PolicyDecoder {
    let context: YAMLDecodingContext
    let baseDirectory: String
    /// Where a `scorer:` block's sidecar model is read from.
    var scorerResolver: any ScorerModelResolver = FileSystemScorerResolver()
    /// Declared tiers in order (filled first, so every later section can resolve references).
    var tiers: [Tier] = []
    /// Declared task names (filled before any section that references tasks).
    var taskNames: [String] = []
    /// The signals a `signals:` section adjusts: the bundled default policy's, or none when
    /// decoding that policy itself (its `signals:` defines every built-in signal).
    let builtInSignals: [ComplexitySignal]
    /// The policy's signal names (filled before the classifier, whose rules name contexts).
    var signalNames: [String] = []

    init(context: YAMLDecodingContext, baseDirectory: String, builtInSignals: [ComplexitySignal]) {
        self.context = context
        self.baseDirectory = baseDirectory
        self.builtInSignals = builtInSignals
    }

    static let topLevelKeys = ["name", "version", "prices", "baseline_tier", "default_tier", "tiers", "thresholds",
                               "tasks", "signals", "classifier", "rules", "escalation", "budgets", "variants", "scorer",
                               "caching"]
        + leverKeys

    func decodePolicy() -> Policy? {
        guard let root = context.mapping(context.root, required: ["name", "tiers", "tasks", "classifier"],
                                         optional: Array(Self.topLevelKeys.dropFirst()), what: "policy") else {
            return nil
        }
        let name = root["name"].flatMap(context.nonEmptyString)
        let version = root.present("version").flatMap(context.string) ?? "1"
        let prices = root.present("prices").flatMap(context.nonEmptyString).map {
            Policy.resolve(path: $0, against: baseDirectory)
        }
        tiers = root["tiers"].map(decodeTiers) ?? []
        if let tasksNode = root["tasks"], let pairs = tasksNode.mapping {
            taskNames = pairs.compactMap { $0.key.scalar }
        }
        let baseline = root.present("baseline_tier").flatMap(tierReference) ?? tiers.last?.name
        let defaultTier = root.present("default_tier").flatMap(tierReference) ?? tiers.first?.name
        let thresholds = root.present("thresholds").map { decodeThresholds($0, base: [:]) } ?? [:]
        let tasks = root["tasks"].map(decodeTasks) ?? [:]
        let signals = root.present("signals").map(decodeSignals) ?? ComplexityConfiguration(signals: builtInSignals)
        signalNames = signals.signals.map(\.name)
        let classifier = root["classifier"].flatMap(decodeClassifier)
        let rules = root.present("rules").map(decodeRules) ?? []
        let escalation = root.present("escalation").map(decodeEscalation) ?? EscalationSettings()
        let budgets = root.present("budgets").map(decodeBudgets) ?? []
        let variants = root.present("variants").flatMap { decodeVariants($0, thresholds: thresholds) }
        let scorer = root.present("scorer").flatMap(decodeScorer)
        let history = root.present("history").flatMap { decodeHistory($0, what: "history") }
        let preflight = root.present("preflight").flatMap { decodePreflight($0, what: "preflight") }

        let caching = root.present("caching").flatMap { decodeCaching($0, what: "caching") }

        guard let name, let classifier, let baseline, let defaultTier, !context.hasErrors else { return nil }
        var policy = Policy(name: name, version: version, tiers: tiers, baselineTier: baseline, defaultTier: defaultTier,
                            pricesFile: prices, tasks: tasks, signals: signals, thresholds: thresholds,
                            classifier: classifier, rules: rules, escalation: escalation, budgets: budgets,
                            variants: variants, scorer: scorer)
        policy.history = history
        policy.preflight = preflight
        policy.caching = caching
        return policy
    }

    // MARK: - Tiers

    func decodeTiers(_ node: YAMLNode) -> [Tier] {
        guard let items = context.sequence(node) else { return [] }
        if items.isEmpty { context.error("a policy needs at least one tier", at: node) }
        var result: [Tier] = []
        var seen: [String: SourceMark] = [:]
        for item in items {
            guard let map = context.mapping(item, required: ["name", "model", "context_window", "max_output_tokens"],
                                            optional: [], what: "tier") else { continue }
            let name = map["name"].flatMap(context.nonEmptyString)
            let model = map["model"].flatMap(context.nonEmptyString)
            let window = map["context_window"].flatMap { context.int($0, in: 1...Int(Int32.max)) }
            let output = map["max_output_tokens"].flatMap { context.int($0, in: 1...Int(Int32.max)) }
            if let name, let nameNode = map["name"] {
                if let first = seen[name] {
                    context.error("duplicate tier '\(name)'", at: nameNode, notes: [(first, "first defined here")])
                    continue
                }
                seen[name] = nameNode.mark
            }
            if let window, let output, output > window, let node = map["max_output_tokens"] {
                context.error("max_output_tokens \(output) exceeds the context window \(window)", at: node)
            }
            if let name {
                // A tier with a bad field still declares its name, so references to it do not
                // cascade into more errors; unlimited placeholders keep limit checks quiet.
                // (The policy is discarded anyway because an error was recorded.)
                result.append(Tier(name: name, model: model ?? "", contextWindow: window ?? Int(Int32.max),
                                   maxOutputTokens: output ?? Int(Int32.max)))
            }
        }
        return result
    }

    /// A tier name that must be declared; "unknown tier 'x' (did you mean …)" otherwise.
    func tierReference(_ node: YAMLNode) -> String? {
        guard let name = context.string(node) else { return nil }
        let names = tiers.map(\.name)
        if names.contains(name) { return name }
        if !tiers.isEmpty {
            context.error("unknown tier '\(name)'\(YAMLDecodingContext.suggestion(for: name, among: names))", at: node)
        }
        return nil
    }

    /// A task name that must be declared under `tasks:`.
    func taskReference(_ node: YAMLNode) -> String? {
        guard let name = context.string(node) else { return nil }
        if taskNames.contains(name) { return name }
        context.error("unknown task '\(name)'\(YAMLDecodingContext.suggestion(for: name, among: taskNames))", at: node)
        return nil
    }

    func index(ofTier name: String) -> Int? { tiers.firstIndex { $0.name == name } }

    // MARK: - Thresholds

    /// Minimum scores per tier; each 0…1, ascending with the tiers once merged over `base`.
    func decodeThresholds(_ node: YAMLNode, base: [String: Double]) -> [String: Double] {
        guard let map = context.mapping(node, what: "thresholds") else { return [:] }
        var result = base
        var nodes: [String: YAMLNode] = [:]
        for entry in map.entries {
            guard let tier = tierReference(entry.keyNode), let value = context.probability(entry.value) else { continue }
            result[tier] = value
            nodes[tier] = entry.value
        }
        var previous: (tier: String, value: Double)?
        for tier in tiers {
            guard let value = result[tier.name] else { continue }
            if let previous, value < previous.value, let node = nodes[tier.name] {
                context.error("threshold \(format(value)) for '\(tier.name)' is below the \(format(previous.value)) of "
                              + "'\(previous.tier)'; thresholds must ascend with the tiers", at: node)
            }
            previous = (tier.name, value)
        }
        return result
    }

    func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    // MARK: - Tasks

    func decodeTasks(_ node: YAMLNode) -> [String: TaskRoute] {
        guard let map = context.mapping(node, what: "tasks") else { return [:] }
        if map.entries.isEmpty { context.error("a policy needs at least one task", at: node) }
        var result: [String: TaskRoute] = [:]
        var seen: [String: SourceMark] = [:]
        for entry in map.entries {
            if let first = seen[entry.key] {
                context.error("duplicate task '\(entry.key)'", at: entry.keyNode, notes: [(first, "first defined here")])
                continue
            }
            seen[entry.key] = entry.keyNode.mark
            if let route = decodeRoute(entry.value, task: entry.key, keyNode: entry.keyNode) {
                result[entry.key] = route
            }
        }
        return result
    }

    func decodeRoute(_ node: YAMLNode, task: String, keyNode: YAMLNode) -> TaskRoute? {
        if node.isNull {
            context.error("task '\(task)' has no route: give 'tier', or 'min_tier'/'max_tier'", at: keyNode)
            return nil
        }
        guard let map = context.mapping(node, optional: ["tier", "min_tier", "max_tier", "max_tokens", "escalation", "thresholds",
                                                         "expected_output_tokens", "caching", "response_cache"] + Self.taskLeverKeys,
                                        what: "task '\(task)'") else { return nil }
        let tier = map.present("tier").flatMap(tierReference)
        let minTier = map.present("min_tier").flatMap(tierReference)
        let maxTier = map.present("max_tier").flatMap(tierReference)
        if map["tier"] == nil && map["min_tier"] == nil && map["max_tier"] == nil {
            context.error("task '\(task)' has no route: give 'tier', or 'min_tier'/'max_tier'", at: map.node)
            return nil
        }
        if map["tier"] != nil, let other = map["min_tier"] ?? map["max_tier"] {
            context.error("task '\(task)' gives both 'tier' and a tier range; use one or the other", at: other)
        }
        var low = minTier.flatMap(index(ofTier:)) ?? 0
        var high = maxTier.flatMap(index(ofTier:)) ?? max(tiers.count - 1, 0)
        if let minTier, let maxTier, low > high, let node = map["min_tier"] {
            context.error("min_tier '\(minTier)' is above max_tier '\(maxTier)'", at: node)
        }
        if let tier, let fixed = index(ofTier: tier) { low = fixed; high = fixed }
        var maxTokens = TaskRoute.defaultMaxTokens
        if let node = map.present("max_tokens"), let value = context.int(node, in: 1...Int(Int32.max)) {
            maxTokens = value
            if low <= high, tiers.indices.contains(low), tiers.indices.contains(high) {
                let smallest = tiers[low...high].min { $0.maxOutputTokens < $1.maxOutputTokens }
                if let smallest, value > smallest.maxOutputTokens {
                    context.error("max_tokens \(value) exceeds max_output_tokens \(smallest.maxOutputTokens) of "
                                  + "tier '\(smallest.name)'", at: node)
                }
            }
        }
        let escalation = map.present("escalation").map(decodeTierPath)
        // The task's own thresholds replace the policy's for its prompts, so they are checked
        // the same way; a fixed tier leaves nothing for them to choose.
        var thresholds: [String: Double]?
        if let node = map.present("thresholds") {
            if map["tier"] != nil {
                context.error("task '\(task)' has a fixed 'tier'; thresholds apply only to a min_tier/max_tier range",
                              at: node)
            } else {
                thresholds = decodeThresholds(node, base: [:])
            }
        }
        var expected: Int?
        if let node = map.present("expected_output_tokens"), let value = context.int(node, in: 1...Int(Int32.max)) {
            if value > maxTokens {
                context.error("expected_output_tokens \(value) exceeds the task's max_tokens \(maxTokens)", at: node)
            }
            expected = value
        }
        var route = TaskRoute(tier: tier, minTier: minTier, maxTier: maxTier, maxTokens: maxTokens,
                              escalation: escalation, thresholds: thresholds, expectedOutputTokens: expected)
        decodeTaskLevers(map, task: task, into: &route)
        decodeTaskCaching(map, task: task, into: &route)
        return route
    }

    /// A list of tier names in ascending order without repeats.
    func decodeTierPath(_ node: YAMLNode) -> [String] {
        guard let items = context.sequence(node) else { return [] }
        var result: [String] = []
        var last = -1
        for item in items {
            guard let name = tierReference(item), let position = index(ofTier: name) else { continue }
            if position <= last {
                context.error("escalation path must list tiers in ascending order without repeats; "
                              + "'\(name)' comes after '\(tiers[last].name)'", at: item)
                continue
            }
            last = position
            result.append(name)
        }
        return result
    }
}
