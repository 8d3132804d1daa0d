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
    /// Per dense feature: the weak and strong weights, the signal index (-1: log input tokens,
    /// -2: unknown) and the name. Parallel arrays, so the per-request loop over the features
    /// copies no string.
    let denseWeak: [Double]
    let denseStrong: [Double]
    let denseSource: [Int]
    let denseNames: [String]
    let texts: [UInt32: String]
    /// Per slot of `keys`: the contribution name (`ngram:<text>`) and evidence (`[<text>]`) of
    /// its bucket, built once here rather than on every explained decision.
    let labels: [(name: String, evidence: [String])]
    /// The no-evidence guard (`ScorerSettings.noSignalFallback`, `.minKnownFraction`).
    let noSignalFallback: Bool
    let minKnownFraction: Double
    /// The model's n-gram window (`DifficultyModel.ngramWindow`).
    let window: DifficultyFeatures.NGramWindow?

    /// How many features `contributions` lists.
    static let explainedFeatures = 6

    init(model: DifficultyModel, signalNames: [String], noSignalFallback: Bool = false, minKnownFraction: Double = 0) {
        self.noSignalFallback = noSignalFallback
        self.minKnownFraction = minKnownFraction
        window = model.ngramWindow
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
        denseSource = model.denseFeatures.map { name in
            if name == "log_input_tokens" { return -1 }
            if name.hasPrefix("signal:"), let found = signalNames.firstIndex(of: String(name.dropFirst(7))) { return found }
            return -2
        }
        denseWeak = model.denseWeights[weak].map(Double.init)
        denseStrong = model.denseWeights[strong].map(Double.init)
        denseNames = model.denseFeatures
        var texts: [UInt32: String] = [:]
        for (index, bucket) in model.ngramBuckets.enumerated() { texts[bucket] = model.ngramTexts[index] }
        self.texts = texts
        labels = keys.map { key in
            guard key != 0 else { return ("", []) }
            let text = texts[key &- 1]
            return ("ngram:\(text ?? "#\(key &- 1)")", text.map { [$0] } ?? [])
        }
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
        for feature in denseSource.indices {
            let x: Double
            let source = denseSource[feature]
            switch source {
            case -1: x = DifficultyFeatures.logInputTokens(inputTokens)
            case 0...: x = source < base.contributions.count ? base.contributions[source].strength : 0
            default: x = 0
            }
            guard x != 0 else { continue }
            let weak = denseWeak[feature], strong = denseStrong[feature]
            weakLogit += weak * x
            strongLogit += strong * x
            top.offer(delta: strong - weak, strength: x, bucket: nil, label: -1, feature: feature)
        }
        // Pass 1: every word's hash, in text order (branch-free, one rotate and xor per byte);
        // the n-gram buckets are derived from these word hashes in pass 2.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: DifficultyFeatures.wordCapacity(bytes.count)) { words in
            let wordCount = DifficultyFeatures.wordHashes(in: bytes, window: window, into: words.baseAddress!)
            guard wordCount > 0 else { return }
            let total = 2 * wordCount - 1
            // Pass 2: distinct buckets and their counts in an open-addressed table at most two
            // thirds full, one 64-bit entry per slot (`(bucket + 1) << 32 | count`, 0 = empty) so a
            // probe touches one cache line; `occupied` lists the used slots in first-seen order.
            // Buckets are `fmix64` outputs, so their low bits already spread over the slots.
            var capacity = 64
            while capacity < total &+ total >> 1 { capacity <<= 1 }
            let slotMask = capacity - 1
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: capacity) { table in
                table.initialize(repeating: 0)
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: total) { occupied in
                    var distinct = 0
                    @inline(__always) func add(_ bucket: UInt32) {
                        let key = UInt64(bucket &+ 1) << 32
                        var index = Int(truncatingIfNeeded: bucket) & slotMask
                        while true {
                            let entry = table[index]
                            if entry & 0xFFFF_FFFF_0000_0000 == key { table[index] = entry &+ 1; return }
                            if entry == 0 {
                                table[index] = key | 1
                                occupied[distinct] = UInt32(truncatingIfNeeded: index)
                                distinct &+= 1
                                return
                            }
                            index = (index &+ 1) & slotMask
                        }
                    }
                    // Text order: each word's bigram with the previous word, then its unigram.
                    add(DifficultyFeatures.unigramBucket(words[0], mask: mask))
                    var word = 1
                    while word < wordCount {
                        add(DifficultyFeatures.bigramBucket(words[word &- 1], words[word], mask: mask))
                        add(DifficultyFeatures.unigramBucket(words[word], mask: mask))
                        word &+= 1
                    }
                    var sumSquares = 0.0, weakDot = 0.0, strongDot = 0.0
                    // The n-grams with the largest |Δw · count| (the norm is common to all).
                    var best: [(bucket: Int, delta: Double, count: Double, slot: Int)] = []
                    best.reserveCapacity(Self.explainedFeatures)
                    var floor = 0.0
                    present.withUnsafeBufferPointer { present in
                    self.keys.withUnsafeBufferPointer { modelKeys in
                    weights.withUnsafeBufferPointer { weights in
                        let modelMask = modelKeys.count - 1
                        for k in 0..<distinct {
                            let entry = table[Int(occupied[k])]
                            let count = Double(UInt32(truncatingIfNeeded: entry))
                            sumSquares += count * count
                            let key = UInt32(truncatingIfNeeded: entry >> 32)
                            let bucket = Int(key &- 1)
                            guard present[bucket >> 6] & (1 << UInt64(bucket & 63)) != 0 else { continue }
                            knownOccurrences += count
                            var slot = Self.slot(of: key, mask: modelMask)
                            while modelKeys[slot] != key { slot = (slot + 1) & modelMask }
                            let w = Double(weights[2 * slot]), s = Double(weights[2 * slot + 1])
                            weakDot += w * count
                            strongDot += s * count
                            let magnitude = abs(s - w) * count
                            guard magnitude > floor || (best.count < Self.explainedFeatures && magnitude > 0) else { continue }
                            if best.count < Self.explainedFeatures {
                                best.append((bucket, s - w, count, slot))
                            } else {
                                var smallest = 0
                                for m in 1..<best.count where abs(best[m].delta) * best[m].count < abs(best[smallest].delta) * best[smallest].count {
                                    smallest = m
                                }
                                best[smallest] = (bucket, s - w, count, slot)
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
                        top.offer(delta: entry.delta, strength: entry.count * norm,
                                  bucket: UInt32(entry.bucket), label: entry.slot, feature: -1)
                    }
                }
            }
        }
        if minKnownFraction > 0 && knownOccurrences < minKnownFraction * occurrences {
            return ComplexityScore(value: base.value, contributions: base.contributions, recognizedSignal: false)
        }
        let value = min(max(Self.sigmoid(strongLogit) - Self.sigmoid(weakLogit), 0), 1)
        let contributions = top.sorted(names: denseNames).map { entry in
            let (name, evidence) = entry.label >= 0 ? labels[entry.label] : (denseNames[entry.feature], [])
            return SignalContribution(name: name, weight: entry.delta, strength: entry.strength,
                                      contribution: entry.delta * entry.strength, evidence: evidence)
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
        struct Entry {
            var delta: Double; var strength: Double; var bucket: UInt32?
            /// The n-gram's slot in `labels` (-1: a dense feature).
            var label: Int
            /// The dense feature's index in `denseNames` (-1: an n-gram).
            var feature: Int
        }
        var entries: [Entry] = []

        mutating func offer(delta: Double, strength: Double, bucket: UInt32?, label: Int, feature: Int) {
            let entry = Entry(delta: delta, strength: strength, bucket: bucket, label: label, feature: feature)
            if entries.count < DifficultyScorer.explainedFeatures {
                // One allocation for all of them (appending one by one grew the array 1, 2, 4, 8).
                if entries.isEmpty { entries.reserveCapacity(DifficultyScorer.explainedFeatures) }
                entries.append(entry)
                return
            }
            var smallest = 0
            for index in entries.indices where abs(entries[index].delta * entries[index].strength)
                < abs(entries[smallest].delta * entries[smallest].strength) {
                smallest = index
            }
            if abs(delta * strength) > abs(entries[smallest].delta * entries[smallest].strength) { entries[smallest] = entry }
        }

        /// Largest magnitude first; ties by name then bucket, so the order is deterministic.
        /// `names` are the dense features' names (an n-gram's name sorts as `""` here).
        func sorted(names: [String]) -> [Entry] {
            entries.sorted { a, b in
                let x = abs(a.delta * a.strength), y = abs(b.delta * b.strength)
                if x != y { return x > y }
                let nameA = a.feature >= 0 ? names[a.feature] : "", nameB = b.feature >= 0 ? names[b.feature] : ""
                if nameA != nameB { return nameA < nameB }
                return (a.bucket ?? 0) < (b.bucket ?? 0)
            }
        }
    }
}
