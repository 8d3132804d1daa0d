import Foundation
package import RouterPolicies

/// What checks are evaluated against. Fields are nil when unknown (a dry run has no reply and
/// no latency); checks that need an unknown field are skipped, not failed.
package struct CheckSubject: Sendable {
    /// The reply text.
    package var text: String?
    /// Output tokens used.
    package var outputTokens: Int?
    /// Cost of the call (projected in a dry run).
    package var cost: USDAmount?
    /// Wall-clock latency in milliseconds.
    package var latencyMs: Double?
    /// Final tier.
    package var tier: String?

    /// A subject; leave unknown fields nil.
    package init(text: String? = nil, outputTokens: Int? = nil, cost: USDAmount? = nil, latencyMs: Double? = nil, tier: String? = nil) {
        self.text = text
        self.outputTokens = outputTokens
        self.cost = cost
        self.latencyMs = latencyMs
        self.tier = tier
    }
}

/// Checks evaluated for one case.
package struct CheckEvaluation: Sendable, Hashable {
    /// One line per failed check, e.g. `contains "Paris": not found in the reply`.
    package var failures: [String]
    /// Checks that could not be evaluated for lack of data.
    package var skipped: Int
    /// Whether no evaluated check failed.
    package var passed: Bool { failures.isEmpty }
}

extension EvalCase {
    /// Evaluates every check against `subject`.
    package func evaluate(_ subject: CheckSubject) -> CheckEvaluation {
        var failures: [String] = []
        var skipped = 0
        for located in checks {
            // A command or judge check runs after the reply (see `DeferredChecks`); without a
            // reply (a dry run) it is one more check that could not be evaluated.
            if located.check.isDeferred {
                if subject.text == nil { skipped += 1 }
                continue
            }
            switch located.check.evaluate(subject) {
            case .none: skipped += 1
            case .some(nil): break
            case .some(let failure?): failures.append(failure)
            }
        }
        return CheckEvaluation(failures: failures, skipped: skipped)
    }
}

extension EvalCheck {
    /// `nil`: not evaluable; `.some(nil)`: passed; `.some(message)`: failed with a reason.
    package func evaluate(_ subject: CheckSubject) -> String?? {
        switch self {
        case .contains(let needles):
            guard let text = subject.text else { return .none }
            let missing = needles.filter { !Self.containsIgnoringCase(text, $0) }
            return .some(missing.isEmpty ? nil : "contains: \(Self.quoted(missing)) not found in the reply")
        case .notContains(let needles):
            guard let text = subject.text else { return .none }
            let found = needles.filter { Self.containsIgnoringCase(text, $0) }
            return .some(found.isEmpty ? nil : "not_contains: \(Self.quoted(found)) found in the reply")
        case .regex(let regex):
            guard let text = subject.text else { return .none }
            return .some(regex.matches(text) ? nil : "regex: /\(regex.pattern)/ does not match the reply")
        case .equals(let expected):
            guard let text = subject.text else { return .none }
            let actual = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return .some(actual == expected ? nil : "equals: expected \"\(expected)\", got \"\(Self.excerpt(actual))\"")
        case .jsonValid:
            guard let text = subject.text else { return .none }
            return .some(Self.parseJSON(text) != nil ? nil : "json_valid: the reply is not valid JSON")
        case .jsonFields(let fields):
            guard let text = subject.text else { return .none }
            guard let object = Self.parseJSON(text) as? [String: Any] else {
                return .some("json_fields: the reply is not a JSON object")
            }
            let missing = fields.filter { !Self.hasField($0, in: object) }
            return .some(missing.isEmpty ? nil : "json_fields: missing \(Self.quoted(missing))")
        case .maxOutputTokens(let limit):
            guard let tokens = subject.outputTokens, subject.text != nil else { return .none }
            return .some(tokens <= limit ? nil : "max_output_tokens: used \(tokens) > \(limit)")
        case .maxCostUSD(let limit):
            guard let cost = subject.cost else { return .none }
            return .some(cost <= limit ? nil : "max_cost_usd: cost \(cost.formatted()) > \(limit.formatted())")
        case .maxLatencyMs(let limit):
            guard let latency = subject.latencyMs else { return .none }
            return .some(latency <= Double(limit) ? nil : "max_latency_ms: took \(Int(latency.rounded())) ms > \(limit) ms")
        case .expectedTier(let tier):
            guard let actual = subject.tier else { return .none }
            return .some(actual == tier ? nil : "expected_tier: routed to '\(actual)', expected '\(tier)'")
        case .command, .judge:
            return .none // evaluated asynchronously, after the reply
        }
    }

    static func containsIgnoringCase(_ text: String, _ needle: String) -> Bool {
        text.range(of: needle, options: [.caseInsensitive]) != nil
    }

    static func quoted(_ items: [String]) -> String { items.map { "\"\($0)\"" }.joined(separator: ", ") }

    static func excerpt(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= 60 ? flat : String(flat.prefix(57)) + "..."
    }

    /// Parses the reply as JSON, ignoring a surrounding Markdown code fence (models often add one).
    static func parseJSON(_ text: String) -> Any? {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("```") {
            var lines = body.components(separatedBy: "\n")
            lines.removeFirst()
            if lines.last?.trimmingCharacters(in: .whitespaces).hasPrefix("```") == true { lines.removeLast() }
            body = lines.joined(separator: "\n")
        }
        guard let data = body.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// `a.b.c` looks through nested objects.
    static func hasField(_ path: String, in object: [String: Any]) -> Bool {
        var current: Any = object
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let dictionary = current as? [String: Any], let next = dictionary[String(component)] else { return false }
            current = next
        }
        return true
    }
}
