/// Descriptive statistics used by the eval report. Pure functions on `Double`s: money is
/// converted to dollars only here, for display and resampling, never for accounting.
package enum Statistics {
    /// The `p`-quantile (0…1) of `values` by linear interpolation between closest ranks
    /// (Hyndman–Fan type 7, the default of NumPy and R): with the values sorted ascending and
    /// `h = (n - 1) * p`, the result is `s[⌊h⌋] + (h - ⌊h⌋) * (s[⌊h⌋ + 1] - s[⌊h⌋])`.
    /// Returns `nil` for an empty input.
    package static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        return percentile(sorted: values.sorted(), p)
    }

    /// `percentile(_:_:)` for input that is already sorted ascending.
    package static func percentile(sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let clamped = min(max(p, 0), 1)
        let h = Double(sorted.count - 1) * clamped
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    /// The arithmetic mean, `nil` for an empty input.
    package static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
