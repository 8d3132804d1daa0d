extension PolicyEngine {
    /// Which score decided, with the learned and hand-made values behind it (for the decision's
    /// `scoreSource`, `learnedScore` and `heuristicScore`).
    struct ScoreOrigin {
        var source: RoutingDecision.ScoreSource
        var learned: Double?
        var heuristic: Double

        init(source: RoutingDecision.ScoreSource, learned: Double? = nil, heuristic: Double) {
            self.source = source
            self.learned = learned
            self.heuristic = heuristic
        }

        /// From the learned scorer's result: a result without `recognizedSignal` is the guard's
        /// fallback — for want of a hand-made signal (`noSignalFallback` on and `heuristic` had
        /// none), else because too little of the text was seen in training.
        init(_ learned: ComplexityScore, heuristic: ComplexityScore, weight: Double, noSignalFallback: Bool) {
            if learned.recognizedSignal {
                self.init(source: weight > 0 ? .blend : .learned, learned: learned.value, heuristic: heuristic.value)
            } else {
                let noSignal = noSignalFallback && !heuristic.recognizedSignal
                self.init(source: noSignal ? .fallbackNoSignal : .fallbackUnknownText, heuristic: heuristic.value)
            }
        }
    }

    /// The score the thresholds apply to: where the learned score is used and the policy sets
    /// `heuristic_weight` h, `(1 − h) · learned + h · hand-made` (a convex blend, so still 0…1).
    /// Its contributions are in score units like the hand-made ones: each hand-made signal's
    /// share times h, plus one entry `learned` = (1 − h) · learned score, whose evidence names the
    /// learned features that moved it most. On the guard's fallback (a result without
    /// `recognizedSignal`) the hand-made score decides exactly as in a policy without a scorer: by
    /// the thresholds when one of its signals fired (text the model never saw), else the default
    /// tier.
    func blend(_ learned: ComplexityScore, heuristic: ComplexityScore) -> ComplexityScore {
        Self.blend(learned, heuristic: heuristic, weight: heuristicWeight)
    }

    /// `blend(_:heuristic:)` with the weight given (static, so `decide`'s closures need not
    /// capture the engine).
    static func blend(_ learned: ComplexityScore, heuristic: ComplexityScore, weight: Double) -> ComplexityScore {
        guard learned.recognizedSignal else { return heuristic }
        guard weight > 0 else { return learned }
        let h = weight
        // Room for the `learned` entry up front: `map` then `append` copied the array once more.
        var parts: [SignalContribution] = []
        parts.reserveCapacity(heuristic.contributions.count + 1)
        for part in heuristic.contributions {
            parts.append(SignalContribution(name: part.name, weight: part.weight, strength: part.strength,
                                            contribution: h * part.contribution, evidence: part.evidence))
        }
        parts.append(SignalContribution(name: "learned", weight: 1 - h, strength: learned.value,
                                        contribution: (1 - h) * learned.value,
                                        evidence: learned.contributions.prefix(3).map(\.name)))
        return ComplexityScore(value: (1 - h) * learned.value + h * heuristic.value, contributions: parts,
                               recognizedSignal: true)
    }
}
