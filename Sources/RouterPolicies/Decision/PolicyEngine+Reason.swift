extension PolicyEngine {
    /// Builds the one-line reason, e.g.
    /// `code-review → sonnet: score 0.46 ≥ 0.35 (code 0.30, reasoning 0.12); rule 'vip' raised min tier`.
    /// Plain appends into one reserved string: this runs on every request.
    func describe(task: String, source: TaskSource, confidence: Double, tiers: [Tier], index: Int,
                  basis: TierBasis, thresholds: [Double], score: ComplexityScore, adjustments: Adjustments,
                  rule: ResolvedRule?, inputTokens: Int, maxTokens: Int, variant: String?) -> String {
        var text = ""
        text.reserveCapacity(160)
        text += task
        switch source {
        case .caller: break
        case .classified:
            text += " (classified "
            text += Self.fixed2(confidence)
            text += ")"
        case .fallback: text += " (fallback task)"
        case .unknown(let named):
            text += " (unknown task '"
            text += named
            text += "', fallback)"
        }
        text += " → "
        text += tiers[index].name
        text += ": "
        switch basis {
        case .fixedByTask:
            text += "fixed tier for task"
        case .noSignal:
            text += "no recognised signal, default tier"
        case .score(let reached):
            text += "score "
            text += Self.fixed2(score.value)
            if let reached {
                text += " ≥ "
                text += Self.fixed2(thresholds[reached])
            } else if let lowest = thresholds.first(where: { $0.isFinite }) {
                text += " < "
                text += Self.fixed2(lowest)
            }
            appendTopContributions(score.contributions, to: &text)
        }
        if adjustments.unpinned { text += "; low confidence: fallback task's range" }
        if adjustments.clampedToTaskMin { text += "; raised to task's min tier" }
        if adjustments.clampedToTaskMax { text += "; capped at task's max tier" }
        if let rule {
            text += "; rule '"
            text += rule.name
            switch adjustments.ruleEffect {
            case .forced: text += "' forced tier"
            case .raised: text += "' raised min tier"
            case .capped: text += "' capped max tier"
            case .tokensOnly: text += "' set max_tokens \(maxTokens)"
            case .noChange, .none: text += "' matched (tier unchanged)"
            }
        }
        if let move = adjustments.contextMove {
            text += adjustments.overflow ? "; context overflow risk: no tier holds " : "; context fit: "
            text += String(inputTokens)
            text += " input + "
            text += String(maxTokens)
            text += " output exceeds "
            text += tiers[move.from].name
            text += " window "
            text += String(tiers[move.from].contextWindow)
            text += adjustments.overflow ? ", using largest tier " : ", moved to "
            text += tiers[move.to].name
        } else if adjustments.overflow {
            text += "; context overflow risk: "
            text += String(inputTokens)
            text += " input + "
            text += String(maxTokens)
            text += " output exceeds every window"
        }
        if let variant {
            text += "; variant '"
            text += variant
            text += "'"
        }
        return text
    }

    /// Appends ` (name 0.30, name 0.12)` for the two largest positive contributions.
    private func appendTopContributions(_ contributions: [SignalContribution], to text: inout String) {
        var first: Int?
        var second: Int?
        for (offset, item) in contributions.enumerated() where item.contribution > 0 {
            if let top = first, contributions[top].contribution >= item.contribution {
                if let next = second, contributions[next].contribution >= item.contribution { continue }
                second = offset
            } else {
                second = first
                first = offset
            }
        }
        guard let first else { return }
        text += " ("
        text += contributions[first].name
        text += " "
        text += Self.fixed2(contributions[first].contribution)
        if let second {
            text += ", "
            text += contributions[second].name
            text += " "
            text += Self.fixed2(contributions[second].contribution)
        }
        text += ")"
    }

    /// `0.46`: two decimals, rounded half up, without Foundation's formatter.
    static func fixed2(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let negative = value < 0
        let hundredths = Int((abs(value) * 100).rounded())
        let fraction = hundredths % 100
        return (negative && hundredths != 0 ? "-" : "") + String(hundredths / 100) + (fraction < 10 ? ".0" : ".")
            + String(fraction)
    }
}
