extension RoutingDecision {
    /// Which score `RoutingDecision.score` is, so that `explain` can say what decided. Raw values
    /// are the stable strings of `explain --json` (`score_source`).
    public enum ScoreSource: String, Sendable, Hashable {
        /// The hand-made complexity score (the policy has no `scorer:` block).
        case heuristic
        /// The learned difficulty score alone (`heuristic_weight` 0).
        case learned
        /// `(1 − h) · learned + h · hand-made`, the policy's `heuristic_weight` h above 0.
        case blend
        /// The no-evidence guard fell back to the hand-made score: no hand-made content signal
        /// fired (`no_signal_fallback`).
        case fallbackNoSignal = "fallback_no_signal"
        /// The no-evidence guard fell back to the hand-made score: fewer than `min_known_fraction`
        /// of the prompt's n-gram occurrences have a weight in the model.
        case fallbackUnknownText = "fallback_unknown_text"

        /// Whether the learned model's output is part of the score.
        public var usesLearnedScore: Bool { self == .learned || self == .blend }
    }

    /// Which thresholds the score was compared with. Raw values are `explain --json`'s
    /// `thresholds_source`.
    public enum ThresholdSource: String, Sendable, Hashable {
        /// The task's own `thresholds:` (docs/POLICY.md).
        case task
        /// The policy's global `thresholds:` (or the A/B variant's).
        case policy
    }
}
