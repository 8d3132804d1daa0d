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
        with one JSON object per line: {"prompt": "...", "task": "...", "metadata": {"user": "..."}} \
        (task and metadata optional; an "id" is echoed back). With --jsonl the output is one JSON \
        line per input line; bad lines are reported as F:LINE: error: ... and the exit code is 65.
        """)

    @OptionGroup var routing: RoutingOptions

    @Flag(help: "Print the decision as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Read the prompt from a file.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("Read one JSON request per line; print one JSON decision per line.", valueName: "file"))
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
        let text = try file.map(Inputs.text(of:)) ?? prompt ?? ""
        let input = RoutingInput(text: text, task: routing.task, metadata: metadata)
        let decision = engine.decide(input)
        if json {
            Terminal.writeOut(try DecisionJSON(decision, policy: engine.policy).encoded(pretty: true) + "\n")
        } else {
            Terminal.writeOut(Self.describe(decision, policy: engine.policy))
        }
    }

    /// One decision per request line, read and written as bytes (`ByteLines`, `JSONByteParser`,
    /// `JSONBytes`) and buffered: per-line cost is the decision, not the I/O around it.
    /// Bad lines are collected as `F:LINE: error: …` and reported together (exit 65).
    func explainLines(_ path: String, engine: PolicyEngine, metadata: [String: String]) throws {
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
                decision.line = number
                decision.id = request.id
                decision.appendLine(to: &output.bytes)
                output.flushIfFull()
            } catch {
                errors.append("\(path):\(number): error: \(error.message)")
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
            "score:      \(fixed(d.score))",
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
            lines.append(policy.scorer == nil ? "signals:" : "features:   (learned score; contributions in logit units)")
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
    /// `thresholds: thresholds of task qa (haiku 0.00, sonnet 0.31)` — which thresholds the score
    /// was compared with, shown only for policies where some task has its own (docs/POLICY.md);
    /// `nil` otherwise or for a task with a fixed tier.
    static func thresholdsLine(_ d: RoutingDecision, policy: Policy) -> String? {
        let variantTasks = policy.variants?.variants.first { $0.name == d.variant }?.overrides.tasks ?? [:]
        let hasOwn = (policy.tasks.values.contains { $0.thresholds != nil }) || variantTasks.values.contains { $0.thresholds != nil }
        guard hasOwn else { return nil }
        let route = variantTasks[d.task] ?? policy.tasks[d.task]
        guard route?.tier == nil else { return nil }
        func list(_ map: [String: Double]) -> String {
            policy.tiers.compactMap { tier in map[tier.name].map { "\(tier.name) \(String(format: "%.2f", $0))" } }
                .joined(separator: ", ")
        }
        if let own = route?.thresholds { return "thresholds: thresholds of task \(d.task) (\(list(own)))" }
        var global = policy.thresholds
        global.merge(policy.variants?.variants.first { $0.name == d.variant }?.overrides.thresholds ?? [:]) { _, new in new }
        return "thresholds: the policy's (\(list(global))); task \(d.task) has none of its own"
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
    /// The version of this JSON shape (docs/CLI.md, "JSON output").
    var schemaVersion = 1

    init(_ decision: RoutingDecision, policy: Policy) {
        self.decision = decision
        self.policy = policy.name
    }

    enum CodingKeys: String, CodingKey {
        case line, id, policy, tier, model, task, score, variant, reason, contributions
        case schemaVersion = "schema_version"
        case maxTokens = "max_tokens", taskConfidence = "task_confidence", matchedRule = "matched_rule"
        case escalationPath = "escalation_path", estimatedInputTokens = "estimated_input_tokens"
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
    }

    func encoded(pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
