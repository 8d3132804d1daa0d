import Testing
@testable import ClaudeRouterEval

@Suite("Exact McNemar test")
struct McNemarTests {
    // Hand-computed: n = b + c, p = min(1, 2 * Σ_{i ≤ min(b,c)} C(n,i) / 2^n).
    @Test("b=1, c=6: 2 * (1 + 7) / 128 = 0.125")
    func smallTable() {
        let test = McNemarTest(baselineOnly: 1, candidateOnly: 6)
        #expect(abs(test.pValue - 0.125) < 1e-12)
    }

    @Test("b=2, c=8: 2 * (1 + 10 + 45) / 1024 = 0.109375")
    func tenDiscordant() {
        #expect(abs(McNemarTest.exactTwoSidedPValue(b: 2, c: 8) - 0.109375) < 1e-12)
        // Symmetric in b and c.
        #expect(abs(McNemarTest.exactTwoSidedPValue(b: 8, c: 2) - 0.109375) < 1e-12)
    }

    @Test("b=0, c=5: 2 / 32 = 0.0625")
    func oneSided() {
        #expect(abs(McNemarTest.exactTwoSidedPValue(b: 0, c: 5) - 0.0625) < 1e-12)
    }

    @Test("Balanced or empty tables give p = 1 (capped)")
    func capped() {
        // b=c=3: 2 * (1 + 6 + 15 + 20) / 64 = 1.3125, capped at 1.
        #expect(McNemarTest.exactTwoSidedPValue(b: 3, c: 3) == 1)
        #expect(McNemarTest.exactTwoSidedPValue(b: 0, c: 0) == 1)
    }

    @Test("Large tables neither overflow nor underflow")
    func large() {
        let p = McNemarTest.exactTwoSidedPValue(b: 400, c: 600)
        #expect(p > 0 && p < 1e-9)
        #expect(McNemarTest.exactTwoSidedPValue(b: 500, c: 500) == 1)
    }

    @Test("Discordant pairs are counted from paired outcome lists")
    func fromLists() {
        let baseline = [true, true, false, false, true, false, true]
        let candidate = [true, false, true, true, true, true, false]
        let test = McNemarTest(baseline: baseline, candidate: candidate)
        #expect(test.baselineOnly == 2) // indices 1 and 6
        #expect(test.candidateOnly == 3) // indices 2, 3 and 5
        // n = 5, k = 2: 2 * (1 + 5 + 10) / 32 = 1 → capped.
        #expect(test.pValue == 1)
    }
}

@Suite("Percentiles and the seeded generator")
struct PercentileTests {
    @Test("Type-7 interpolation, checked by hand")
    func interpolation() throws {
        let values = [4.0, 1, 3, 2] // sorted: 1 2 3 4
        #expect(Statistics.percentile(values, 0.5) == 2.5) // h = 1.5
        #expect(abs(try #require(Statistics.percentile(values, 0.95)) - 3.85) < 1e-12) // h = 2.85
        #expect(abs(try #require(Statistics.percentile(values, 0.025)) - 1.075) < 1e-12) // h = 0.075
        #expect(Statistics.percentile(values, 0) == 1)
        #expect(Statistics.percentile(values, 1) == 4)
        #expect(Statistics.percentile([7], 0.3) == 7)
        #expect(Statistics.percentile([], 0.5) == nil)
        #expect(Statistics.mean([1, 2, 6]) == 3)
    }

    @Test("The generator is deterministic per seed and bounded draws stay in range")
    func generator() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7_000 {
            let index = a.nextIndex(below: 7)
            #expect((0..<7).contains(index))
            counts[index] += 1
        }
        // Every bucket is hit; a uniform draw puts ~1000 in each.
        #expect(counts.allSatisfy { $0 > 800 && $0 < 1200 })
    }

    @Test("SplitMix64 reference value for seed 0")
    func reference() {
        // First output of SplitMix64 seeded with 0 (published test vector).
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    }
}

@Suite("Paired bootstrap")
struct BootstrapTests {
    let baselineCost = [1.0, 2.0, 4.0, 1.0, 2.0, 3.0]
    let candidateCost = [0.5, 1.0, 3.0, 0.5, 1.0, 1.0]

    @Test("Same seed, same interval; it contains the observed saving")
    func deterministic() throws {
        let bootstrap = PairedBootstrap(resamples: 2_000, seed: 7)
        let first = try #require(bootstrap.relativeSaving(baseline: baselineCost, candidate: candidateCost))
        let second = try #require(bootstrap.relativeSaving(baseline: baselineCost, candidate: candidateCost))
        #expect(first == second)
        // Observed: 1 - 7 / 13.
        #expect(abs(first.value - (1 - 7.0 / 13.0)) < 1e-12)
        #expect(first.contains(first.value))
        // Every per-case saving lies in [0.25, 2/3], so any resample's ratio does too.
        #expect(first.lower >= 0.25 && first.upper <= 2.0 / 3.0 + 1e-12)
        #expect(first.lower < first.upper)
        let other = try #require(PairedBootstrap(resamples: 2_000, seed: 8).relativeSaving(baseline: baselineCost, candidate: candidateCost))
        #expect(other != first)
    }

    @Test("The interval is the 2.5th/97.5th type-7 percentile of the resampled statistics")
    func percentileArithmetic() throws {
        let bootstrap = PairedBootstrap(resamples: 500, seed: 99)
        let estimate = try #require(bootstrap.relativeSaving(baseline: baselineCost, candidate: candidateCost))
        // Replay the resampling by hand with the same generator and index draws.
        var generator = SeededGenerator(seed: 99)
        var stats: [Double] = []
        for _ in 0..<500 {
            var sx = 0.0, sy = 0.0
            for _ in 0..<6 {
                let i = generator.nextIndex(below: 6)
                sx += baselineCost[i]; sy += candidateCost[i]
            }
            stats.append(1 - sy / sx)
        }
        stats.sort()
        // 500 values: h = 499 * 0.025 = 12.475 → s[12] + 0.475 (s[13] - s[12]).
        let lower = stats[12] + 0.475 * (stats[13] - stats[12])
        // h = 499 * 0.975 = 486.525 → s[486] + 0.525 (s[487] - s[486]).
        let upper = stats[486] + 0.525 * (stats[487] - stats[486])
        #expect(abs(estimate.lower - lower) < 1e-12)
        #expect(abs(estimate.upper - upper) < 1e-12)
    }

    @Test("Constant ratios give a degenerate interval")
    func degenerate() throws {
        let estimate = try #require(PairedBootstrap(resamples: 300).relativeSaving(baseline: [2, 4, 6], candidate: [1, 2, 3]))
        #expect(abs(estimate.value - 0.5) < 1e-12)
        #expect(abs(estimate.lower - 0.5) < 1e-12 && abs(estimate.upper - 0.5) < 1e-12)
    }

    @Test("Pass-rate difference: identical outcomes give [0, 0]; a clear gain excludes 0")
    func passRate() throws {
        let same = [true, false, true, true]
        let zero = try #require(PairedBootstrap(resamples: 500).passRateDifference(baseline: same, candidate: same))
        #expect(zero.value == 0 && zero.lower == 0 && zero.upper == 0)
        let baseline = [Bool](repeating: false, count: 20)
        let candidate = [Bool](repeating: true, count: 18) + [false, false]
        let gain = try #require(PairedBootstrap(resamples: 1_000).passRateDifference(baseline: baseline, candidate: candidate))
        #expect(abs(gain.value - 0.9) < 1e-12)
        #expect(gain.lower > 0.6 && gain.upper <= 1)
    }

    @Test("Undefined statistics are nil, not NaN")
    func undefined() {
        #expect(PairedBootstrap().relativeSaving(baseline: [], candidate: []) == nil)
        #expect(PairedBootstrap().relativeSaving(baseline: [0, 0], candidate: [1, 1]) == nil)
        #expect(PairedBootstrap().relativeSaving(baseline: [1], candidate: [1, 2]) == nil)
    }
}

@Suite("McNemar in log space")
struct McNemarLargeTests {
    @Test("Both summation paths agree where they meet")
    func pathsAgree() {
        // n = 1000 (linear) vs n = 1002 (log space) around the same proportion: smooth, in (0, 1).
        let linear = McNemarTest.exactTwoSidedPValue(b: 480, c: 520)
        let logSpace = McNemarTest.exactTwoSidedPValue(b: 481, c: 521)
        #expect(linear > 0.2 && linear < 0.25)
        #expect(abs(linear - logSpace) < 0.01)
    }
}
