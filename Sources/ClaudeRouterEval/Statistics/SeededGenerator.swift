/// A small deterministic random number generator (SplitMix64) for the bootstrap.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and `Int.random(in:using:)` is free
/// to change its algorithm between toolchains; both would make a published confidence interval
/// impossible to reproduce. SplitMix64 plus Lemire's unbiased bounded draw is fully specified
/// here, so the same seed gives the same resamples on every machine and Swift version.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence at `seed`; equal seeds give equal sequences.
    package init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed integer in `0..<bound` (Lemire's multiply-shift with rejection,
    /// so there is no modulo bias). `bound` must be positive.
    package mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}
