/// A point estimate with a confidence interval.
package struct Estimate: Sendable, Hashable, Codable {
    /// The statistic on the observed data.
    package var value: Double
    /// Lower bound of the interval.
    package var lower: Double
    /// Upper bound of the interval.
    package var upper: Double
    /// Coverage of the interval, e.g. 0.95.
    package var confidence: Double

    /// An estimate.
    package init(value: Double, lower: Double, upper: Double, confidence: Double) {
        self.value = value
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }

    /// Whether the interval contains `x` (bounds included).
    package func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
}

/// The paired percentile bootstrap.
///
/// Each resample draws `n` case indices with replacement and evaluates the statistic on the
/// SAME indices for both variants, which keeps the pairing (a hard case is hard for both
/// policies) and gives much tighter intervals than resampling the variants independently.
/// The interval is the (α/2, 1-α/2) percentiles (type 7) of the resampled statistics.
/// Resampling uses `SeededGenerator`, so a given seed always yields the same interval.
package struct PairedBootstrap: Sendable {
    /// Number of resamples (default 10,000).
    package var resamples: Int
    /// Seed of the generator (default 0x5EED).
    package var seed: UInt64
    /// Interval coverage (default 0.95).
    package var confidence: Double

    /// Defaults: 10,000 resamples, seed 0x5EED, 95% intervals.
    package init(resamples: Int = 10_000, seed: UInt64 = 0x5EED, confidence: Double = 0.95) {
        self.resamples = max(resamples, 1)
        self.seed = seed
        self.confidence = confidence
    }

    /// Bootstraps `statistic(indices)` over `count` paired observations. The closure receives
    /// the resampled indices (with repetitions) and returns the statistic, or `nil` when it is
    /// undefined for that resample (such resamples are skipped). Returns `nil` when `count` is
    /// zero or the statistic is undefined on the observed data.
    package func estimate(count: Int, statistic: ([Int]) -> Double?) -> Estimate? {
        guard count > 0, let observed = statistic(Array(0..<count)) else { return nil }
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: count)
        for _ in 0..<resamples {
            for i in 0..<count { indices[i] = generator.nextIndex(below: count) }
            if let v = statistic(indices), v.isFinite { values.append(v) }
        }
        values.sort()
        let alpha = 1 - confidence
        guard let lower = Statistics.percentile(sorted: values, alpha / 2),
              let upper = Statistics.percentile(sorted: values, 1 - alpha / 2) else { return nil }
        return Estimate(value: observed, lower: lower, upper: upper, confidence: confidence)
    }

    /// Relative saving of the candidate's total over the baseline's, `1 - Σy / Σx`
    /// (0.41 means the candidate costs 41% less). Resamples whose baseline total is 0 are skipped.
    package func relativeSaving(baseline x: [Double], candidate y: [Double]) -> Estimate? {
        guard x.count == y.count else { return nil }
        return estimate(count: x.count) { indices in
            var sx = 0.0, sy = 0.0
            for i in indices { sx += x[i]; sy += y[i] }
            return sx > 0 ? 1 - sy / sx : nil
        }
    }

    /// Difference of pass rates, candidate minus baseline (in 0…1 units).
    package func passRateDifference(baseline x: [Bool], candidate y: [Bool]) -> Estimate? {
        guard x.count == y.count else { return nil }
        return estimate(count: x.count) { indices in
            var diff = 0
            for i in indices { diff += (y[i] ? 1 : 0) - (x[i] ? 1 : 0) }
            return Double(diff) / Double(indices.count)
        }
    }
}
