extension PolicyEngine {
    /// Where the task type came from; shown in the reason.
    enum TaskSource {
        case caller, classified, fallback
        /// The caller named a task the policy does not define.
        case unknown(String)
    }

    /// How the tier was first picked, before rules and the context check.
    enum TierBasis {
        case fixedByTask
        case noSignal
        /// The score reached the threshold of tier `index` (`nil`: below every threshold).
        case score(thresholdTier: Int?)
    }

    /// What moved the tier after the first pick; shown in the reason.
    struct Adjustments {
        var clampedToTaskMin = false
        var clampedToTaskMax = false
        var ruleEffect: RuleEffect = .none
        var contextMove: (from: Int, to: Int)?
        var overflow = false
        /// A low-confidence guess lost its fixed tier or floor.
        var unpinned = false
    }

    enum RuleEffect {
        case none, forced, raised, capped, tokensOnly, noChange
    }

    /// Decides the tier, model and `max_tokens` for one request:
    /// 1. variant from the assigning metadata key; 2. task from the caller, else the classifier
    /// (at or above `minimum_confidence`; below `pin_confidence` within the fallback task's
    /// range), else the fallback task; 3. the tier the score's
    /// thresholds reach, clamped to the task's range — or the task's fixed tier, or the default
    /// tier when no signal was recognised; 4. the first matching override rule; 5. the context
    /// check: a tier whose window cannot hold input + `max_tokens` is never chosen.
    public func decide(_ input: RoutingInput) -> RoutingDecision {
        let armIndex = armIndex(metadata: input.metadata)
        let arm = arms[armIndex]
        guard !arm.tiers.isEmpty else {
            return RoutingDecision(tier: "", tierIndex: 0, model: "", maxTokens: input.requestedMaxTokens ?? 0,
                                   escalationPath: [], score: 0, contributions: [], matchedRule: nil,
                                   variant: arm.variantName, task: input.task ?? fallbackTask, taskConfidence: 0,
                                   estimatedInputTokens: input.estimatedInputTokens, contextOverflowRisk: true,
                                   reason: "policy '\(policy.name)' has no tiers")
        }

        // One read of the prompt gives the phrase counts for both the classifier and the scorer.
        let namedRoute = input.task.flatMap { arm.tasks[$0] }
        // … and one structure scan serves both too.
        // The closures capture one reference: capturing `self`, or the scorer and classifier
        // structs, made every decision copy them (a retain and a release of each of their arrays).
        let (guess, score, scored) = withUTF8Bytes(of: input.text) { [reading] bytes in
            reading.phrases.withCounts(in: bytes) { counts in
                let structure = TextStructure(bytes, firstThenLimit: reading.firstThenLimit)
                // A learned scorer alone reads only the signal strengths, so the hand-made
                // evidence strings are built only where that score is shown: without a scorer, in
                // a blend, or (built then) when the no-evidence guard falls back.
                let score = reading.scorer.score(input, bytes: bytes, structure: structure, phrases: reading.phrases,
                                                 counts: counts,
                                                 evidence: reading.handMadeScoreShown)
                // The decision reads the task and confidence only, not the classifier's evidence.
                let guess = namedRoute == nil
                    ? reading.classifier.classify(bytes: bytes, structure: structure, phrases: reading.phrases,
                                                  firstList: reading.scorer.keywordLists.count, counts: counts,
                                                  contributions: score.contributions, evidence: false)
                    : nil
                // A learned scorer replaces the value the thresholds apply to; the signal
                // strengths it was trained on are among its features (and the classifier above
                // reads the signals' own contributions).
                guard let learned = reading.difficulty?.score(bytes: bytes, inputTokens: input.estimatedInputTokens,
                                                              base: score) else {
                    return (guess, score, ScoreOrigin(source: .heuristic, heuristic: score.value))
                }
                let weight = reading.heuristicWeight
                let origin = ScoreOrigin(learned, heuristic: score, weight: weight,
                                         noSignalFallback: reading.difficulty?.noSignalFallback ?? false)
                if learned.recognizedSignal && weight == 0 { return (guess, learned, origin) }
                if weight > 0 { return (guess, Self.blend(learned, heuristic: score, weight: weight), origin) }
                // The guard fell back to the hand-made score: the same score, now with its evidence.
                let handMade = reading.scorer.score(input, bytes: bytes, structure: structure, phrases: reading.phrases,
                                                    counts: counts)
                return (guess, Self.blend(learned, heuristic: handMade, weight: weight), origin)
            }
        }

        // Task type.
        var adjustments = Adjustments()
        var taskName = fallbackTask
        var confidence = 0.0
        var source = TaskSource.fallback
        var route = arm.fallbackRoute
        if let named = input.task, let namedRoute {
            taskName = named
            confidence = 1
            source = .caller
            route = namedRoute
        } else if let guess, let task = guess.task, guess.confidence >= minimumConfidence,
                  let guessedRoute = arm.tasks[task] {
            taskName = task
            confidence = guess.confidence
            source = .classified
            route = guessedRoute
            if confidence < pinConfidence {
                route = Self.unpinned(guessedRoute, fallback: arm.fallbackRoute)
                adjustments.unpinned = route.fixed != guessedRoute.fixed || route.minIndex != guessedRoute.minIndex
            }
        } else if let named = input.task {
            source = .unknown(named)
        }

        // Tier from the score.
        var index: Int
        var basis: TierBasis
        var thresholdSource: RoutingDecision.ThresholdSource?
        // A task's own thresholds (docs/POLICY.md) replace the policy's for its prompts.
        let thresholds = route.thresholds ?? arm.thresholds
        if let fixed = route.fixed {
            index = fixed
            basis = .fixedByTask
        } else {
            if score.recognizedSignal {
                thresholdSource = route.thresholds == nil ? .policy : .task
                var reached: Int?
                for (tier, threshold) in thresholds.enumerated() where score.value >= threshold {
                    reached = tier
                }
                index = reached ?? 0
                basis = .score(thresholdTier: reached)
            } else {
                index = arm.defaultIndex
                basis = .noSignal
            }
            if index < route.minIndex { index = route.minIndex; adjustments.clampedToTaskMin = true }
            if index > route.maxIndex { index = route.maxIndex; adjustments.clampedToTaskMax = true }
        }

        // Override rules: the first match applies.
        let inputTokens = input.estimatedInputTokens
        var matched: ResolvedRule?
        for rule in rules where rule.matches(task: taskName, metadata: input.metadata,
                                             score: score.value, inputTokens: inputTokens) {
            matched = rule
            break
        }
        if let rule = matched {
            let before = index
            if let forced = rule.tier { index = forced }
            if let low = rule.minTier, index < low { index = low }
            if let high = rule.maxTier, index > high { index = high }
            if rule.tier != nil && index == rule.tier {
                adjustments.ruleEffect = .forced
            } else if index > before {
                adjustments.ruleEffect = .raised
            } else if index < before {
                adjustments.ruleEffect = .capped
            } else {
                adjustments.ruleEffect = rule.maxTokens != nil ? .tokensOnly : .noChange
            }
        }
        let wantedTokens = max(matched?.maxTokens ?? input.requestedMaxTokens ?? route.maxTokens, 1)

        // Context fit: never a tier that cannot hold input + max_tokens.
        let chosen = fit(index: index, inputTokens: inputTokens, wantedTokens: wantedTokens, tiers: arm.tiers)
        if chosen.index != index { adjustments.contextMove = (index, chosen.index) }
        adjustments.overflow = chosen.overflow
        index = chosen.index
        let tier = arm.tiers[index]
        let maxTokens = min(wantedTokens, tier.maxOutputTokens)

        var path: [String] = []
        if escalation.enabled && escalation.maxSteps > 0 {
            if let explicit = route.escalation {
                for next in explicit where next > index && path.count < escalation.maxSteps {
                    path.append(arm.tiers[next].name)
                }
            } else {
                for next in arm.tiers.indices where next > index && path.count < escalation.maxSteps {
                    path.append(arm.tiers[next].name)
                }
            }
        }

        let reason = describe(task: taskName, source: source, confidence: confidence, tiers: arm.tiers, index: index,
                              basis: basis, thresholds: thresholds, score: score, adjustments: adjustments,
                              rule: matched, inputTokens: inputTokens, maxTokens: maxTokens,
                              variant: arm.variantName)
        return RoutingDecision(tier: tier.name, tierIndex: index, model: tier.model, maxTokens: maxTokens,
                               escalationPath: path, score: score.value, contributions: score.contributions,
                               matchedRule: matched?.name, variant: arm.variantName, task: taskName,
                               taskConfidence: confidence, estimatedInputTokens: inputTokens,
                               contextOverflowRisk: chosen.overflow, reason: reason, scoreSource: scored.source,
                               learnedScore: scored.learned, heuristicScore: scored.heuristic,
                               thresholdSource: thresholdSource)
    }

    /// The route of a task guessed with low confidence: the guess may lower the ceiling but
    /// never raises the floor. A fixed tier at or below the fallback's lowest stays; otherwise
    /// the score picks between the fallback's lowest tier and the lower of the two ceilings.
    static func unpinned(_ guessed: ResolvedTask, fallback: ResolvedTask) -> ResolvedTask {
        if let fixed = guessed.fixed, fixed <= fallback.minIndex { return guessed }
        var route = guessed
        route.fixed = nil
        route.minIndex = fallback.minIndex
        route.maxIndex = max(min(guessed.fixed ?? guessed.maxIndex, fallback.maxIndex), route.minIndex)
        return route
    }

    /// The tier to use so that input + `max_tokens` fits: the chosen one if it fits, else the
    /// cheapest tier above it that fits, else the cheapest below it that fits, else the one with
    /// the largest window (flagged as an overflow risk).
    func fit(index: Int, inputTokens: Int, wantedTokens: Int, tiers: [Tier]) -> (index: Int, overflow: Bool) {
        func fits(_ candidate: Int) -> Bool {
            let tier = tiers[candidate]
            let (total, overflow) = inputTokens.addingReportingOverflow(min(wantedTokens, tier.maxOutputTokens))
            return !overflow && total <= tier.contextWindow
        }
        if fits(index) { return (index, false) }
        for candidate in (index + 1)..<tiers.count where fits(candidate) { return (candidate, false) }
        for candidate in 0..<index where fits(candidate) { return (candidate, false) }
        var largest = index
        for candidate in tiers.indices where tiers[candidate].contextWindow > tiers[largest].contextWindow {
            largest = candidate
        }
        return (largest, true)
    }
}
