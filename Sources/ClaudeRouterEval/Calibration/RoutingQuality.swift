/// Routing-quality metrics of a difficulty score against per-prompt outcomes of a weak and a
/// strong model, as defined by RouteLLM (Ong et al. 2024, https://arxiv.org/abs/2406.18665).
///
/// Routing the `k` highest-scored prompts to the strong model gives quality
/// `q(k) = (Σ_top-k strong + Σ_rest weak) / N`, and the performance gap recovered
/// `PGR(k) = (q(k) − q_weak) / (q_strong − q_weak)`. Ties are fair: within a group of equal
/// scores, routing `m` of its `g` prompts adds `m/g` of the group's gain — the expected value
/// under random tie-breaking — so a constant score gets exactly the random router's 0.5.
package enum RoutingQuality {
    /// Expected quality `q(k)` for `k = 0…N` (N + 1 values, mean pass rate in 0…1).
    /// `weak`/`strong` are per-prompt outcomes in 0…1 (pass = 1). Empty input gives `[]`.
    package static func qualityCurve(scores: [Double], weak: [Double], strong: [Double]) -> [Double] {
        let n = scores.count
        precondition(weak.count == n && strong.count == n, "scores and outcomes must be the same length")
        guard n > 0 else { return [] }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var curve = [Double](repeating: 0, count: n + 1)
        var total = weak.reduce(0, +)
        curve[0] = total / Double(n)
        var start = 0
        while start < n {
            var end = start
            var gain = 0.0
            while end < n && scores[order[end]] == scores[order[start]] {
                gain += strong[order[end]] - weak[order[end]]
                end += 1
            }
            let size = Double(end - start)
            for m in 1...(end - start) {
                curve[start + m] = (total + gain * Double(m) / size) / Double(n)
            }
            total += gain
            start = end
        }
        return curve
    }

    /// APGR: the area under `PGR(k)` against the strong-call share `k/N` (trapezoid rule over
    /// `k = 0…N`). 0.5 for a random (or constant) score; `nil` when the strong and weak models
    /// are equally good on these prompts (PGR undefined) or there are no prompts.
    package static func apgr(scores: [Double], weak: [Double], strong: [Double]) -> Double? {
        let curve = qualityCurve(scores: scores, weak: weak, strong: strong)
        guard let first = curve.first, let last = curve.last, last != first else { return nil }
        let n = Double(curve.count - 1)
        var area = 0.0
        for k in 1..<curve.count {
            area += ((curve[k - 1] - first) + (curve[k] - first)) / 2
        }
        return area / (n * (last - first))
    }

    /// The smallest share of strong calls `k/N` whose expected quality reaches `fraction` (e.g.
    /// 0.95) of the strong-only quality. `nil` for empty input.
    package static func strongShare(reaching fraction: Double, scores: [Double], weak: [Double], strong: [Double]) -> Double? {
        let curve = qualityCurve(scores: scores, weak: weak, strong: strong)
        guard let last = curve.last else { return nil }
        let target = fraction * (strong.reduce(0, +) / Double(strong.count))
        // A tolerance keeps an exact hit (e.g. 0.95 × 0.8 = 0.76) from missing by rounding.
        guard let k = curve.firstIndex(where: { $0 >= target - 1e-12 }) else { return last >= target ? 1 : nil }
        return Double(k) / Double(curve.count - 1)
    }
}
