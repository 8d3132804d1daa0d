extension PolicyDecoder {
    // MARK: - Override rules

    func decodeRules(_ node: YAMLNode) -> [OverrideRule] {
        guard let items = context.sequence(node) else { return [] }
        var result: [OverrideRule] = []
        var seen: [String: SourceMark] = [:]
        for item in items {
            guard let map = context.mapping(item, required: ["name", "then"], optional: ["when"], what: "rule") else {
                continue
            }
            let name = map["name"].flatMap(context.nonEmptyString)
            if let name, let nameNode = map["name"] {
                if let first = seen[name] {
                    context.error("duplicate rule '\(name)'", at: nameNode, notes: [(first, "first defined here")])
                }
                seen[name] = nameNode.mark
            }
            let match = map.present("when").flatMap(decodeMatch) ?? OverrideRule.Match()
            let action = map["then"].flatMap { decodeAction($0, rule: name ?? "?") }
            if let name, let action { result.append(OverrideRule(name: name, match: match, action: action)) }
        }
        return result
    }

    private func decodeMatch(_ node: YAMLNode) -> OverrideRule.Match? {
        guard let map = context.mapping(node, optional: ["task", "metadata", "score", "input_tokens"],
                                        what: "rule condition") else { return nil }
        var match = OverrideRule.Match()
        if let node = map.present("task") {
            if node.sequence != nil {
                match.tasks = context.sequence(node)?.compactMap(taskReference)
            } else {
                match.tasks = taskReference(node).map { [$0] }
            }
        }
        if let node = map.present("metadata"), let entries = context.mapping(node, what: "metadata condition") {
            for entry in entries.entries {
                if let values = stringList(entry.value) { match.metadata[entry.key] = values }
            }
        }
        if let node = map.present("score"), let range = context.mapping(node, optional: ["min", "max"], what: "score") {
            match.minScore = range.present("min").flatMap(context.probability)
            match.maxScore = range.present("max").flatMap(context.probability)
            if let low = match.minScore, let high = match.maxScore, low > high, let at = range["min"] {
                context.error("score min \(format(low)) is above max \(format(high))", at: at)
            }
        }
        if let node = map.present("input_tokens"),
           let range = context.mapping(node, optional: ["min", "max"], what: "input_tokens") {
            match.minInputTokens = range.present("min").flatMap { context.int($0, in: 0...Int(Int32.max)) }
            match.maxInputTokens = range.present("max").flatMap { context.int($0, in: 0...Int(Int32.max)) }
            if let low = match.minInputTokens, let high = match.maxInputTokens, low > high, let at = range["min"] {
                context.error("input_tokens min \(low) is above max \(high)", at: at)
            }
        }
        return match
    }

    private func decodeAction(_ node: YAMLNode, rule: String) -> OverrideRule.Action? {
        guard let map = context.mapping(node, optional: ["tier", "min_tier", "max_tier", "max_tokens"],
                                        what: "rule action") else { return nil }
        if map.entries.isEmpty {
            context.error("rule '\(rule)' has no action: give 'tier', 'min_tier', 'max_tier' or 'max_tokens'", at: node)
            return nil
        }
        var action = OverrideRule.Action()
        action.tier = map.present("tier").flatMap(tierReference)
        action.minTier = map.present("min_tier").flatMap(tierReference)
        action.maxTier = map.present("max_tier").flatMap(tierReference)
        if let low = action.minTier.flatMap(index(ofTier:)), let high = action.maxTier.flatMap(index(ofTier:)),
           low > high, let at = map["min_tier"] {
            context.error("min_tier '\(action.minTier ?? "")' is above max_tier '\(action.maxTier ?? "")'", at: at)
        }
        if let node = map.present("max_tokens"), let value = context.int(node, in: 1...Int(Int32.max)) {
            action.maxTokens = value
            if let cap = (action.tier ?? action.maxTier).flatMap(index(ofTier:)), value > tiers[cap].maxOutputTokens {
                context.error("max_tokens \(value) exceeds max_output_tokens \(tiers[cap].maxOutputTokens) of "
                              + "tier '\(tiers[cap].name)'", at: node)
            }
        }
        return action
    }

    // MARK: - Escalation

    func decodeEscalation(_ node: YAMLNode) -> EscalationSettings {
        var settings = EscalationSettings()
        guard let map = context.mapping(node, optional: ["enabled", "max_steps", "on"], what: "escalation") else {
            return settings
        }
        if let node = map.present("enabled"), let value = context.bool(node) { settings.enabled = value }
        if let node = map.present("max_steps"), let value = context.int(node, in: 0...max(tiers.count - 1, 0)) {
            settings.maxSteps = value
        } else if map.present("max_steps") == nil {
            settings.maxSteps = min(settings.maxSteps, max(tiers.count - 1, 0))
        }
        if let node = map.present("on"), let items = context.sequence(node) {
            settings.triggers = Set(items.compactMap { context.enumValue($0, as: EscalationTrigger.self) })
        }
        return settings
    }

    // MARK: - Budgets

    func decodeBudgets(_ node: YAMLNode) -> [BudgetRule] {
        guard let items = context.sequence(node) else { return [] }
        var result: [BudgetRule] = []
        var seen: [String: SourceMark] = [:]
        for item in items {
            guard let map = context.mapping(item, required: ["name", "scope", "period", "hard_usd"],
                                            optional: ["soft_usd", "on_hard_limit"], what: "budget") else { continue }
            let name = map["name"].flatMap(context.nonEmptyString)
            if let name, let nameNode = map["name"] {
                if let first = seen[name] {
                    context.error("duplicate budget '\(name)'", at: nameNode, notes: [(first, "first defined here")])
                }
                seen[name] = nameNode.mark
            }
            let scope = map["scope"].flatMap(decodeScope)
            let period = map["period"].flatMap { context.enumValue($0, as: BudgetRule.Period.self) }
            let hard = map["hard_usd"].flatMap(context.usd)
            let soft = map.present("soft_usd").flatMap(context.usd)
            let action = map.present("on_hard_limit").flatMap { context.enumValue($0, as: BudgetRule.HardLimitAction.self) }
            if let soft, let hard, soft > hard, let node = map["soft_usd"] {
                context.error("soft_usd \(soft.exactDecimal) is above hard_usd \(hard.exactDecimal)", at: node)
            }
            if let name, let scope, let period, let hard {
                result.append(BudgetRule(name: name, scope: scope, period: period, softLimit: soft, hardLimit: hard,
                                         onHardLimit: action ?? .reject))
            }
        }
        return result
    }

    private func decodeScope(_ node: YAMLNode) -> BudgetRule.Scope? {
        guard let text = context.string(node) else { return nil }
        if text == "global" { return .global }
        if text == "task" { return .task(nil) }
        if text.hasPrefix("task:") {
            let task = String(text.dropFirst(5))
            if taskNames.contains(task) { return .task(task) }
            context.error("unknown task '\(task)' in budget scope"
                          + YAMLDecodingContext.suggestion(for: task, among: taskNames), at: node)
            return nil
        }
        if text.hasPrefix("metadata:"), text.count > 9 { return .metadata(key: String(text.dropFirst(9))) }
        context.error("unknown budget scope '\(text)' (expected 'global', 'task', 'task:NAME' or 'metadata:KEY')",
                      at: node)
        return nil
    }

    // MARK: - Variants

    func decodeVariants(_ node: YAMLNode, thresholds: [String: Double]) -> VariantSet? {
        guard let map = context.mapping(node, required: ["assign_by", "arms"], optional: [], what: "variants") else {
            return nil
        }
        let key = map["assign_by"].flatMap(context.nonEmptyString)
        var variants: [Variant] = []
        var seen: [String: SourceMark] = [:]
        if let armsNode = map["arms"], let items = context.sequence(armsNode) {
            for item in items {
                guard let arm = context.mapping(item, required: ["name", "weight"], optional: ["overrides"],
                                                what: "variant") else { continue }
                let name = arm["name"].flatMap(context.nonEmptyString)
                if let name, let nameNode = arm["name"] {
                    if let first = seen[name] {
                        context.error("duplicate variant '\(name)'", at: nameNode, notes: [(first, "first defined here")])
                    }
                    seen[name] = nameNode.mark
                }
                let weight = arm["weight"].flatMap { context.double($0, in: 0...1_000_000) }
                let overrides = arm.present("overrides").map { decodeOverrides($0, thresholds: thresholds) } ?? .init()
                if let name, let weight { variants.append(Variant(name: name, weight: weight, overrides: overrides)) }
            }
            if items.count == variants.count, variants.reduce(0, { $0 + $1.weight }) <= 0 {
                context.error("variant weights must sum to a positive number", at: armsNode)
            }
        }
        guard let key else { return nil }
        return VariantSet(assignBy: key, variants: variants)
    }

    private func decodeOverrides(_ node: YAMLNode, thresholds: [String: Double]) -> Variant.Overrides {
        var overrides = Variant.Overrides()
        guard let map = context.mapping(node, optional: ["thresholds", "tasks", "default_tier", "models"],
                                        what: "variant overrides") else { return overrides }
        if let node = map.present("thresholds") {
            let merged = decodeThresholds(node, base: thresholds)
            if let keys = node.mapping?.compactMap({ $0.key.scalar }) {
                for key in keys { if let value = merged[key] { overrides.thresholds[key] = value } }
            }
        }
        if let node = map.present("tasks"), let tasks = context.mapping(node, what: "variant tasks") {
            for entry in tasks.entries where taskReference(entry.keyNode) != nil {
                if let route = decodeRoute(entry.value, task: entry.key, keyNode: entry.keyNode) {
                    overrides.tasks[entry.key] = route
                }
            }
        }
        overrides.defaultTier = map.present("default_tier").flatMap(tierReference)
        if let node = map.present("models"), let models = context.mapping(node, what: "variant models") {
            for entry in models.entries {
                if let tier = tierReference(entry.keyNode), let model = context.nonEmptyString(entry.value) {
                    overrides.models[tier] = model
                }
            }
        }
        return overrides
    }
}
