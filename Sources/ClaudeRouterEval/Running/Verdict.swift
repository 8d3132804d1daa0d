import Foundation

/// Plain-language summaries of a comparison. A difference is called significant at the 5%
/// level: for cost when the bootstrap interval excludes 0, for pass rate when McNemar's p < 0.05.
package enum Verdict {
    /// The significance level used in verdicts.
    package static let alpha = 0.05

    /// `B saves 41% [35%, 47%] with no significant change in pass rate (p=0.62)`.
    package static func sentence(candidate: String, baseline: String, saving: Estimate?, passDifference: Estimate?,
                                mcnemar: McNemarTest, projected: Bool) -> String {
        var costPart: String
        if let saving {
            let interval = "[\(percent(saving.lower)), \(percent(saving.upper))]"
            if saving.lower > 0 {
                costPart = "\(candidate) \(projected ? "would save" : "saves") \(percent(saving.value)) \(interval)"
            } else if saving.upper < 0 {
                let moreInterval = "[\(percent(-saving.upper)), \(percent(-saving.lower))]"
                costPart = "\(candidate) \(projected ? "would cost" : "costs") \(percent(-saving.value)) more \(moreInterval)"
            } else {
                costPart = "\(candidate) shows no significant cost difference (\(percent(saving.value)) \(interval))"
            }
        } else {
            costPart = "\(candidate)'s cost could not be compared (no priced pairs)"
        }
        costPart += " vs \(baseline)"
        let p = pClause(mcnemar.pValue)
        let passPart: String
        if passDifference == nil {
            // No case was judged under both policies (a dry run of content checks): nothing to compare.
            passPart = "; pass rates not compared (no case judged under both)"
        } else if mcnemar.pValue < alpha, let passDifference {
            let direction = passDifference.value < 0 ? "drop" : "rise"
            passPart = "with a significant \(direction) in pass rate (\(points(passDifference.value)), \(p))"
        } else {
            passPart = "with no significant change in pass rate (\(p))"
        }
        return passPart.hasPrefix(";") ? costPart + passPart : "\(costPart) \(passPart)"
    }

    /// `41%`, `4.5%`, `-12%`: whole percent from 10% up, one decimal below.
    package static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        if abs(value) >= 10 || value == value.rounded() { return "\(Int(value.rounded()))%" }
        return String(format: "%.1f%%", value)
    }

    /// A pass-rate difference in percentage points: `+5.0 pts`, `-12.5 pts`.
    package static func points(_ fraction: Double) -> String {
        String(format: "%+.1f pts", fraction * 100)
    }

    /// `p=0.62`, `p=0.031`, `p<0.001`.
    package static func pClause(_ p: Double) -> String {
        p < 0.001 ? "p<0.001" : "p=\(pValue(p))"
    }

    /// `0.62`, `0.031`, `<0.001`.
    package static func pValue(_ p: Double) -> String {
        if p < 0.001 { return "<0.001" }
        if p >= 0.1 { return String(format: "%.2f", p) }
        return String(format: "%.3f", p)
    }
}
