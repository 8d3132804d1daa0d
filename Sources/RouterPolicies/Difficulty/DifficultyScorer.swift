import Foundation

/// A `DifficultyModel` compiled for decision time: a presence bitset over all buckets plus a
/// small open-addressed table of the kept buckets' weak and strong weights (interleaved
/// `Float`s), dense features resolved to the policy's signal indices. `score` reads the prompt bytes once (collecting n-gram buckets),
/// counts distinct n-grams in a small open-addressed table, then does one table lookup per
/// distinct n-gram.
struct DifficultyScorer: Sendable {
    let mask: UInt32
    /// One bit per bucket: set when the model has a weight for it (2^18 bits = 32 KB, stays in
    /// L1/L2 cache, unlike a dense weight table), so most n-grams cost one bit test.
    let present: [UInt64]
    /// Open-addressed table of the kept buckets: `keys[i]` = bucket + 1 (0 = empty), with the
    /// weak and strong weights at `weights[2i]`, `weights[2i + 1]`.
    let keys: [UInt32]
    let weights: [Float]
    let weakBias: Double
    let strongBias: Double
    /// Per dense feature: (weak weight, strong weight, signal index or -1 for log input tokens, -2 unknown).
    let dense: [(weak: Double, strong: Double, source: Int, name: String)]
    let texts: [UInt32: String]
    /// The no-evidence guard (`ScorerSettings.noSignalFallback`, `.minKnownFraction`).
    let noSignalFallback: Bool
    let minKnownFraction: Double

    /// How many features `contributions` lists.
    static let explainedFeatures = 6

    init(model: DifficultyModel, signalNames: [String], noSignalFallback: Bool = false, minKnownFraction: Double = 0) {
        self.noSignalFallback = noSignalFallback
        self.minKnownFraction = minKnownFraction
        mask = UInt32((1 << model.bucketBits) - 1)
        let weak = model.tiers.firstIndex(of: model.weakTier) ?? 0
        let strong = model.tiers.firstIndex(of: model.strongTier) ?? 0
        var present = [UInt64](repeating: 0, count: max(1, (1 << model.bucketBits) / 64))
        var capacity = 16
        while capacity < 2 * model.ngramBuckets.count { capacity <<= 1 }
        var keys = [UInt32](repeating: 0, count: capacity)
        var weights = [Float](repeating: 0, count: 2 * capacity)
        for (index, bucket) in model.ngramBuckets.enumerated() {
            present[Int(bucket) >> 6] |= 1 << UInt64(bucket & 63)
            var slot = Self.slot(of: bucket &+ 1, mask: capacity - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = bucket &+ 1
            weights[2 * slot] = model.ngramWeights[weak][index]
            weights[2 * slot + 1] = model.ngramWeights[strong][index]
        }
        self.present = present
        self.keys = keys
        self.weights = weights
        weakBias = Double(model.bias[weak])
        strongBias = Double(model.bias[strong])
        dense = model.denseFeatures.enumerated().map { index, name in
            let source: Int
            if name == "log_input_tokens" {
                source = -1
            } else if name.hasPrefix("signal:"), let found = signalNames.firstIndex(of: String(name.dropFirst(7))) {
                source = found
            } else {
                source = -2
            }
            return (Double(model.denseWeights[weak][index]), Double(model.denseWeights[strong][index]), source, name)
        }
        var texts: [UInt32: String] = [:]
        for (index, bucket) in model.ngramBuckets.enumerated() { texts[bucket] = model.ngramTexts[index] }
        self.texts = texts
    }

    /// The learned score of one prompt, with the features that moved it most. `base` supplies
    /// the signal strengths (its contributions are in the policy's signal order). When the
    /// no-evidence guard applies, `base` itself is returned (so the engine takes the default
    /// tier): without any hand-made signal (`noSignalFallback`, checked before reading the
    /// text), or when fewer than `minKnownFraction` of the n-gram occurrences have a weight.
    func score(bytes: UnsafeBufferPointer<UInt8>, inputTokens: Int, base: ComplexityScore) -> ComplexityScore {
        if noSignalFallback && !base.recognizedSignal { return base }
        var knownOccurrences = 0.0, occurrences = 0.0
        var weakLogit = weakBias
        var strongLogit = strongBias
        var top = TopContributions()
        for feature in dense {
            let x: Double
            switch feature.source {
            case -1: x = DifficultyFeatures.logInputTokens(inputTokens)
            case 0...: x = feature.source < base.contributions.count ? base.contributions[feature.source].strength : 0
            default: x = 0
            }
            guard x != 0 else { continue }
            weakLogit += feature.weak * x
            strongLogit += feature.strong * x
            top.offer(name: feature.name, delta: feature.strong - feature.weak, strength: x, evidence: [], bucket: nil)
        }
        // Pass 1: every word's hash, in text order (branch-free, one rotate and xor per byte);
        // the n-gram buckets are derived from these word hashes in pass 2.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: DifficultyFeatures.wordCapacity(bytes.count)) { words in
            let wordCount = DifficultyFeatures.wordHashes(in: bytes, into: words.baseAddress!)
            guard wordCount > 0 else { return }
            let total = 2 * wordCount - 1
            // Pass 2: distinct buckets and their counts in an open-addressed table at most half
            // full; only the key array is zeroed, and `occupied` lists the used slots in order.
            var capacity = 64
            while capacity < 2 * total { capacity <<= 1 }
            let slotMask = capacity - 1
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity) { keys in
                keys.initialize(repeating: 0)
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity) { counts in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: total) { occupied in
                        var distinct = 0
                        for j in 0..<total {
                            // Even j: the unigram of word j/2; odd j: the bigram ending at word (j+1)/2.
                            let word = (j + 1) >> 1
                            let bucket = j & 1 == 0
                                ? DifficultyFeatures.unigramBucket(words[word], mask: mask)
                                : DifficultyFeatures.bigramBucket(words[word - 1], words[word], mask: mask)
                            let key = bucket &+ 1
                            var index = Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & slotMask
                            while true {
                                let slot = keys[index]
                                if slot == key { counts[index] &+= 1; break }
                                if slot == 0 {
                                    keys[index] = key
                                    counts[index] = 1
                                    occupied[distinct] = index
                                    distinct += 1
                                    break
                                }
                                index = (index + 1) & slotMask
                            }
                        }
                        var sumSquares = 0.0, weakDot = 0.0, strongDot = 0.0
                        // The n-grams with the largest |Δw · count| (the norm is common to all).
                        var best: [(bucket: Int, delta: Double, count: Double)] = []
                        best.reserveCapacity(Self.explainedFeatures)
                        var floor = 0.0
                        present.withUnsafeBufferPointer { present in
                        self.keys.withUnsafeBufferPointer { modelKeys in
                        weights.withUnsafeBufferPointer { weights in
                            let modelMask = modelKeys.count - 1
                            for k in 0..<distinct {
                                let index = occupied[k]
                                let count = Double(counts[index])
                                sumSquares += count * count
                                let bucket = Int(keys[index] - 1)
                                guard present[bucket >> 6] & (1 << UInt64(bucket & 63)) != 0 else { continue }
                                knownOccurrences += count
                                var slot = Self.slot(of: keys[index], mask: modelMask)
                                while modelKeys[slot] != keys[index] { slot = (slot + 1) & modelMask }
                                let w = Double(weights[2 * slot]), s = Double(weights[2 * slot + 1])
                                weakDot += w * count
                                strongDot += s * count
                                let magnitude = abs(s - w) * count
                                guard magnitude > floor || (best.count < Self.explainedFeatures && magnitude > 0) else { continue }
                                if best.count < Self.explainedFeatures {
                                    best.append((bucket, s - w, count))
                                } else {
                                    var smallest = 0
                                    for m in 1..<best.count where abs(best[m].delta) * best[m].count < abs(best[smallest].delta) * best[smallest].count {
                                        smallest = m
                                    }
                                    best[smallest] = (bucket, s - w, count)
                                }
                                if best.count == Self.explainedFeatures {
                                    floor = .infinity
                                    for entry in best { floor = min(floor, abs(entry.delta) * entry.count) }
                                }
                            }
                        }
                        }
                        }
                        occurrences = Double(total)
                        let norm = 1 / sumSquares.squareRoot()
                        weakLogit += weakDot * norm
                        strongLogit += strongDot * norm
                        for entry in best {
                            top.offer(name: "", delta: entry.delta, strength: entry.count * norm, evidence: [],
                                      bucket: UInt32(entry.bucket))
                        }
                    }
                }
            }
        }
        if minKnownFraction > 0 && knownOccurrences < minKnownFraction * occurrences {
            return ComplexityScore(value: base.value, contributions: base.contributions, recognizedSignal: false)
        }
        let value = min(max(Self.sigmoid(strongLogit) - Self.sigmoid(weakLogit), 0), 1)
        let contributions = top.sorted().map { entry in
            let text = entry.bucket.flatMap { texts[$0] }
            let name = entry.bucket == nil ? entry.name : "ngram:\(text ?? "#\(entry.bucket!)")"
            return SignalContribution(name: name, weight: entry.delta, strength: entry.strength,
                                      contribution: entry.delta * entry.strength,
                                      evidence: text.map { [$0] } ?? entry.evidence)
        }
        return ComplexityScore(value: value, contributions: contributions, recognizedSignal: true)
    }

    /// Start slot for `key` (bucket + 1) in a power-of-two table.
    @inline(__always)
    static func slot(of key: UInt32, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    @inline(__always)
    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// The few largest |Δw·x| seen so far; a fixed small array, no allocation per offer.
    struct TopContributions {
        struct Entry { var name: String; var delta: Double; var strength: Double; var evidence: [String]; var bucket: UInt32? }
        var entries: [Entry] = []

        mutating func offer(name: String, delta: Double, strength: Double, evidence: [String], bucket: UInt32?) {
            let entry = Entry(name: name, delta: delta, strength: strength, evidence: evidence, bucket: bucket)
            if entries.count < DifficultyScorer.explainedFeatures { entries.append(entry); return }
            var smallest = 0
            for index in entries.indices where abs(entries[index].delta * entries[index].strength)
                < abs(entries[smallest].delta * entries[smallest].strength) {
                smallest = index
            }
            if abs(delta * strength) > abs(entries[smallest].delta * entries[smallest].strength) { entries[smallest] = entry }
        }

        /// Largest magnitude first; ties by name then bucket, so the order is deterministic.
        func sorted() -> [Entry] {
            entries.sorted { a, b in
                let x = abs(a.delta * a.strength), y = abs(b.delta * b.strength)
                if x != y { return x > y }
                if a.name != b.name { return a.name < b.name }
                return (a.bucket ?? 0) < (b.bucket ?? 0)
            }
        }
    }
}
