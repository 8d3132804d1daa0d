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
    /// `heuristic_weight` h, `(1 − h) · learned + h · hand-made` (a convex blend, so still 0…1);
    /// the learned contributions are kept (they explain the learned part). On the guard's
    /// fallback (a result without `recognizedSignal`) the hand-made score decides exactly as in a
    /// policy without a scorer: by the thresholds when one of its signals fired (text the model
    /// never saw), else the default tier.
    func blend(_ learned: ComplexityScore, heuristic: ComplexityScore) -> ComplexityScore {
        guard learned.recognizedSignal else { return heuristic }
        guard heuristicWeight > 0 else { return learned }
        var result = learned
        result.value = (1 - heuristicWeight) * learned.value + heuristicWeight * heuristic.value
        return result
    }
}
