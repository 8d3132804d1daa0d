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
    /// A user command, run by `/bin/sh -c` in the fixture file's directory with the reply on
    /// its standard input, passes when it exits 0 within its timeout.
    case command(CommandCheck)
    /// A model grades the reply against a rubric (model-graded eval); the grading call goes to
    /// a tier the check or the suite names and is recorded apart from the routed cost.
    case judge(JudgeCheck)

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
        case .command: "command"
        case .judge: "judge"
        }
    }

    /// Every check kind a fixture may use.
    package static let kinds = ["contains", "not_contains", "regex", "equals", "json_valid", "json_fields",
                               "max_output_tokens", "max_cost_usd", "max_latency_ms", "expected_tier", "command", "judge"]

    /// Whether the check needs the reply (so it is skipped in a dry run).
    package var needsReply: Bool {
        switch self {
        case .maxCostUSD, .expectedTier: false
        default: true
        }
    }

    /// Whether the check runs asynchronously after the reply (a process or a model call),
    /// outside `EvalCase.evaluate`.
    package var isDeferred: Bool {
        switch self {
        case .command, .judge: true
        default: false
        }
    }
}

/// A `command` check: what to run and how long to wait.
package struct CommandCheck: Sendable, Hashable {
    /// Shell command line, run by `/bin/sh -c`.
    package var run: String
    /// Seconds before the command is killed and the check fails (default 10).
    package var timeoutSeconds: Double
    /// Directory it runs in: the fixture file's.
    package var directory: String

    /// A command check.
    package init(run: String, timeoutSeconds: Double = 10, directory: String) {
        self.run = run
        self.timeoutSeconds = timeoutSeconds
        self.directory = directory
    }
}

/// A `judge` check: the rubric and, optionally, the tier that grades (else the suite's `judge`).
package struct JudgeCheck: Sendable, Hashable {
    /// What a passing answer does, in plain words.
    package var rubric: String
    /// Policy tier whose model grades; nil: the suite's `judge: {tier: …}`.
    package var tier: String?

    /// A judge check.
    package init(rubric: String, tier: String? = nil) {
        self.rubric = rubric
        self.tier = tier
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
    /// Where its `task:` value is written (nil without one).
    package var taskMark: SourceMark?

    /// A case; `messages` must end with a user turn.
    package init(id: String, task: String? = nil, messages: [FixtureMessage], system: String? = nil, tags: [String] = [],
                metadata: [String: String] = [:], expectedOutputTokens: Int? = nil, maxTokens: Int? = nil,
                checks: [LocatedCheck] = [], mark: SourceMark, taskMark: SourceMark? = nil) {
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
        self.taskMark = taskMark
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

    /// The case with `tier` set on every `judge` check that names none.
    func withJudgeTier(_ tier: String?) -> EvalCase {
        guard let tier else { return self }
        var copy = self
        copy.checks = checks.map { located in
            guard case .judge(var judge) = located.check, judge.tier == nil else { return located }
            judge.tier = tier
            return LocatedCheck(.judge(judge), mark: located.mark)
        }
        return copy
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
    /// The suite's `judge: {tier: …}`: the tier grading `judge` checks that name none.
    package var judgeTier: String?

    /// A suite.
    package init(name: String, files: [String], cases: [EvalCase], judgeTier: String? = nil) {
        self.name = name
        self.files = files
        self.cases = cases
        self.judgeTier = judgeTier
    }

    /// Every tier a `judge` check will use (its own or the suite's), and the checks naming none
    /// when the suite names none either.
    package var judgeTiers: (tiers: Set<String>, missing: [LocatedCheck]) {
        var tiers = Set<String>(), missing: [LocatedCheck] = []
        for item in cases {
            for located in item.checks {
                guard case .judge(let judge) = located.check else { continue }
                if let tier = judge.tier ?? judgeTier { tiers.insert(tier) } else { missing.append(located) }
            }
        }
        return (tiers, missing)
    }
}
