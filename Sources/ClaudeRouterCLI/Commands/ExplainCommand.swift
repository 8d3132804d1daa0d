import ArgumentParser
import ClaudeRouterEval
import Foundation
import RouterPolicies

/// `claude-router explain`: the routing decision for a prompt, and why.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the routing decision and its reasons for a prompt (no API call).",
        discussion: """
        Input is one of: a PROMPT argument, --file F (the whole file is one prompt), or --jsonl F \
        ('-' for any of them reads standard input) \
        with one JSON object per line: {"prompt": "...", "task": "...", "metadata": {"user": "..."}} \
        (task and metadata optional; an "id" is echoed back). With --jsonl the output is one JSON \
        line per input line; bad lines are reported as F:LINE: error: ... and the exit code is 65.
        """)

    @OptionGroup var routing: RoutingOptions

    @Flag(help: "Print the decision as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Read the prompt from a file ('-': standard input).", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("Read one JSON request per line ('-': standard input); print one JSON decision per line.", valueName: "file"))
    var jsonl: String?

    @Argument(help: "The prompt text.")
    var prompt: String?

    func validate() throws {
        let sources = [prompt != nil, file != nil, jsonl != nil].filter { $0 }.count
        if sources != 1 { throw ValidationError("give exactly one of PROMPT, --file or --jsonl") }
        if let prompt, prompt.allSatisfy(\.isWhitespace) {
            throw ValidationError("the prompt is empty: give the text to explain")
        }
    }

    func run() async throws {
        let policy = try Inputs.policy(routing.policy)
        routing.warnAboutUnknownTask(in: policy)
        let engine = PolicyEngine(policy: policy)
        let metadata = try Inputs.metadata(routing.metadataPairs)
        if let jsonl {
            try explainLines(jsonl, engine: engine, metadata: metadata)
            return
        }
        let text = try file.map(Inputs.text(of:)) ?? (prompt == "-" ? Inputs.standardInput() : prompt) ?? ""
        if text.allSatisfy(\.isWhitespace) { throw CLIError.usage("the prompt is empty: give the text to explain") }
        let input = RoutingInput(text: text, task: routing.task, metadata: metadata)
        let decision = engine.decide(input)
        if json {
            Terminal.writeOut(try DecisionJSON(decision, policy: engine.policy).encoded(pretty: true) + "\n")
        } else {
            Terminal.writeOut(Self.describe(decision, policy: engine.policy))
        }
    }

    func explainLines(_ path: String, engine: PolicyEngine, metadata: [String: String]) throws {
        let text = try Inputs.text(of: path)
        var errors: [String] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                let request = try ExplainRequest.parse(trimmed)
                let input = RoutingInput(text: request.prompt, task: request.task ?? routing.task,
                                         metadata: metadata.merging(request.metadata) { _, line in line })
                var output = DecisionJSON(engine.decide(input), policy: engine.policy)
                output.line = offset + 1
                output.id = request.id
                Terminal.writeOut(try output.encoded(pretty: false) + "\n")
            } catch let error as ExplainRequest.Problem {
                errors.append("\(Inputs.label(path)):\(offset + 1): error: \(error.message)")
            }
        }
        if !errors.isEmpty { throw CLIError.data(errors.joined(separator: "\n")) }
    }

    static func describe(_ d: RoutingDecision, policy: Policy) -> String {
        func fixed(_ x: Double) -> String { String(format: "%.2f", x) }
        var lines = [
            "policy:     \(policy.name)",
            "tier:       \(d.tier) (\(d.model)), max_tokens \(d.maxTokens)",
            "task:       \(d.task) (confidence \(fixed(d.taskConfidence)))",
            "score:      \(fixed(d.score)) — \(Self.scoreOrigin(d, policy: policy))",
            "rule:       \(d.matchedRule ?? "none")",
        ]
        if let variant = d.variant { lines.append("variant:    \(variant)") }
        lines.append("escalation: \(d.escalationPath.isEmpty ? "none" : d.escalationPath.joined(separator: " → "))")
        lines.append("input:      ~\(d.estimatedInputTokens) tokens")
        lines.append("reason:     \(d.reason)")
        if let thresholds = Self.thresholdsLine(d, policy: policy) { lines.append(thresholds) }
        let fired = d.contributions.filter { $0.strength > 0 }
        if !fired.isEmpty {
            // A learned scorer's contributions are its top features, in logit units (docs/CALIBRATION.md).
            switch d.scoreSource {
            case .learned: lines.append("features:   (learned score; contributions in logit units)")
            case .blend:
                let h = fixed(policy.scorer?.heuristicWeight ?? 0)
                lines.append("signals:    (blend: each hand-made signal × \(h); `learned` = the learned score's share, "
                             + "its top features as evidence)")
            default: lines.append("signals:")
            }
            var table = TextTable(headers: [])
            for c in fired.sorted(by: { $0.contribution > $1.contribution }) {
                table.append(["  \(c.name)", (c.contribution < 0 ? "" : "+") + fixed(c.contribution), "weight \(fixed(c.weight))",
                                   "strength \(fixed(c.strength))", c.evidence.prefix(4).joined(separator: ", ")])
            }
            lines.append(table.rendered)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ExplainCommand {
    /// Which score decided, in words: `hand-made complexity score`, `learned score`,
    /// `0.05 × learned 0.31 + 0.95 × hand-made 0.12 (heuristic_weight)`, or the guard's fallback
    /// with its reason.
    static func scoreOrigin(_ d: RoutingDecision, policy: Policy) -> String {
        func fixed(_ x: Double) -> String { String(format: "%.2f", x) }
        switch d.scoreSource {
        case .heuristic: return "hand-made complexity score"
        case .learned: return "learned score"
        case .blend:
            let h = policy.scorer?.heuristicWeight ?? 0
            return "blend: \(fixed(1 - h)) × learned \(fixed(d.learnedScore ?? 0)) + \(fixed(h)) × hand-made "
                + "\(fixed(d.heuristicScore ?? 0)) (heuristic_weight)"
        case .fallbackNoSignal:
            return "hand-made score: the learned score's guard fell back (no hand-made signal fired; no_signal_fallback)"
        case .fallbackUnknownText:
            let share = policy.scorer.map { String(format: "%.0f%%", $0.minKnownFraction * 100) } ?? "?"
            return "hand-made score: the learned score's guard fell back (under \(share) of the text's n-grams "
                + "were seen in training; min_known_fraction)"
        }
    }

    /// The thresholds the score was compared with, tier → value (`nil` when none was compared:
    /// a task's fixed tier, or the default tier for a prompt without a signal).
    static func appliedThresholds(_ d: RoutingDecision, policy: Policy) -> [String: Double]? {
        guard let source = d.thresholdSource else { return nil }
        let variant = policy.variants?.variants.first { $0.name == d.variant }
        if source == .task, let own = variant?.overrides.tasks[d.task]?.thresholds ?? policy.tasks[d.task]?.thresholds {
            return own
        }
        var global = policy.thresholds
        global.merge(variant?.overrides.thresholds ?? [:]) { _, new in new }
        return global
    }

    /// `thresholds: task qa's own (haiku 0.00, sonnet 0.31)` or `thresholds: the policy's (…)` —
    /// which thresholds the score was compared with; `nil` when none was.
    static func thresholdsLine(_ d: RoutingDecision, policy: Policy) -> String? {
        guard let source = d.thresholdSource, let map = appliedThresholds(d, policy: policy) else { return nil }
        let list = policy.tiers.compactMap { tier in map[tier.name].map { "\(tier.name) \(String(format: "%.2f", $0))" } }
            .joined(separator: ", ")
        switch source {
        case .task: return "thresholds: thresholds of task \(d.task) (\(list))"
        case .policy:
            let hasOwn = policy.tasks.values.contains { $0.thresholds != nil }
            return "thresholds: the policy's (\(list))" + (hasOwn ? "; task \(d.task) has none of its own" : "")
        }
    }
}

/// One `--jsonl` input line.
struct ExplainRequest {
    struct Problem: Error { var message: String }

    var id: String?
    var prompt: String
    var task: String?
    var metadata: [String: String]

    static func parse(_ line: String) throws(Problem) -> ExplainRequest {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
            throw Problem(message: "not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else { throw Problem(message: "expected a JSON object") }
        let known: Set<String> = ["id", "prompt", "task", "metadata"]
        if let unknown = dictionary.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(message: "unknown key '\(unknown)' (expected prompt, task, metadata, id)")
        }
        guard let prompt = dictionary["prompt"] as? String else {
            throw Problem(message: dictionary["prompt"] == nil ? "missing \"prompt\"" : "\"prompt\" must be a string")
        }
        var task: String?
        if let value = dictionary["task"], !(value is NSNull) {
            guard let string = value as? String else { throw Problem(message: "\"task\" must be a string") }
            task = string
        }
        var metadata: [String: String] = [:]
        if let value = dictionary["metadata"], !(value is NSNull) {
            guard let map = value as? [String: Any] else { throw Problem(message: "\"metadata\" must be an object of strings") }
            for (key, item) in map {
                guard let string = item as? String else { throw Problem(message: "metadata \"\(key)\" must be a string") }
                metadata[key] = string
            }
        }
        var id: String?
        if let value = dictionary["id"] {
            if let string = value as? String { id = string }
            else if let number = value as? NSNumber { id = number.stringValue }
            else { throw Problem(message: "\"id\" must be a string or number") }
        }
        return ExplainRequest(id: id, prompt: prompt, task: task, metadata: metadata)
    }
}

/// The JSON form of a decision (`explain --json`, `--jsonl`): the decision's own fields under
/// snake_case keys (the Messages API's convention), plus the policy name and, for `--jsonl`,
/// the input line and its `id`. It wraps the decision rather than copying its fields.
struct DecisionJSON: Encodable {
    var decision: RoutingDecision
    var policy: String
    var line: Int?
    var id: String?

    /// The thresholds the score was compared with (tier → value), when any was.
    var thresholds: [String: Double]?

    init(_ decision: RoutingDecision, policy: Policy) {
        self.decision = decision
        self.policy = policy.name
        self.thresholds = ExplainCommand.appliedThresholds(decision, policy: policy)
    }

    enum CodingKeys: String, CodingKey {
        case line, id, policy, tier, model, task, score, variant, reason, contributions
        case maxTokens = "max_tokens", taskConfidence = "task_confidence", matchedRule = "matched_rule"
        case escalationPath = "escalation_path", estimatedInputTokens = "estimated_input_tokens"
        case scoreSource = "score_source", learnedScore = "learned_score", heuristicScore = "heuristic_score"
        case thresholdsSource = "thresholds_source", thresholds
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(line, forKey: .line)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(policy, forKey: .policy)
        try container.encode(decision.tier, forKey: .tier)
        try container.encode(decision.model, forKey: .model)
        try container.encode(decision.maxTokens, forKey: .maxTokens)
        try container.encode(decision.task, forKey: .task)
        try container.encode(decision.taskConfidence, forKey: .taskConfidence)
        try container.encode(decision.score, forKey: .score)
        try container.encodeIfPresent(decision.matchedRule, forKey: .matchedRule)
        try container.encodeIfPresent(decision.variant, forKey: .variant)
        try container.encode(decision.escalationPath, forKey: .escalationPath)
        try container.encode(decision.estimatedInputTokens, forKey: .estimatedInputTokens)
        try container.encode(decision.reason, forKey: .reason)
        try container.encode(decision.contributions, forKey: .contributions)
        try container.encode(decision.scoreSource.rawValue, forKey: .scoreSource)
        try container.encodeIfPresent(decision.learnedScore, forKey: .learnedScore)
        try container.encodeIfPresent(decision.heuristicScore, forKey: .heuristicScore)
        try container.encodeIfPresent(decision.thresholdSource?.rawValue, forKey: .thresholdsSource)
        try container.encodeIfPresent(thresholds, forKey: .thresholds)
    }

    func encoded(pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
