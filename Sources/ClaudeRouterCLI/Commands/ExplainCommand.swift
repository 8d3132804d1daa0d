import ArgumentParser
import ClaudeClient
import ClaudeRouterEval
import Foundation
import Router
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

    @Option(help: ArgumentHelp("Read one Messages request (JSON: messages, system, tools; model optional) "
                               + "and show what history trimming and pre-flight would do to it.", valueName: "file"))
    var request: String?

    @Option(help: ArgumentHelp("Cache-aware routing: the tier the conversation (--metadata SESSION_KEY=…) last ran on.",
                               valueName: "tier"))
    var previousTier: String?

    @Option(help: ArgumentHelp("Cache-aware routing: tokens of the conversation's warm prefix on --previous-tier (default 0).",
                               valueName: "tokens"))
    var cachedPrefixTokens: Int?

    @Argument(help: "The prompt text.")
    var prompt: String?

    func validate() throws {
        let sources = [prompt != nil, file != nil, jsonl != nil, request != nil].filter { $0 }.count
        if sources != 1 { throw ValidationError("give exactly one of PROMPT, --file, --jsonl or --request") }
        if let prompt, prompt.allSatisfy(\.isWhitespace) {
            throw ValidationError("the prompt is empty: give the text to explain")
        }
        if cachedPrefixTokens != nil && previousTier == nil {
            throw ValidationError("--cached-prefix-tokens needs --previous-tier (the tier whose cache holds the prefix)")
        }
        if let cachedPrefixTokens, cachedPrefixTokens < 0 {
            throw ValidationError("--cached-prefix-tokens must be 0 or more, got \(cachedPrefixTokens)")
        }
    }

    func run() async throws {
        let policy = try Inputs.policy(routing.policy)
        routing.warnAboutUnknownTask(in: policy)
        let engine = PolicyEngine(policy: policy)
        let metadata = try Inputs.metadata(routing.metadataPairs)
        if let previousTier, policy.tierIndex(named: previousTier) == nil {
            throw CLIError.usage("--previous-tier '\(previousTier)' is not a tier of policy '\(policy.name)' "
                                 + "(its tiers: \(policy.tiers.map(\.name).joined(separator: ", ")))")
        }
        // The price book is loaded only when a lever needs it, so a policy without levers costs what it did.
        let context = try leverContext(policy)
        if let jsonl {
            try explainLines(jsonl, engine: engine, metadata: metadata, context: context)
            return
        }
        if let request {
            return try explainRequest(request, engine: engine, metadata: metadata, context: context)
        }
        let text = try file.map(Inputs.text(of:)) ?? (prompt == "-" ? Inputs.standardInput() : prompt) ?? ""
        if text.allSatisfy(\.isWhitespace) { throw CLIError.usage("the prompt is empty: give the text to explain") }
        let input = RoutingInput(text: text, task: routing.task, metadata: metadata)
        let decided = engine.decide(input)
        let single = MessageRequest(model: "auto", maxTokens: 0, messages: [.user(text)])
        if json {
            var output = DecisionJSON(decided, policy: engine.policy)
            if let context {
                let levered = leverDecision(single, decided: decided, engine: engine, metadata: metadata, context: context)
                output = DecisionJSON(levered.decision, policy: engine.policy)
                output.levers = levered.levers
            }
            Terminal.writeOut(try output.encoded(pretty: true) + "\n")
        } else {
            let book = try context?.prices ?? Inputs.prices(explicit: nil, policy: policy)
            let levered = leverDecision(single, decided: decided, engine: engine, metadata: metadata,
                                        context: context ?? LeverJSON.Context(policy: policy, prices: book))
            Terminal.writeOut(Self.describe(levered.decision, policy: engine.policy)
                              + Self.cachingText(levered.decision, policy: engine.policy, prices: book))
            Terminal.writeOut(Self.describeLevers(levered.plan, policy: policy))
        }
    }

    /// One decision per request line, read and written as bytes (`ByteLines`, `JSONByteParser`,
    /// `JSONBytes`) and buffered: per-line cost is the decision, not the I/O around it.
    /// Bad lines are collected as `F:LINE: error: …` and reported together (exit 65).
    func explainLines(_ path: String, engine: PolicyEngine, metadata: [String: String],
                      context: LeverJSON.Context?) throws {
        let output = OutputBuffer()
        defer { output.flush() }
        var errors: [String] = []
        try ByteLines.forEach(in: path) { number, line in
            var line = line
            // A UTF-8 byte order mark before the first line is not part of the JSON.
            if number == 1, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeBufferPointer(rebasing: line[3...])
            }
            if ByteLines.isBlank(line) { return }
            do throws(ExplainRequest.Problem) {
                let request = try ExplainRequest.parse(line)
                let input = RoutingInput(text: request.prompt, task: request.task ?? routing.task,
                                         metadata: metadata.merging(request.metadata) { _, line in line })
                var decision = DecisionJSON(engine.decide(input), policy: engine.policy)
                if let context {
                    let single = MessageRequest(model: "auto", maxTokens: 0, messages: [.user(request.prompt)])
                    let levered = leverDecision(single, decided: decision.decision, engine: engine,
                                                metadata: input.metadata, task: input.task, context: context)
                    decision = DecisionJSON(levered.decision, policy: engine.policy)
                    decision.levers = levered.levers
                }
                decision.line = number
                decision.id = request.id
                decision.appendLine(to: &output.bytes)
                output.flushIfFull()
            } catch {
                errors.append("\(Inputs.label(path)):\(number): error: \(error.message)")
            }
        }
        output.flush()
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

    /// Parses one line's bytes; the messages name the problem (the caller adds FILE:LINE).
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(Problem) -> ExplainRequest {
        guard let value = try? JSONByteParser.parse(line) else { throw Problem(message: "not valid JSON") }
        guard case .object(let members) = value else { throw Problem(message: "expected a JSON object") }
        var fields: [String: JSONValue] = [:]
        for (key, value) in members { fields[key] = value } // a repeated key: the last one counts
        let known: Set<String> = ["id", "prompt", "task", "metadata"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(message: "unknown key '\(unknown)' (expected prompt, task, metadata, id)")
        }
        guard case .string(let prompt) = fields["prompt"] else {
            throw Problem(message: fields["prompt"] == nil ? "missing \"prompt\"" : "\"prompt\" must be a string")
        }
        var task: String?
        switch fields["task"] {
        case nil, .null?: break
        case .string(let string)?: task = string
        default: throw Problem(message: "\"task\" must be a string")
        }
        var metadata: [String: String] = [:]
        switch fields["metadata"] {
        case nil, .null?: break
        case .object(let map)?:
            for (key, item) in map {
                guard case .string(let string) = item else { throw Problem(message: "metadata \"\(key)\" must be a string") }
                metadata[key] = string
            }
        default: throw Problem(message: "\"metadata\" must be an object of strings")
        }
        var id: String?
        switch fields["id"] {
        case nil: break
        case .string(let string)?: id = string
        case .number(let literal)?: id = Self.numberText(literal)
        default: throw Problem(message: "\"id\" must be a string or number")
        }
        return ExplainRequest(id: id, prompt: prompt, task: task, metadata: metadata)
    }

    /// A numeric id as text: integers as written (`7`, `-3`), other numbers in their shortest
    /// decimal form (`1e3` → `1000`, `1.50` → `1.5`).
    static func numberText(_ literal: String) -> String {
        if let integer = Int64(literal) { return String(integer) }
        guard let value = Double(literal) else { return literal }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
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
    /// The version of this JSON shape (docs/CLI.md, "JSON output and standard input").
    var schemaVersion = 1

    /// The thresholds the score was compared with (tier → value), when any was.
    var thresholds: [String: Double]?
    /// The cost levers the policy turns on for the decision's task (`nil`: none, no key).
    var levers: LeverJSON?

    init(_ decision: RoutingDecision, policy: Policy) {
        self.decision = decision
        self.policy = policy.name
        self.thresholds = ExplainCommand.appliedThresholds(decision, policy: policy)
    }

    enum CodingKeys: String, CodingKey {
        case line, id, policy, tier, model, task, score, variant, reason, contributions
        case schemaVersion = "schema_version"
        case maxTokens = "max_tokens", taskConfidence = "task_confidence", matchedRule = "matched_rule"
        case escalationPath = "escalation_path", estimatedInputTokens = "estimated_input_tokens"
        case scoreSource = "score_source", learnedScore = "learned_score", heuristicScore = "heuristic_score"
        case thresholdsSource = "thresholds_source", thresholds, levers
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(line, forKey: .line)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(policy, forKey: .policy)
        try container.encode(schemaVersion, forKey: .schemaVersion)
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
        try container.encodeIfPresent(levers, forKey: .levers)
    }

    func encoded(pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
