import Foundation

/// The exact McNemar test for paired pass/fail outcomes.
///
/// Only discordant pairs carry information: `b` cases passed under the baseline and failed
/// under the candidate, `c` failed under the baseline and passed under the candidate. Under
/// the null hypothesis each discordant pair is a fair coin, so the two-sided p-value is
/// `min(1, 2 * P(X <= min(b, c)))` for `X ~ Binomial(b + c, 1/2)`. The exact test is used
/// rather than the chi-squared approximation because eval suites are small (tens of cases).
package struct McNemarTest: Sendable, Hashable, Codable {
    /// Passed under the baseline, failed under the candidate.
    package var baselineOnly: Int
    /// Failed under the baseline, passed under the candidate.
    package var candidateOnly: Int
    /// Two-sided exact p-value; 1 when there are no discordant pairs.
    package var pValue: Double

    /// JSON keys: snake_case.
    enum CodingKeys: String, CodingKey {
        case baselineOnly = "baseline_only", candidateOnly = "candidate_only", pValue = "p_value"
    }

    /// Runs the test on the discordant counts `b` (baseline-only passes) and `c`
    /// (candidate-only passes). Negative counts are treated as zero.
    package init(baselineOnly b: Int, candidateOnly c: Int) {
        self.baselineOnly = max(b, 0)
        self.candidateOnly = max(c, 0)
        self.pValue = Self.exactTwoSidedPValue(b: baselineOnly, c: candidateOnly)
    }

    /// Counts discordant pairs in two equally long outcome lists (same cases, same order).
    package init(baseline: [Bool], candidate: [Bool]) {
        var b = 0, c = 0
        for (x, y) in zip(baseline, candidate) where x != y {
            if x { b += 1 } else { c += 1 }
        }
        self.init(baselineOnly: b, candidateOnly: c)
    }

    /// `min(1, 2 * Σ_{i=0}^{min(b,c)} C(n, i) / 2^n)` with `n = b + c`.
    ///
    /// The terms follow the recurrence `C(n, i+1) = C(n, i) * (n - i) / (i + 1)`, starting from
    /// the exact power of two `2^-n`, so small tables give exact dyadic results (b=1, c=6 → 0.125).
    /// Beyond n = 1000, where `2^-n` nears the smallest normal double, the terms are summed in log
    /// space so large suites neither underflow to zero nor overflow.
    package static func exactTwoSidedPValue(b: Int, c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        let k = min(b, c)
        var tail = 0.0
        if n <= 1000 {
            var term = Foundation.pow(2.0, -Double(n))
            for i in 0...k {
                if i > 0 { term = term * Double(n - i + 1) / Double(i) }
                tail += term
            }
        } else {
            var logTerm = Double(n) * -0.693_147_180_559_945_3 // ln(2^-n)
            for i in 0...k {
                if i > 0 { logTerm += log(Double(n - i + 1)) - log(Double(i)) }
                tail += exp(logTerm)
            }
        }
        return min(1, 2 * tail)
    }
}
