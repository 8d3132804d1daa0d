extension Duration {
    /// This duration as a whole number of `unit`s (e.g. `.milliseconds(1)`), truncated toward
    /// zero and clamped to `Int`'s range: for ledger `latency_ms`, SQLite's busy timeout (ms) and
    /// Dispatch deadlines (ns). The one conversion the Router module uses; where a fraction is
    /// wanted, divide directly (`duration / .milliseconds(1)` is a `Double`).
    package func whole(_ unit: Duration) -> Int {
        let ratio = (self / unit).rounded(.towardZero)
        guard ratio.isFinite else { return 0 }
        if ratio >= Double(Int.max) { return .max }
        if ratio <= Double(Int.min) { return .min }
        return Int(ratio)
    }
}
