/// The cost-lever sections: `history:` and `preflight:` (top level or per task) and a task's
/// `deferrable:` flag.
extension PolicyDecoder {
    /// Top-level keys of the cost-lever sections.
    static let leverKeys = ["history", "preflight"]
    /// Task keys of the cost-lever sections.
    static let taskLeverKeys = ["deferrable", "history", "preflight"]
    static let historyKeys = ["max_messages", "max_input_tokens", "keep_system", "keep_first_user_turn", "summarize"]
    static let preflightKeys = ["use", "when", "margin"]
    /// The only pre-flight method: the Messages API's free token count.
    static let preflightMethods = ["count_tokens"]

    /// A task's `deferrable`, `history` and `preflight` keys.
    func decodeTaskLevers(_ map: YAMLMapping, task: String, into route: inout TaskRoute) {
        if let node = map.present("deferrable"), let value = context.bool(node) { route.deferrable = value }
        route.history = map.present("history").flatMap { decodeHistory($0, what: "history of task '\(task)'") }
        route.preflight = map.present("preflight").flatMap { decodePreflight($0, what: "preflight of task '\(task)'") }
    }

    /// `history: { max_messages, max_input_tokens, keep_system, keep_first_user_turn, summarize }`;
    /// at least one cap is required (a section that caps nothing is a mistake worth reporting).
    func decodeHistory(_ node: YAMLNode, what: String) -> HistorySettings? {
        guard let map = context.mapping(node, optional: Self.historyKeys, what: what) else { return nil }
        var settings = HistorySettings()
        settings.maxMessages = map.present("max_messages").flatMap { context.int($0, in: 1...Int(Int32.max)) }
        settings.maxInputTokens = map.present("max_input_tokens").flatMap { context.int($0, in: 1...Int(Int32.max)) }
        if let value = map.present("keep_system").flatMap(context.bool) { settings.keepSystem = value }
        if let value = map.present("keep_first_user_turn").flatMap(context.bool) { settings.keepFirstUserTurn = value }
        if let value = map.present("summarize").flatMap(context.bool) { settings.summarize = value }
        if map["max_messages"] == nil && map["max_input_tokens"] == nil {
            context.error("\(what) caps nothing: give 'max_messages' and/or 'max_input_tokens'", at: map.node)
            return nil
        }
        return settings
    }

    /// `preflight: count_tokens` (counted on every call) or
    /// `preflight: { use: count_tokens, when: always | near_limit, margin: 0.1 }`.
    func decodePreflight(_ node: YAMLNode, what: String) -> PreflightSettings? {
        if node.scalar != nil {
            guard context.oneOf(node, Self.preflightMethods) != nil else { return nil }
            return PreflightSettings()
        }
        guard let map = context.mapping(node, optional: Self.preflightKeys, what: what) else { return nil }
        var settings = PreflightSettings()
        if let use = map.present("use"), context.oneOf(use, Self.preflightMethods) == nil { return nil }
        if let node = map.present("when") {
            guard let when = context.enumValue(node, as: PreflightSettings.When.self) else { return nil }
            settings.when = when
        }
        if let node = map.present("margin") {
            guard let margin = context.double(node, in: 0...1) else { return nil }
            settings.margin = margin
        }
        return settings
    }
}
