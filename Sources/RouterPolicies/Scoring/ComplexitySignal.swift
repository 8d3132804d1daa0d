/// One weighted ingredient of the complexity score.
///
/// Each signal measures a count in the request (keyword hits, questions, tokens, …) and turns it
/// into a strength in 0…1 with `strength = min(1, count / fullAt)`: `fullAt` is the count at
/// which the signal is fully on.
public struct ComplexitySignal: Sendable, Hashable {
    /// Name reported in `SignalContribution.name` (`"code"`, `"law"`, …).
    public var name: String
    /// Relative weight; the score is `Σ weight·strength / Σ weight`. Must be ≥ 0.
    public var weight: Double
    /// What the signal counts.
    public var kind: Kind
    /// Whether the signal measures a subject domain (law, code, medicine, …). A classifier rule
    /// with a `context` counts only when its context signal is at least as strong as every
    /// domain signal, so a legal term inside a statistics question does not pick a legal task.
    public var isDomain: Bool

    /// Creates a signal.
    public init(name: String, weight: Double, kind: Kind, isDomain: Bool = false) {
        self.name = name
        self.weight = weight
        self.kind = kind
        self.isDomain = isDomain
    }

    /// What a signal counts. Every `fullAt` below 1 is treated as 1.
    public enum Kind: Sendable, Hashable {
        /// Estimated input tokens (`RoutingInput.estimatedInputTokens`); full at `fullAtTokens`.
        case inputSize(fullAtTokens: Int)
        /// Whole-word, case-insensitive occurrences of any of the keywords or multi-word phrases.
        /// Punctuation inside a keyword counts as a word separator (`trade-off` = `trade off`).
        case keywords([String], fullAt: Int)
        /// Matches of user regular expressions (non-overlapping, summed over the patterns).
        case patterns([SafeRegex], fullAt: Int)
        /// Structural markers, read in the scorer's one pass over the text (no regular
        /// expression runs), summed over the markers.
        case structure([StructureMarker], fullAt: Int)
        /// Question marks in the text.
        case questions(fullAt: Int)
        /// Explicit constraints: constraint phrases (`must`, `should not`, `at least`, `at most`,
        /// `exactly`, `no more than`, `never`, `always`, `required`, `ensure`, …) plus bullet or
        /// numbered requirement lines.
        case constraints(fullAt: Int)
        /// Images plus documents attached to the request.
        case attachments(fullAt: Int)
        /// Tool definitions offered to the model.
        case tools(fullAt: Int)
        /// Messages in the conversation beyond the first.
        case conversationDepth(fullAt: Int)
        /// Source code: each fenced code block counts 3, each line that looks like code
        /// (ends in `;`, `{`, `}`, or holds `=>`, `->`, `::`, `==`, `!=`) counts 1, each
        /// code keyword (whole word, case-insensitive) counts 1.
        case code(keywords: [String], fullAt: Int)
    }
}

/// A structural feature of a prompt that a `.structure` signal counts.
public enum StructureMarker: String, Sendable, Hashable, CaseIterable {
    /// Lines that open with a step number after any indentation: `1. `, `12) `, `Step 3: `
    /// (an optional `step`, one or two digits, `.`, `)` or `:`, then a blank).
    case numberedSteps = "numbered_steps"
    /// Sentences (up to `.`, `?`, `!` or a line end) holding the word `first` and, after it,
    /// the word `then` — a sequence of steps written as prose.
    case firstThen = "first_then"
    /// Fenced code blocks: pairs of lines opening with three backticks or tildes (an unclosed
    /// fence counts as a block).
    case codeFences = "code_fences"
}

/// The signals the scorer combines. Decoded from a policy's `signals:` section; `.default` is the
/// bundled default policy's (policies/default.yaml).
public struct ComplexityConfiguration: Sendable, Hashable {
    /// The signals, in reporting order.
    public var signals: [ComplexitySignal]

    /// Creates a configuration from explicit signals.
    public init(signals: [ComplexitySignal]) {
        self.signals = signals
    }
}
