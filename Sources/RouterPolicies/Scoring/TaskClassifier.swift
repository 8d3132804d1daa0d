/// One task type the local classifier can recognise, and what points to it.
public struct TaskClassifierRule: Sendable, Hashable {
    /// Task name (`extraction`, `summarization`, `code_review`, …).
    public var task: String
    /// Whole-word, case-insensitive keywords and phrases; each occurrence scores `weight`.
    public var keywords: [String]
    /// Regular expressions; each match scores `weight`.
    public var patterns: [SafeRegex]
    /// Points per hit (≥ 0).
    public var weight: Double

    /// Creates a rule.
    public init(task: String, keywords: [String], patterns: [SafeRegex] = [], weight: Double = 1) {
        self.task = task
        self.keywords = keywords
        self.patterns = patterns
        self.weight = weight
    }
}

/// The classifier's verdict.
public struct TaskClassification: Sendable, Hashable {
    /// The best task, or `nil` when the confidence is below the classifier's minimum.
    public var task: String?
    /// 0…1; see `TaskClassifier` for the formula.
    public var confidence: Double
    /// The first few keywords or matches behind the chosen task.
    public var evidence: [String]

    /// Creates a classification.
    public init(task: String?, confidence: Double, evidence: [String]) {
        self.task = task
        self.confidence = confidence
        self.evidence = evidence
    }
}
