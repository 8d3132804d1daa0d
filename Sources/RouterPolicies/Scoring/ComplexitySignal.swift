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

    /// Creates a signal.
    public init(name: String, weight: Double, kind: Kind) {
        self.name = name
        self.weight = weight
        self.kind = kind
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

/// The signals the scorer combines. Decoded from a policy's `complexity:` section, or `.default`.
public struct ComplexityConfiguration: Sendable, Hashable {
    /// The signals, in reporting order.
    public var signals: [ComplexitySignal]

    /// Creates a configuration from explicit signals.
    public init(signals: [ComplexitySignal]) {
        self.signals = signals
    }
}
