public import ClaudeClient
public import RouterPolicies
import Foundation

/// Per-call routing inputs: what the policy cannot see in the request itself.
public struct CallOptions: Sendable {
    /// Task type (e.g. `extraction`); `nil` lets the policy's local classifier pick one.
    public var task: String?
    /// Caller metadata (user, feature, …): matched by policy rules, budgets and A/B variant
    /// assignment, and stored on every ledger record.
    public var metadata: [String: String]
    /// Checks the reply must pass; a failing check fires its escalation trigger.
    public var checks: [ResponseCheck]
    /// The call's own `anthropic-version` and beta names, sent on every attempt (escalations
    /// included) and on a pre-flight `count_tokens`. Default: the client's configuration.
    public var request: AnthropicClient.RequestOptions

    /// Options with no task, no metadata, no checks and the client's version and betas.
    public init(task: String? = nil, metadata: [String: String] = [:], checks: [ResponseCheck] = [],
                request: AnthropicClient.RequestOptions = .init()) {
        self.task = task
        self.metadata = metadata
        self.checks = checks
        self.request = request
    }
}

/// A test of a reply. When it fails, the ModelRouter escalates with the check's trigger
/// (`failed_check`, or `invalid_json` for ``jsonValid``) if the policy allows it.
public struct ResponseCheck: Sendable {
    /// A short label, stored as the escalation reason (`failed_check: <name>`).
    public var name: String
    /// The escalation trigger a failure fires.
    public var trigger: EscalationTrigger
    private let evaluate: @Sendable (Message) -> Bool

    /// A check from a closure; returning `false` fires `failed_check`.
    public init(name: String, _ evaluate: @escaping @Sendable (Message) -> Bool) {
        self.init(name: name, trigger: .failedCheck, evaluate)
    }

    /// A check from a closure that fires `trigger` when it returns `false`.
    public init(name: String, trigger: EscalationTrigger, _ evaluate: @escaping @Sendable (Message) -> Bool) {
        self.name = name
        self.trigger = trigger
        self.evaluate = evaluate
    }

    /// Whether `message` passes.
    public func passes(_ message: Message) -> Bool { evaluate(message) }

    /// The reply's text is one JSON value (surrounding whitespace and a single Markdown code
    /// fence are allowed, as models often add them). Fires `invalid_json`.
    public static let jsonValid = ResponseCheck(name: "json_valid", trigger: .invalidJSON) { message in
        ResponseCheck.isJSON(message.text)
    }

    /// The reply's text contains `substring` (case-sensitive). Fires `failed_check`.
    public static func contains(_ substring: String) -> ResponseCheck {
        ResponseCheck(name: "contains", trigger: .failedCheck) { $0.text.contains(substring) }
    }

    /// Whether `text` parses as JSON, allowing whitespace and one ```/```json fence around it.
    static func isJSON(_ text: String) -> Bool {
        var body = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if body.hasPrefix("```") {
            guard let firstNewline = body.firstIndex(of: "\n"), body.hasSuffix("```"), body.count >= 6 else {
                return false
            }
            body = body[body.index(after: firstNewline)..<body.index(body.endIndex, offsetBy: -3)]
        }
        guard !body.isEmpty else { return false }
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])) != nil
    }
}
