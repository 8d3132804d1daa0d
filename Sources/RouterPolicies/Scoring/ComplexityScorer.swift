/// Scores a request's complexity from the configured signals.
///
/// Built once per policy: the keyword lists of every signal (plus the built-in constraint
/// phrases) are compiled into one automaton (on the first `score`), so `score` reads the text once for all
/// keywords, once for line structure (questions, lists, code lines, fences, numbered steps), and
/// runs a user regex only when its required literal occurs.
///
/// Each signal's `strength = min(1, count / fullAt)`. Then
/// `value = Σ weight·strength / Σ weight` (0 when every weight is 0), and each
/// `contribution = weight·strength / Σ weight`, so the contributions sum to the value.
public struct ComplexityScorer: Sendable {
    /// The configuration this scorer was built from.
    public let configuration: ComplexityConfiguration
    /// This scorer's own table, for `score(_:)` (the policy engine passes a shared one).
    private let phrases: LazyPhraseTable
    /// Every keyword list this scorer counts, in `phrases` order: one per keyword or code
    /// signal, then the constraint phrases. A caller that scans for more lists at once (the
    /// policy engine) builds a table whose first lists are these, so the indices still hold.
    let keywordLists: [[String]]
    /// For each signal, what `score` measures: trivial values only, so the per-request loop
    /// copies no reference-counted value (a `ComplexitySignal` holds strings and arrays, and each
    /// copy costs an atomic retain and release).
    private let plans: [SignalPlan]
    /// Each signal's name, for its `SignalContribution`.
    private let names: [String]
    private let constraintList: Int
    private let totalWeight: Double
    /// How many `first … then` sequences the signals need counted (the largest `full_at` of a
    /// structure signal with that marker; 0: none). The search stops there.
    let firstThenLimit: Int

    /// Phrases counted by `.constraints` besides bullet and numbered lines.
    package static let constraintPhrases: [String] = [
        "must", "must not", "should", "should not", "shall", "shall not", "at least", "at most",
        "no more than", "no less than", "no fewer than", "exactly", "never", "always", "required",
        "requirement", "requirements", "ensure", "make sure", "do not", "don't", "avoid", "limit to",
        "within", "under no circumstances",
    ]

    /// Compiles `configuration`. Negative weights count as 0.
    public init(_ configuration: ComplexityConfiguration) {
        self.configuration = configuration
        var lists: [[String]] = []
        var listIndex: [Int] = []
        for signal in configuration.signals {
            switch signal.kind {
            case .keywords(let keywords, _), .code(let keywords, _):
                listIndex.append(lists.count)
                lists.append(keywords)
            default:
                listIndex.append(-1)
            }
        }
        constraintList = lists.count
        lists.append(Self.constraintPhrases)
        plans = zip(configuration.signals, listIndex).map { SignalPlan($0.kind, weight: $0.weight, list: $1) }
        names = configuration.signals.map(\.name)
        self.keywordLists = lists
        self.phrases = LazyPhraseTable(lists: lists)
        totalWeight = configuration.signals.reduce(0) { $0 + max($1.weight, 0) }
        firstThenLimit = configuration.signals.reduce(0) { limit, signal in
            guard case .structure(let markers, let fullAt) = signal.kind, markers.contains(.firstThen) else { return limit }
            return max(limit, fullAt, 1)
        }
    }

    /// Scores `input`. Deterministic: the same input always gets the same score.
    public func score(_ input: RoutingInput) -> ComplexityScore {
        let phrases = phrases.value
        return withUTF8Bytes(of: input.text) { bytes in
            phrases.withCounts(in: bytes) { counts in
                score(input, bytes: bytes, structure: TextStructure(bytes, firstThenLimit: firstThenLimit),
                      phrases: phrases, counts: counts)
            }
        }
    }

    /// Scores `input` from a structure scan and phrase counts already taken with `phrases`, a
    /// table whose first lists are `keywordLists` (in order). `structure` must count
    /// at least `firstThenLimit` `first … then` sequences. With `evidence: false` every
    /// contribution's `evidence` is left empty (value, strengths and contributions are the same):
    /// a learned scorer reads only the strengths, and the evidence strings are most of the cost
    /// of this step.
    func score(_ input: RoutingInput, bytes: UnsafeBufferPointer<UInt8>, structure: TextStructure,
               phrases: PhraseTable, counts: UnsafeBufferPointer<Int32>, evidence wantsEvidence: Bool = true) -> ComplexityScore {
        var contributions: [SignalContribution] = []
        contributions.reserveCapacity(configuration.signals.count)
        var value = 0.0
        var recognized = false
        for index in plans.indices {
            let plan = plans[index]
            let measured = measure(plan, signal: index, input: input, bytes: bytes,
                                   structure: structure, phrases: phrases, counts: counts, evidence: wantsEvidence)
            let strength = min(1, Double(measured.count) / Double(max(measured.fullAt, 1)))
            let weight = max(plan.weight, 0)
            let contribution = totalWeight > 0 ? weight * strength / totalWeight : 0
            value += contribution
            if strength > 0, measured.isContent { recognized = true }
            contributions.append(SignalContribution(
                name: names[index], weight: plan.weight, strength: strength,
                contribution: contribution, evidence: strength > 0 && wantsEvidence ? measured.evidence : []))
        }
        return ComplexityScore(value: min(max(value, 0), 1), contributions: contributions,
                               recognizedSignal: recognized)
    }

    private struct Measurement {
        var count: Int
        var fullAt: Int
        var evidence: [String]
        var isContent: Bool
    }

    // Evidence labels are built as `String(n) + " label"`: most fit Swift's 15-byte inline
    // string, so no heap allocation, where an interpolation reserves a heap buffer first; this
    // runs for every signal of every decision that shows the hand-made score.
    private func measure(_ plan: SignalPlan, signal: Int, input: RoutingInput,
                         bytes: UnsafeBufferPointer<UInt8>, structure: TextStructure,
                         phrases: PhraseTable, counts: UnsafeBufferPointer<Int32>, evidence e: Bool) -> Measurement {
        let fullAt = plan.fullAt
        let list = plan.list
        switch plan.step {
        case .inputSize:
            let tokens = input.estimatedInputTokens
            return Measurement(count: tokens, fullAt: fullAt, evidence: e && tokens > 0 ? [String(tokens) + " tokens"] : [],
                               isContent: false)
        case .keywords:
            let hits = phrases.hits(ofList: list, counts: counts, evidenceLimit: e ? 3 : 0)
            return Measurement(count: hits.count, fullAt: fullAt, evidence: hits.evidence, isContent: true)
        case .code:
            let hits = phrases.hits(ofList: list, counts: counts, evidenceLimit: e ? 3 : 0)
            let blocks = (structure.fenceLines + 1) / 2
            var evidence: [String] = []
            if e {
                if blocks > 0 || structure.codeLines > 0 { evidence.reserveCapacity(2 + hits.evidence.count) }
                if blocks > 0 { evidence.append(String(blocks) + (blocks == 1 ? " code block" : " code blocks")) }
                if structure.codeLines > 0 {
                    evidence.append(String(structure.codeLines) + (structure.codeLines == 1 ? " code-like line" : " code-like lines"))
                }
                evidence.append(contentsOf: hits.evidence)
            }
            return Measurement(count: 3 * blocks + structure.codeLines + hits.count, fullAt: fullAt,
                               evidence: evidence, isContent: true)
        case .patterns:
            // The regular expressions are read from the configuration only for this kind.
            guard case .patterns(let patterns, _) = configuration.signals[signal].kind else {
                return Measurement(count: 0, fullAt: fullAt, evidence: [], isContent: true)
            }
            var total = 0
            var evidence: [String] = []
            for pattern in patterns where total < max(fullAt, 1) {
                let found = pattern.program.countMatches(in: bytes, limit: max(fullAt, 1) - total)
                if found > 0 {
                    total += found
                    if e && evidence.count < 3 { evidence.append(pattern.pattern) }
                }
            }
            return Measurement(count: total, fullAt: fullAt, evidence: evidence, isContent: true)
        case .structure:
            guard case .structure(let markers, _) = configuration.signals[signal].kind else {
                return Measurement(count: 0, fullAt: fullAt, evidence: [], isContent: true)
            }
            var total = 0
            var evidence: [String] = []
            for marker in markers {
                let found = structure.count(of: marker)
                if found > 0 {
                    total += found
                    if e { evidence.append(String(found) + " " + marker.rawValue) }
                }
            }
            return Measurement(count: total, fullAt: fullAt, evidence: evidence, isContent: true)
        case .questions:
            let found = structure.questionMarks
            return Measurement(count: found, fullAt: fullAt,
                               evidence: e && found > 0 ? [String(found) + (found == 1 ? " question" : " questions")] : [],
                               isContent: false)
        case .constraints:
            let hits = phrases.hits(ofList: constraintList, counts: counts, evidenceLimit: e ? 3 : 0)
            var evidence = hits.evidence
            if e && structure.bulletLines > 0 { evidence.insert(String(structure.bulletLines) + " list items", at: 0) }
            return Measurement(count: hits.count + structure.bulletLines, fullAt: fullAt, evidence: evidence, isContent: true)
        case .attachments:
            let found = input.imageCount + input.documentCount
            // Evidence only when the signal fired: a zero strength drops it anyway, and this runs per request.
            return Measurement(count: found, fullAt: fullAt,
                               evidence: e && found > 0 ? ["\(input.imageCount) images, \(input.documentCount) documents"] : [],
                               isContent: true)
        case .tools:
            return Measurement(count: input.toolCount, fullAt: fullAt,
                               evidence: e && input.toolCount > 0 ? [String(input.toolCount) + " tools"] : [], isContent: true)
        case .conversationDepth:
            let depth = max(input.messageCount - 1, 0)
            return Measurement(count: depth, fullAt: fullAt, evidence: e && depth > 0 ? [String(input.messageCount) + " messages"] : [],
                               isContent: false)
        }
    }
}

/// One signal of a `ComplexityScorer`, flattened: which measurement, its `full_at`, its weight as
/// configured and its keyword list in the scorer's phrase table (-1: none).
struct SignalPlan: Sendable {
    enum Step: Sendable {
        case inputSize, keywords, code, patterns, structure, questions, constraints, attachments, tools
        case conversationDepth
    }

    var step: Step
    var fullAt: Int
    var weight: Double
    var list: Int

    init(_ kind: ComplexitySignal.Kind, weight: Double, list: Int) {
        self.weight = weight
        self.list = list
        switch kind {
        case .inputSize(let fullAt): (step, self.fullAt) = (.inputSize, fullAt)
        case .keywords(_, let fullAt): (step, self.fullAt) = (.keywords, fullAt)
        case .code(_, let fullAt): (step, self.fullAt) = (.code, fullAt)
        case .patterns(_, let fullAt): (step, self.fullAt) = (.patterns, fullAt)
        case .structure(_, let fullAt): (step, self.fullAt) = (.structure, fullAt)
        case .questions(let fullAt): (step, self.fullAt) = (.questions, fullAt)
        case .constraints(let fullAt): (step, self.fullAt) = (.constraints, fullAt)
        case .attachments(let fullAt): (step, self.fullAt) = (.attachments, fullAt)
        case .tools(let fullAt): (step, self.fullAt) = (.tools, fullAt)
        case .conversationDepth(let fullAt): (step, self.fullAt) = (.conversationDepth, fullAt)
        }
    }
}
