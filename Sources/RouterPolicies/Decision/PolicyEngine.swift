/// Turns a `Policy` into routing decisions. Pure and deterministic: the same policy and input
/// always give the same decision, with no clock, randomness or I/O. Everything that can be
/// resolved ahead (tier names to indices, variant overlays, the scorer and classifier) is
/// resolved once in `init`, so `decide` only scores, compares and looks up.
public struct PolicyEngine: Sendable {
    /// The policy as given.
    public let policy: Policy

    let arms: [Arm]
    let rules: [ResolvedRule]
    /// The parts that read the prompt, behind one reference: `decide` hands them to the closure
    /// that reads the text, and capturing the structs themselves copied them per decision (a
    /// retain and a release of each of their arrays, about 5% of a decision at 2,000 tokens).
    let reading: Reading
    let minimumConfidence: Double
    let pinConfidence: Double
    let fallbackTask: String
    let variantKey: String?
    /// Running sums of the variant weights (arm `i + 1` owns `cumulativeWeights[i-1] ..< cumulativeWeights[i]`).
    let cumulativeWeights: [Double]
    let escalation: EscalationSettings

    /// Precomputes the routing tables. Never fails: a code-built policy's unresolvable
    /// references are ignored (a YAML policy has been validated already).
    public init(policy: Policy) {
        self.policy = policy
        let base = Arm(policy: policy, variant: nil)
        var arms = [base]
        var cumulative: [Double] = []
        var total = 0.0
        if let set = policy.variants {
            for variant in set.variants {
                arms.append(Arm(policy: policy, variant: variant))
                total += variant.weight.isFinite ? max(variant.weight, 0) : 0
                cumulative.append(total)
            }
        }
        self.arms = arms
        self.cumulativeWeights = total > 0 ? cumulative : []
        self.variantKey = total > 0 ? policy.variants?.assignBy : nil
        self.rules = policy.rules.map { ResolvedRule($0, policy: policy) }
        self.reading = Reading(policy: policy)
        self.minimumConfidence = policy.classifier.minimumConfidence
        self.pinConfidence = policy.classifier.pinConfidence
        self.fallbackTask = policy.classifier.fallbackTask
        self.escalation = policy.escalation
    }

    /// The hand-made complexity scorer.
    var scorer: ComplexityScorer { reading.scorer }
    /// The learned difficulty scorer when the policy has a `scorer:` block.
    var difficulty: DifficultyScorer? { reading.difficulty }
    /// The scorer's `heuristic_weight` (0 without a scorer): the hand-made score's share of the blend.
    var heuristicWeight: Double { reading.heuristicWeight }
    /// The task classifier.
    var classifier: TaskClassifier { reading.classifier }

    /// Everything `decide` needs to read a prompt, resolved once. Immutable after `init`.
    final class Reading: Sendable {
        let scorer: ComplexityScorer
        let difficulty: DifficultyScorer?
        let heuristicWeight: Double
        let classifier: TaskClassifier
        /// The scorer's keyword lists followed by the classifier rules' keywords: `decide` reads
        /// the prompt once for both.
        let phrases: PhraseTable
        /// How many `first … then` sequences the scorer and the classifier need counted.
        let firstThenLimit: Int
        /// Whether a decision shows the hand-made score (no learned scorer, or a blend), so its
        /// evidence strings are worth building.
        let handMadeScoreShown: Bool

        init(policy: Policy) {
            let scorer = ComplexityScorer(policy.signals)
            let classifier = TaskClassifier(rules: policy.classifier.rules,
                                             minimumConfidence: policy.classifier.minimumConfidence,
                                             signals: policy.signals)
            self.scorer = scorer
            self.difficulty = policy.scorer.map {
                DifficultyScorer(model: $0.model, signalNames: policy.signals.signals.map(\.name),
                                 noSignalFallback: $0.noSignalFallback, minKnownFraction: $0.minKnownFraction)
            }
            self.heuristicWeight = policy.scorer?.heuristicWeight ?? 0
            self.classifier = classifier
            self.phrases = PhraseTable(lists: scorer.keywordLists + policy.classifier.rules.map(\.keywords))
            self.firstThenLimit = max(scorer.firstThenLimit, classifier.firstThenLimit)
            self.handMadeScoreShown = difficulty == nil || heuristicWeight > 0
        }
    }

    /// The variant a caller with this metadata is assigned to (`nil`: no experiment, or the
    /// assigning key is absent). Deterministic: FNV-1a 64 of `"key:value"`, mixed by `fmix64`,
    /// picks a weight bucket.
    public func assignedVariant(metadata: [String: String]) -> String? {
        arms[armIndex(metadata: metadata)].variantName
    }

    func armIndex(metadata: [String: String]) -> Int {
        guard let key = variantKey, let value = metadata[key], let total = cumulativeWeights.last else { return 0 }
        var hash = FNV1a64()
        hash.combine(key)
        hash.combine(UInt8(ascii: ":"))
        hash.combine(value)
        // The top 53 bits of the mixed hash give a uniform double in [0, 1).
        let point = Double(hash.mixed >> 11) * 0x1p-53 * total
        for (offset, bound) in cumulativeWeights.enumerated() where point < bound {
            return offset + 1
        }
        return cumulativeWeights.count
    }

    func armIndex(variant: String?) -> Int {
        guard let variant else { return 0 }
        return arms.firstIndex { $0.variantName == variant } ?? 0
    }
}

extension PolicyEngine {
    /// One task's route with tier names resolved to indices.
    struct ResolvedTask: Sendable {
        var fixed: Int?
        var minIndex: Int
        var maxIndex: Int
        var maxTokens: Int
        var escalation: [Int]?
        /// The task's own per-tier minimum scores (`.infinity`: not by score); `nil` uses the arm's.
        var thresholds: [Double]? = nil
    }

    /// The base policy or one variant of it, fully resolved.
    struct Arm: Sendable {
        var variantName: String?
        var tiers: [Tier]
        /// Per tier: the minimum score, `.infinity` when the tier is not reachable by score.
        var thresholds: [Double]
        var defaultIndex: Int
        var tasks: [String: ResolvedTask]
        /// Used for a task the policy does not define (only possible for code-built policies).
        var catchAll: ResolvedTask
        /// The fallback task's route (looked up once here rather than on every decision).
        var fallbackRoute: ResolvedTask

        init(policy: Policy, variant: Variant?) {
            variantName = variant?.name
            let overrides = variant?.overrides ?? .init()
            var tiers = policy.tiers
            for index in tiers.indices {
                if let model = overrides.models[tiers[index].name] { tiers[index].model = model }
            }
            self.tiers = tiers
            let lookup = { (name: String?) -> Int? in
                guard let name else { return nil }
                return policy.tierIndex(named: name)
            }
            var thresholdByName = policy.thresholds
            thresholdByName.merge(overrides.thresholds) { _, new in new }
            thresholds = tiers.map { thresholdByName[$0.name] ?? .infinity }
            defaultIndex = lookup(overrides.defaultTier ?? policy.defaultTier) ?? 0
            let top = max(tiers.count - 1, 0)
            catchAll = ResolvedTask(fixed: nil, minIndex: 0, maxIndex: top, maxTokens: TaskRoute.defaultMaxTokens,
                                    escalation: nil)
            var routes = policy.tasks
            routes.merge(overrides.tasks) { _, new in new }
            tasks = routes.mapValues { route in
                let low = lookup(route.minTier) ?? 0
                let high = max(lookup(route.maxTier) ?? top, low)
                return ResolvedTask(fixed: lookup(route.tier), minIndex: low, maxIndex: high,
                                    maxTokens: route.maxTokens,
                                    escalation: route.escalation.map { $0.compactMap(lookup) },
                                    thresholds: route.thresholds.map { own in tiers.map { own[$0.name] ?? .infinity } })
            }
            fallbackRoute = tasks[policy.classifier.fallbackTask] ?? catchAll
        }
    }

    /// An override rule with names resolved and metadata flattened for quick matching.
    struct ResolvedRule: Sendable {
        var name: String
        var tasks: [String]?
        var metadata: [(key: String, values: [String], any: Bool)]
        var minScore: Double?
        var maxScore: Double?
        var minInputTokens: Int?
        var maxInputTokens: Int?
        var tier: Int?
        var minTier: Int?
        var maxTier: Int?
        var maxTokens: Int?

        init(_ rule: OverrideRule, policy: Policy) {
            name = rule.name
            tasks = rule.match.tasks
            metadata = rule.match.metadata.sorted { $0.key < $1.key }.map { entry in
                (key: entry.key, values: entry.value, any: entry.value.contains("*"))
            }
            minScore = rule.match.minScore
            maxScore = rule.match.maxScore
            minInputTokens = rule.match.minInputTokens
            maxInputTokens = rule.match.maxInputTokens
            tier = rule.action.tier.flatMap(policy.tierIndex(named:))
            minTier = rule.action.minTier.flatMap(policy.tierIndex(named:))
            maxTier = rule.action.maxTier.flatMap(policy.tierIndex(named:))
            maxTokens = rule.action.maxTokens
        }

        func matches(task: String, metadata values: [String: String], score: Double, inputTokens: Int) -> Bool {
            if let tasks, !tasks.contains(task) { return false }
            if let minScore, score < minScore { return false }
            if let maxScore, score > maxScore { return false }
            if let minInputTokens, inputTokens < minInputTokens { return false }
            if let maxInputTokens, inputTokens > maxInputTokens { return false }
            for condition in metadata {
                guard let value = values[condition.key] else { return false }
                if !condition.any && !condition.values.contains(value) { return false }
            }
            return true
        }
    }
}
