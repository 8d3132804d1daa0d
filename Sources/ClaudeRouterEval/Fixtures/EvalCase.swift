package import RouterPolicies

/// One check on a case's reply, as written in a fixture file.
package enum EvalCheck: Sendable {
    /// Every string appears in the reply (case-insensitive).
    case contains([String])
    /// No string appears in the reply (case-insensitive).
    case notContains([String])
    /// The reply matches the pattern (SafeRegex subset; case-insensitive, `^`/`$` per line).
    case regex(SafeRegex)
    /// The reply, trimmed of surrounding whitespace, equals the string exactly.
    case equals(String)
    /// The reply is valid JSON (a surrounding Markdown code fence is ignored).
    case jsonValid
    /// The reply is a JSON object with every listed field present; `a.b` looks inside objects.
    case jsonFields([String])
    /// The reply used at most this many output tokens.
    case maxOutputTokens(Int)
    /// The call (with any escalation) cost at most this much.
    case maxCostUSD(USDAmount)
    /// The call took at most this many milliseconds.
    case maxLatencyMs(Int)
    /// The router's final tier is this one.
    case expectedTier(String)

    /// The fixture key of this check (`not_contains`, `max_cost_usd`, …).
    package var kind: String {
        switch self {
        case .contains: "contains"
        case .notContains: "not_contains"
        case .regex: "regex"
        case .equals: "equals"
        case .jsonValid: "json_valid"
        case .jsonFields: "json_fields"
        case .maxOutputTokens: "max_output_tokens"
        case .maxCostUSD: "max_cost_usd"
        case .maxLatencyMs: "max_latency_ms"
        case .expectedTier: "expected_tier"
        }
    }

    /// Every check kind a fixture may use.
    package static let kinds = ["contains", "not_contains", "regex", "equals", "json_valid", "json_fields",
                               "max_output_tokens", "max_cost_usd", "max_latency_ms", "expected_tier"]

    /// Whether the check needs the reply (so it is skipped in a dry run).
    package var needsReply: Bool {
        switch self {
        case .maxCostUSD, .expectedTier: false
        default: true
        }
    }
}

/// A check and where it was written.
package struct LocatedCheck: Sendable {
    /// The check.
    package var check: EvalCheck
    /// Where its key was written (for error messages).
    package var mark: SourceMark

    /// A check written at `mark`.
    package init(_ check: EvalCheck, mark: SourceMark) {
        self.check = check
        self.mark = mark
    }
}

/// One conversation turn of a case.
package struct FixtureMessage: Sendable, Hashable {
    /// `user` or `assistant`.
    package var role: String
    /// The turn's text.
    package var text: String

    /// A turn.
    package init(role: String, text: String) {
        self.role = role
        self.text = text
    }
}

/// One eval case: a prompt (or conversation), what to expect, and where it was written.
package struct EvalCase: Sendable {
    /// Unique id within the suite(s) being run.
    package var id: String
    /// Task type given to the router; nil lets the policy classify the prompt.
    package var task: String?
    /// The conversation; `prompt:` is one user message.
    package var messages: [FixtureMessage]
    /// Optional system prompt.
    package var system: String?
    /// Free-form labels (reports may group by them).
    package var tags: [String]
    /// Caller metadata passed to the router (`user`, `feature`, …).
    package var metadata: [String: String]
    /// Output tokens assumed by dry-run cost projections.
    package var expectedOutputTokens: Int?
    /// `max_tokens` to request; nil lets the policy choose.
    package var maxTokens: Int?
    /// Checks on the reply; a case with no checks passes when the call succeeds.
    package var checks: [LocatedCheck]
    /// Where the case starts in its file.
    package var mark: SourceMark

    /// A case; `messages` must end with a user turn.
    package init(id: String, task: String? = nil, messages: [FixtureMessage], system: String? = nil, tags: [String] = [],
                metadata: [String: String] = [:], expectedOutputTokens: Int? = nil, maxTokens: Int? = nil,
                checks: [LocatedCheck] = [], mark: SourceMark) {
        self.id = id
        self.task = task
        self.messages = messages
        self.system = system
        self.tags = tags
        self.metadata = metadata
        self.expectedOutputTokens = expectedOutputTokens
        self.maxTokens = maxTokens
        self.checks = checks
        self.mark = mark
    }

    /// System prompt and every turn joined by newlines: what the policy engine scores.
    package var routingText: String {
        ([system].compactMap { $0 } + messages.map(\.text)).joined(separator: "\n")
    }

    /// The prompt as a reader should see it: a lone user message as is, otherwise each part on
    /// its own line with its role (`system: …`, `user: …`, `assistant: …`).
    package var displayPrompt: String {
        if system == nil, messages.count == 1, messages[0].role == "user" { return messages[0].text }
        return ([system.map { "system: " + $0 }].compactMap { $0 } + messages.map { "\($0.role): \($0.text)" })
            .joined(separator: "\n")
    }

    /// The routing input the ModelRouter would build for this case.
    package var routingInput: RoutingInput {
        RoutingInput(text: routingText, messageCount: messages.count, task: task, metadata: metadata,
                     requestedMaxTokens: maxTokens)
    }
}

/// The cases of one or more fixture files, in file order.
package struct EvalSuite: Sendable {
    /// The suite's `suite:` name (or the file stem); joined with `+` for several files.
    package var name: String
    /// The files the cases came from.
    package var files: [String]
    /// Every case, in file order (files in name order).
    package var cases: [EvalCase]

    /// A suite.
    package init(name: String, files: [String], cases: [EvalCase]) {
        self.name = name
        self.files = files
        self.cases = cases
    }
}
