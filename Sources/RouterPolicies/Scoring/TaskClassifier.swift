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

/// Picks a task type for a request locally, without a model call.
///
/// Each rule scores `weight × (keyword occurrences + pattern matches)` over the text (all rules'
/// keywords are counted in one pass). With `best` the highest score and `second` the runner-up:
///
///     confidence = best / (best + 1)  ×  (best − second) / best
///
/// — the first factor grows with evidence (one unit-weight hit gives 0.5, three give 0.75), the
/// second is the margin over the runner-up (1 when unopposed, 0 on a tie). `task` is `nil` when
/// `confidence < minimumConfidence` or nothing scored. Ties go to the rule listed first.
public struct TaskClassifier: Sendable {
    /// The rules, in tie-break order.
    public let rules: [TaskClassifierRule]
    /// Below this confidence the classification's `task` is `nil`.
    public let minimumConfidence: Double
    private let phrases: PhraseTable

    /// Compiles the rules' keywords into one automaton.
    public init(rules: [TaskClassifierRule], minimumConfidence: Double = 0.3) {
        self.rules = rules
        self.minimumConfidence = minimumConfidence
        self.phrases = PhraseTable(lists: rules.map(\.keywords))
    }

    /// Classifies `input`.
    public func classify(_ input: RoutingInput) -> TaskClassification {
        guard !rules.isEmpty else { return TaskClassification(task: nil, confidence: 0, evidence: []) }
        return withUTF8Bytes(of: input.text) { bytes in
            phrases.withCounts(in: bytes) { counts in
                classify(bytes: bytes, phrases: phrases, firstList: 0, counts: counts)
            }
        }
    }

    /// Classifies from phrase counts already taken with `phrases`, whose lists
    /// `firstList ..< firstList + rules.count` are the rules' keywords (in order).
    func classify(bytes: UnsafeBufferPointer<UInt8>, phrases: PhraseTable, firstList: Int,
                  counts: UnsafeBufferPointer<Int32>) -> TaskClassification {
        guard !rules.isEmpty else { return TaskClassification(task: nil, confidence: 0, evidence: []) }
        var best = (index: -1, score: 0.0)
        var second = 0.0
        for (index, rule) in rules.enumerated() {
            var hits = phrases.hits(ofList: firstList + index, counts: counts, evidenceLimit: 0).count
            for pattern in rule.patterns {
                hits += pattern.program.countMatches(in: bytes, limit: 1_000)
            }
            let score = max(rule.weight, 0) * Double(hits)
            if score > best.score {
                second = best.score
                best = (index, score)
            } else if score > second {
                second = score
            }
        }
        guard best.index >= 0 else { return TaskClassification(task: nil, confidence: 0, evidence: []) }
        let confidence = best.score / (best.score + 1) * (best.score - second) / best.score
        var evidence = phrases.hits(ofList: firstList + best.index, counts: counts).evidence
        for pattern in rules[best.index].patterns where evidence.count < 3 {
            if pattern.program.countMatches(in: bytes, limit: 1) > 0 { evidence.append(pattern.pattern) }
        }
        let task = confidence >= minimumConfidence ? rules[best.index].task : nil
        return TaskClassification(task: task, confidence: confidence, evidence: evidence)
    }
}
