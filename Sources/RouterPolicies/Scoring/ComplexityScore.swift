/// How much one signal added to a complexity score.
public struct SignalContribution: Sendable, Hashable, Codable {
    /// The signal's name.
    public var name: String
    /// The signal's configured weight.
    public var weight: Double
    /// How strongly the signal fired, 0…1.
    public var strength: Double
    /// `weight · strength / Σ weight` — the contributions sum to the score.
    public var contribution: Double
    /// What fired, for explanations: the first few matched words or a count (`"3 questions"`).
    public var evidence: [String]

    /// Creates a contribution.
    public init(name: String, weight: Double, strength: Double, contribution: Double, evidence: [String]) {
        self.name = name
        self.weight = weight
        self.strength = strength
        self.contribution = contribution
        self.evidence = evidence
    }
}

/// A request's complexity: `value = Σ weight·strength / Σ weight`, in 0…1.
public struct ComplexityScore: Sendable, Hashable {
    /// The score, 0…1 (0 when every weight is 0).
    public var value: Double
    /// One entry per configured signal, in configuration order.
    public var contributions: [SignalContribution]
    /// `false` when no content signal fired (keywords, patterns, code, constraints, attachments,
    /// tools); size, depth and questions alone do not count. The policy then routes to its
    /// default tier.
    public var recognizedSignal: Bool

    /// Creates a score.
    public init(value: Double, contributions: [SignalContribution], recognizedSignal: Bool) {
        self.value = value
        self.contributions = contributions
        self.recognizedSignal = recognizedSignal
    }
}
