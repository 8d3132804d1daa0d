/// One task type the local classifier can recognise, and what points to it.
public struct TaskClassifierRule: Sendable, Hashable {
    /// Task name (`extraction`, `summarization`, `code-review`, …).
    public var task: String
    /// Whole-word, case-insensitive keywords and phrases; each occurrence scores `weight`.
    public var keywords: [String]
    /// Regular expressions; each match scores `weight`.
    public var patterns: [SafeRegex]
    /// Structural markers (a fenced code block, a numbered step, …); each occurrence scores
    /// `weight`. Read in the scan the scorer makes anyway, so cheaper than a pattern.
    public var markers: [StructureMarker]
    /// Points per hit (≥ 0).
    public var weight: Double
    /// Names of complexity signals of which one must be in context for this rule to count
    /// (empty: always counts). A signal is in context when its strength is at least 0.5 and no
    /// domain signal (`ComplexitySignal.isDomain`) is stronger — so `class` counts towards code
    /// review only next to code, and `proof` towards a proof only in a mathematical question.
    public var context: [String]

    /// Creates a rule.
    public init(task: String, keywords: [String], patterns: [SafeRegex] = [], markers: [StructureMarker] = [],
                weight: Double = 1, context: [String] = []) {
        self.task = task
        self.keywords = keywords
        self.patterns = patterns
        self.markers = markers
        self.weight = weight
        self.context = context
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
/// Each rule scores `weight × (keyword occurrences + pattern matches + markers)` over the text (all rules'
/// keywords are counted in one pass); a rule whose `context` is not met scores 0. A task's score
/// is the sum over its rules. With `best` the highest task score and `second` the runner-up:
///
///     confidence = best / (best + 1)  ×  (best − second) / best
///
/// — the first factor grows with evidence (one unit-weight hit gives 0.5, three give 0.75), the
/// second is the margin over the runner-up (1 when unopposed, 0 on a tie). `task` is `nil` when
/// `confidence < minimumConfidence` or nothing scored. Ties go to the task listed first.
public struct TaskClassifier: Sendable {
    /// The rules, in tie-break order.
    public let rules: [TaskClassifierRule]
    /// Below this confidence the classification's `task` is `nil`.
    public let minimumConfidence: Double
    /// The rules' keyword lists, for `classify(_:)` (the policy engine passes a shared table).
    private let phrases: LazyPhraseTable
    /// The distinct task names, in first-listed order, and each rule's index into them.
    private let tasks: [String]
    private let taskOfRule: [Int]
    /// For each rule, the indices of its context signals in `signals` (unknown names dropped):
    /// rule `i`'s are `contextSignals[contextStart[i] ..< contextStart[i + 1]]`. Flat integer
    /// arrays, like the rule facts below, so a classification copies no reference-counted value.
    private let contextSignals: [Int]
    private let contextStart: [Int]
    /// Per rule: whether it names any context (even only unknown signals), its weight (negative
    /// as 0), and whether it has patterns; its markers are `markers[markerStart[i] ..< markerStart[i + 1]]`.
    private let hasContext: [Bool]
    private let ruleWeight: [Double]
    private let hasPatterns: [Bool]
    private let markers: [StructureMarker]
    private let markerStart: [Int]
    /// Indices of the domain signals in `signals`.
    private let domains: [Int]
    /// Scores the context signals for `classify(_:)`; `nil` when no rule has a context.
    private let contextScorer: ComplexityScorer?
    /// How many `first … then` sequences the rules need counted (0: none; else the same cap as
    /// a pattern's matches).
    let firstThenLimit: Int

    /// Compiles the rules' keywords into one automaton. `signals` are the complexity signals
    /// the rules' `context` names refer to (default: the bundled default policy's).
    public init(rules: [TaskClassifierRule], minimumConfidence: Double = 0.3,
                signals: ComplexityConfiguration = .default) {
        self.rules = rules
        self.minimumConfidence = minimumConfidence
        self.phrases = LazyPhraseTable(lists: rules.map(\.keywords))
        var tasks: [String] = []
        taskOfRule = rules.map { rule in
            if let index = tasks.firstIndex(of: rule.task) { return index }
            tasks.append(rule.task)
            return tasks.count - 1
        }
        self.tasks = tasks
        let names = signals.signals.map(\.name)
        let contextOfRule = rules.map { $0.context.compactMap { names.firstIndex(of: $0) } }
        contextSignals = contextOfRule.flatMap { $0 }
        contextStart = contextOfRule.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        hasContext = rules.map { !$0.context.isEmpty }
        ruleWeight = rules.map { max($0.weight, 0) }
        hasPatterns = rules.map { !$0.patterns.isEmpty }
        markers = rules.flatMap(\.markers)
        markerStart = rules.reduce(into: [0]) { $0.append($0.last! + $1.markers.count) }
        domains = signals.signals.indices.filter { signals.signals[$0].isDomain }
        contextScorer = rules.contains { !$0.context.isEmpty } ? ComplexityScorer(signals) : nil
        firstThenLimit = rules.contains { $0.markers.contains(.firstThen) } ? 1_000 : 0
    }

    /// Classifies `input`.
    public func classify(_ input: RoutingInput) -> TaskClassification {
        guard !rules.isEmpty else { return TaskClassification(task: nil, confidence: 0, evidence: []) }
        let contributions = contextScorer?.score(input).contributions ?? []
        let phrases = phrases.value
        return withUTF8Bytes(of: input.text) { bytes in
            phrases.withCounts(in: bytes) { counts in
                classify(bytes: bytes, structure: TextStructure(bytes, firstThenLimit: firstThenLimit),
                         phrases: phrases, firstList: 0, counts: counts, contributions: contributions)
            }
        }
    }

    /// Classifies from phrase counts already taken with `phrases`, whose lists
    /// `firstList ..< firstList + rules.count` are the rules' keywords (in order), and the
    /// contributions of the signals given at `init` (in order) for the same input. `structure`
    /// must count at least `firstThenLimit` `first … then` sequences.
    /// With `evidence: false` the classification's `evidence` is left empty (task and confidence
    /// are the same): the policy engine reads only those, and the evidence re-runs patterns.
    func classify(bytes: UnsafeBufferPointer<UInt8>, structure: TextStructure, phrases: PhraseTable, firstList: Int,
                  counts: UnsafeBufferPointer<Int32>, contributions: [SignalContribution],
                  evidence wantsEvidence: Bool = true) -> TaskClassification {
        guard !rules.isEmpty else { return TaskClassification(task: nil, confidence: 0, evidence: []) }
        var strongestDomain = 0.0
        for index in domains where index < contributions.count {
            strongestDomain = max(strongestDomain, contributions[index].strength)
        }
        func inContext(_ rule: Int) -> Bool {
            let start = contextStart[rule], end = contextStart[rule + 1]
            if start == end { return !hasContext[rule] }
            for position in start..<end {
                let index = contextSignals[position]
                guard index < contributions.count else { continue }
                let strength = contributions[index].strength
                if strength >= 0.5 && strength >= strongestDomain { return true }
            }
            return false
        }
        // Per-task sums on the stack: this runs on every request without a named task.
        let best = withUnsafeTemporaryAllocation(of: Double.self, capacity: tasks.count) { scores in
            scores.initialize(repeating: 0)
            for index in 0..<rules.count where inContext(index) {
                var hits = phrases.hits(ofList: firstList + index, counts: counts, evidenceLimit: 0).count
                if hasPatterns[index] {
                    for pattern in rules[index].patterns {
                        hits += pattern.program.countMatches(in: bytes, limit: 1_000)
                    }
                }
                for position in markerStart[index]..<markerStart[index + 1] {
                    hits += structure.count(of: markers[position])
                }
                scores[taskOfRule[index]] += ruleWeight[index] * Double(hits)
            }
            var best = (index: -1, score: 0.0, second: 0.0)
            for (index, score) in scores.enumerated() {
                if score > best.score {
                    best = (index, score, best.score)
                } else if score > best.second {
                    best.second = score
                }
            }
            return best
        }
        guard best.index >= 0 else { return TaskClassification(task: nil, confidence: 0, evidence: []) }
        let confidence = best.score / (best.score + 1) * (best.score - best.second) / best.score
        var evidence: [String] = []
        for (index, rule) in rules.enumerated() where wantsEvidence && taskOfRule[index] == best.index && inContext(index) {
            let remaining = 3 - evidence.count
            guard remaining > 0 else { break }
            evidence += phrases.hits(ofList: firstList + index, counts: counts, evidenceLimit: remaining).evidence
            for pattern in rule.patterns where evidence.count < 3 {
                if pattern.program.countMatches(in: bytes, limit: 1) > 0 { evidence.append(pattern.pattern) }
            }
            for marker in rule.markers where evidence.count < 3 && structure.count(of: marker) > 0 {
                evidence.append(marker.rawValue)
            }
        }
        let task = confidence >= minimumConfidence ? tasks[best.index] : nil
        return TaskClassification(task: task, confidence: confidence, evidence: evidence)
    }
}
