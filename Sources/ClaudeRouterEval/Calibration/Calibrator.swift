package import Foundation
package import RouterPolicies

/// Settings of a calibration run.
package struct CalibrationOptions: Sendable {
    /// What the thresholds must achieve.
    package var target: ThresholdSearch.Target
    /// L2 penalties tried by cross-validation (the one with the best out-of-fold APGR wins;
    /// ties go to the larger, simpler one).
    package var lambdas: [Double]
    /// Cross-validation folds (k-fold over the training rows).
    package var folds: Int
    /// Seed of the fold assignment (SplitMix64, `SeededGenerator`).
    package var seed: UInt64
    /// Most n-gram buckets kept in the sidecar (largest |weight| first).
    package var maxNGrams: Int
    /// Output tokens assumed per call when an outcome line has no `cost_usd` for a tier.
    package var assumedOutputTokens: Int
    /// Date whose prices the price book applies for estimated costs.
    package var priceDate: Date
    /// Prices for estimated costs.
    package var priceBook: PriceBook
    /// L-BFGS iteration cap per fit.
    package var maxIterations: Int
    /// Fewest complete outcome rows a task needs for its own thresholds (`TaskThresholdFit`).
    package var minTaskRows: Int
    /// Metadata key whose values group the rows for cross-validation (e.g. `task_hint`): a
    /// group never spans two folds, so λ is chosen for prompts of a kind the fit has not seen.
    /// `nil` (or fewer distinct values than 2): rows are assigned to folds at random.
    package var groupKey: String?
    /// N-grams that occur in fewer training prompts than this get no weight (1 keeps all).
    package var minDocumentFrequency: Int
    /// The part of each prompt the n-grams are read from (`nil`: all of it); stored in the model
    /// so that decisions read the same part.
    package var ngramWindow: DifficultyFeatures.NGramWindow?

    /// Defaults: λ ∈ {1e-2, 1e-3, 1e-4}, 5 folds, seed 1, 10,000 n-grams, 512 output tokens.
    package init(target: ThresholdSearch.Target, lambdas: [Double] = [1e-2, 1e-3, 1e-4], folds: Int = 5,
                seed: UInt64 = 1, maxNGrams: Int = 10_000, assumedOutputTokens: Int = 512,
                priceDate: Date = Date(), priceBook: PriceBook = .bundledDefault, maxIterations: Int = 200,
                minTaskRows: Int = TaskThresholdFit.defaultMinimumRows, groupKey: String? = nil,
                minDocumentFrequency: Int = 1, ngramWindow: DifficultyFeatures.NGramWindow? = nil) {
        self.target = target
        self.lambdas = lambdas
        self.folds = folds
        self.seed = seed
        self.maxNGrams = maxNGrams
        self.assumedOutputTokens = assumedOutputTokens
        self.priceDate = priceDate
        self.priceBook = priceBook
        self.maxIterations = maxIterations
        self.minTaskRows = minTaskRows
        self.groupKey = groupKey
        self.minDocumentFrequency = minDocumentFrequency
        self.ngramWindow = ngramWindow
    }
}

/// Why calibration could not produce a policy, with a stable code.
package struct CalibrationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes.
    package enum Code: String, Sendable, Hashable {
        /// Too few rows with outcomes for the cheapest and the top tier.
        case notEnoughData = "calibration_not_enough_data"
        /// A tier's model has no price and the outcomes give no `cost_usd`.
        case unpriced = "calibration_unpriced"
        /// The target cannot be met (the message says what can).
        case unreachable = "calibration_unreachable"
    }
    /// The code.
    package var code: Code
    /// What went wrong.
    package var message: String
    /// An error.
    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
    /// `message`.
    package var description: String { message }
}

/// What `Calibrator.train` produced.
package struct CalibrationResult: Sendable {
    /// The learned model (the sidecar's content).
    package var model: DifficultyModel
    /// Chosen threshold per tier (`nil`: the tier is never chosen by score), in tier order: the
    /// policy's global thresholds, which apply to every task without its own.
    package var thresholds: [Double?]
    /// Per task the engine routes outcome rows to: its own thresholds, or why it keeps the global ones.
    package var tasks: [TaskThresholdFit]
    /// The λ cross-validation chose.
    package var lambda: Double
    /// Out-of-fold APGR (cheapest vs. top tier) per λ tried, in `options.lambdas` order.
    package var crossValidatedAPGR: [(lambda: Double, apgr: Double?)]
    /// The thresholds' pass rate and cost on the training rows' out-of-fold scores.
    package var trainingEstimate: ThresholdSearch.Choice
    /// Training lines used (each with at least one tier's outcome).
    package var trainingRows: Int
    /// Training lines with every tier's outcome (the threshold search uses only these).
    package var completeRows: Int
    /// The base policy with the scorer and the new thresholds (model held in memory).
    package var policy: Policy
}

/// Trains the learned difficulty score and chooses thresholds (docs/CALIBRATION.md).
///
/// 1. Features per prompt (`CalibrationFeatures`). 2. For each λ, k-fold cross-validation of
/// the cheapest and top tiers' logistic regressions gives out-of-fold scores
/// `clamp(P_pass(top) − P_pass(cheapest), 0, 1)`; the λ with the best out-of-fold APGR wins.
/// 3. One regression per tier on all training rows at that λ; weights rounded to 1e-4 and the
/// `maxNGrams` largest n-gram buckets kept. 4. `ThresholdSearch` on the out-of-fold scores.
/// Held-out rows are never seen here.
package enum Calibrator {
    /// Runs steps 1–4 on `records` for `policy` (its tiers, signals and task routes).
    package static func train(policy: Policy, records: [OutcomeRecord],
                             options: CalibrationOptions) throws(CalibrationError) -> CalibrationResult {
        let tiers = policy.tiers.map(\.name)
        guard let weakTier = tiers.first, let strongTier = tiers.last, tiers.count >= 2 else {
            throw CalibrationError(code: .notEnoughData, message: "the policy needs at least two tiers to calibrate")
        }
        let features = CalibrationFeatures(records: records, policy: policy, minDocumentFrequency: options.minDocumentFrequency,
                                           window: options.ngramWindow)
        let labels: [[Double?]] = tiers.map { tier in records.map { $0.passed[tier].map { $0 ? 1 : 0 } } }
        let weak = 0, strong = tiers.count - 1
        let paired = records.indices.filter { labels[weak][$0] != nil && labels[strong][$0] != nil }
        let folds = max(2, options.folds)
        guard paired.count >= folds * 4 else {
            throw CalibrationError(code: .notEnoughData, message: "need at least \(folds * 4) prompts with outcomes for both "
                                   + "'\(weakTier)' and '\(strongTier)' in the training lines (got \(paired.count), after the "
                                   + "held-out part is set aside): \(folds) cross-validation folds need \(folds * 4)")
        }
        // Seeded fold assignment: Fisher–Yates shuffle with SplitMix64, then round-robin — of
        // the rows, or of the groups when `groupKey` names at least two distinct values.
        var order = Array(records.indices)
        var generator = SeededGenerator(seed: options.seed)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextIndex(below: i + 1)) }
        var foldOf = [Int](repeating: 0, count: records.count)
        let groups = options.groupKey.map { key in records.map { $0.metadata[key] ?? "" } }
        if let groups, Set(groups).count >= 2 {
            var names = Set(groups).sorted()
            for i in stride(from: names.count - 1, to: 0, by: -1) { names.swapAt(i, generator.nextIndex(below: i + 1)) }
            var foldOfGroup: [String: Int] = [:]
            for (position, name) in names.enumerated() { foldOfGroup[name] = position % folds }
            for index in records.indices { foldOf[index] = foldOfGroup[groups[index]]! }
        } else {
            for (position, index) in order.enumerated() { foldOf[index] = position % folds }
        }
        let fold = foldOf

        // Out-of-fold probabilities for every (λ, fold), fitted in parallel into separate slots.
        let jobs = options.lambdas.indices.flatMap { l in (0..<folds).map { (l, $0) } }
        let oof = OOFBuffer(lambdas: options.lambdas.count, rows: records.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { job in
            let (l, f) = jobs[job]
            let fitter = LogisticRegression(lambda: options.lambdas[l], maxIterations: options.maxIterations)
            let held = records.indices.filter { fold[$0] == f }
            for (slot, tier) in [(0, weak), (1, strong)] {
                let train = records.indices.filter { fold[$0] != f && labels[tier][$0] != nil }
                let fit = fitter.fit(features.rows.subset(train), labels: train.map { labels[tier][$0]! })
                var values: [(Int, Double)] = []
                for i in held { values.append((i, fit.probability(features.rows, row: i))) }
                oof.store(lambda: l, slot: slot, values: values)
            }
        }
        var cv: [(lambda: Double, apgr: Double?)] = []
        var bestLambda = 0
        var bestAPGR = -Double.infinity
        for l in options.lambdas.indices {
            let scores = paired.map { oof.score(lambda: l, row: $0) }
            let apgr = RoutingQuality.apgr(scores: scores, weak: paired.map { labels[weak][$0]! },
                                           strong: paired.map { labels[strong][$0]! })
            cv.append((options.lambdas[l], apgr))
            if let apgr, apgr > bestAPGR + 1e-12 || (abs(apgr - bestAPGR) <= 1e-12 && options.lambdas[l] > options.lambdas[bestLambda]) {
                bestAPGR = apgr
                bestLambda = l
            }
        }
        let lambda = options.lambdas[bestLambda]

        // Final per-tier fits on every training row with that tier's outcome.
        let fitter = LogisticRegression(lambda: lambda, maxIterations: options.maxIterations)
        let fits = FitBuffer(count: tiers.count)
        DispatchQueue.concurrentPerform(iterations: tiers.count) { t in
            let train = records.indices.filter { labels[t][$0] != nil }
            fits.store(t, fitter.fit(features.rows.subset(train), labels: train.map { labels[t][$0]! }))
        }
        let model = buildModel(features: features, fits: fits.values, tiers: tiers, records: records,
                               lambda: lambda, options: options, cvAPGR: bestAPGR)

        // Thresholds on the out-of-fold scores of rows with every tier's outcome.
        let complete = records.indices.filter { i in tiers.indices.allSatisfy { labels[$0][i] != nil } }
        guard !complete.isEmpty else {
            throw CalibrationError(code: .notEnoughData, message: "no prompt has an outcome for every tier (\(tiers.joined(separator: ", "))); thresholds need them")
        }
        let baseEngine = PolicyEngine(policy: policy)
        var rows: [ThresholdSearch.Row] = []
        var taskOfRow: [String] = []
        for i in complete {
            let route = Self.route(of: records[i], engine: baseEngine)
            rows.append(ThresholdSearch.Row(score: oof.score(lambda: bestLambda, row: i), fixedTier: route.fixed,
                                            minTier: route.min, maxTier: route.max,
                                            passed: tiers.indices.map { labels[$0][i]! == 1 },
                                            cost: try costs(of: records[i], policy: policy, options: options)))
            taskOfRow.append(route.task)
        }
        let choice: ThresholdSearch.Choice
        do {
            choice = try ThresholdSearch().search(rows: rows, tierCount: tiers.count, target: options.target)
        } catch {
            throw CalibrationError(code: .unreachable, message: error.message)
        }
        let split = TaskThresholdFit.fit(rows: rows, tasks: taskOfRow, policy: policy, global: choice, options: options)
        var calibrated = policy
        calibrated.thresholds = [:]
        for (index, threshold) in split.global.thresholds.enumerated() {
            if let threshold { calibrated.thresholds[tiers[index]] = threshold }
        }
        for name in calibrated.tasks.keys { calibrated.tasks[name]?.thresholds = nil }
        for fit in split.tasks {
            guard let own = fit.thresholds else { continue }
            var map: [String: Double] = [:]
            for (index, threshold) in own.enumerated() { if let threshold { map[tiers[index]] = threshold } }
            calibrated.tasks[fit.task]?.thresholds = map
        }
        let bytes = Array(model.encodedJSON().utf8)
        // The base policy's no-evidence guard carries over (the held-out report measures the
        // policy with it); a blend weight does not: the thresholds are for the learned score.
        calibrated.scorer = ScorerSettings(modelPath: "", sha256: SHA256.hex(of: bytes), model: model,
                                           noSignalFallback: policy.scorer?.noSignalFallback ?? false,
                                           minKnownFraction: policy.scorer?.minKnownFraction ?? 0)
        return CalibrationResult(model: model, thresholds: split.global.thresholds, tasks: split.tasks, lambda: lambda,
                                 crossValidatedAPGR: cv, trainingEstimate: split.estimate, trainingRows: records.count,
                                 completeRows: complete.count, policy: calibrated)
    }

    /// The task the engine routes a record as, and that task's route: fixed tier, or allowed range.
    static func route(of record: OutcomeRecord, engine: PolicyEngine) -> (task: String, fixed: Int?, min: Int, max: Int) {
        let policy = engine.policy
        let top = policy.tiers.count - 1
        let decision = engine.decide(record.routingInput)
        guard let route = policy.tasks[decision.task] else { return (decision.task, nil, 0, top) }
        let low = route.minTier.flatMap(policy.tierIndex(named:)) ?? 0
        return (decision.task, route.tier.flatMap(policy.tierIndex(named:)), low,
                max(route.maxTier.flatMap(policy.tierIndex(named:)) ?? top, low))
    }

    /// Per tier: the record's `cost_usd`, else the price book's cost of its estimated input
    /// tokens plus `assumedOutputTokens`, in USD.
    package static func costs(of record: OutcomeRecord, policy: Policy, options: CalibrationOptions) throws(CalibrationError) -> [Double] {
        var result: [Double] = []
        let inputTokens = record.routingInput.estimatedInputTokens
        for tier in policy.tiers {
            if let measured = record.costUSD[tier.name] {
                result.append(measured.dollars)
                continue
            }
            guard let cost = options.priceBook.cost(of: TokenUsage(input: inputTokens, output: options.assumedOutputTokens),
                                                    model: tier.model, at: options.priceDate) else {
                throw CalibrationError(code: .unpriced, message: "line \(record.line): tier '\(tier.name)' (model '\(tier.model)') "
                                       + "has no price and the line gives no cost_usd for it")
            }
            result.append(cost.total.dollars)
        }
        return result
    }

    static func round4(_ value: Double) -> Float { Float((value * 10_000).rounded() / 10_000) }

    static func buildModel(features: CalibrationFeatures, fits: [LogisticRegression.Fit], tiers: [String],
                           records: [OutcomeRecord], lambda: Double, options: CalibrationOptions,
                           cvAPGR: Double) -> DifficultyModel {
        let dense = features.denseNames.count
        // Rank n-gram columns by their largest rounded |weight| over tiers; keep the top ones.
        var ranked: [(column: Int, magnitude: Float)] = []
        for j in 0..<features.buckets.count {
            let magnitude = fits.map { abs(round4($0.weights[dense + j])) }.max() ?? 0
            if magnitude > 0 { ranked.append((j, magnitude)) }
        }
        ranked.sort { $0.magnitude != $1.magnitude ? $0.magnitude > $1.magnitude : features.buckets[$0.column] < features.buckets[$1.column] }
        let kept = ranked.prefix(options.maxNGrams).map(\.column).sorted { features.buckets[$0] < features.buckets[$1] }
        let keptBuckets = kept.map { features.buckets[$0] }
        // The most frequent n-gram text per kept bucket (ties: the lexicographically smallest).
        let wanted = Set(keptBuckets)
        var frequency: [UInt32: [String: Int]] = [:]
        for record in records {
            for gram in DifficultyFeatures.ngrams(of: record.text, bucketBits: features.bucketBits) where wanted.contains(gram.bucket) {
                frequency[gram.bucket, default: [:]][gram.text, default: 0] += 1
            }
        }
        let texts = keptBuckets.map { bucket -> String in
            let counts = frequency[bucket] ?? [:]
            return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key ?? ""
        }
        return DifficultyModel(
            bucketBits: features.bucketBits, tiers: tiers, weakTier: tiers[0], strongTier: tiers[tiers.count - 1],
            denseFeatures: features.denseNames, bias: fits.map { round4($0.bias) },
            denseWeights: fits.map { fit in (0..<dense).map { round4(fit.weights[$0]) } },
            ngramBuckets: keptBuckets, ngramTexts: texts,
            ngramWeights: fits.map { fit in kept.map { round4(fit.weights[dense + $0]) } },
            training: ["rows": String(records.count), "lambda": String(lambda), "folds": String(options.folds),
                       "fold_groups": options.groupKey ?? "", "min_document_frequency": String(options.minDocumentFrequency),
                       "seed": String(options.seed), "cv_apgr": String(format: "%.4f", cvAPGR),
                       "loss": "L2-regularised logistic regression, L-BFGS",
                       "score": "clamp(P_pass(\(tiers[tiers.count - 1])) - P_pass(\(tiers[0])), 0, 1)"],
            ngramWindow: options.ngramWindow)
    }
}

/// Out-of-fold probabilities, written by parallel fits into disjoint slots.
/// `@unchecked Sendable`: every write holds `lock`, and reads happen after `concurrentPerform` returns.
final class OOFBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[[Double]]]

    init(lambdas: Int, rows: Int) {
        values = Array(repeating: Array(repeating: Array(repeating: 0.5, count: rows), count: 2), count: lambdas)
    }

    func store(lambda: Int, slot: Int, values new: [(Int, Double)]) {
        lock.lock(); defer { lock.unlock() }
        for (row, value) in new { values[lambda][slot][row] = value }
    }

    /// `clamp(P(strong) − P(weak), 0, 1)`.
    func score(lambda: Int, row: Int) -> Double {
        min(max(values[lambda][1][row] - values[lambda][0][row], 0), 1)
    }
}

/// Final per-tier fits from parallel jobs. `@unchecked Sendable`: writes hold `lock`; reads follow the join.
final class FitBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [LogisticRegression.Fit?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ fit: LogisticRegression.Fit) {
        lock.lock(); defer { lock.unlock() }
        slots[index] = fit
    }

    var values: [LogisticRegression.Fit] { slots.map { $0! } }
}
