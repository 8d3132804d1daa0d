import Foundation

/// A `DifficultyModel` compiled for decision time: the weak and strong tiers' n-gram weights in
/// one dense interleaved `Float` table (`2 · 2^bucketBits` entries), dense features resolved to
/// the policy's signal indices. `score` reads the prompt bytes once (collecting n-gram buckets),
/// counts distinct n-grams in a small open-addressed table, then does one table lookup per
/// distinct n-gram.
struct DifficultyScorer: Sendable {
    let model: DifficultyModel
    let mask: UInt32
    /// `table[2·b]` = weak tier weight, `table[2·b + 1]` = strong tier weight of bucket `b`.
    let table: [Float]
    let weakBias: Double
    let strongBias: Double
    /// Per dense feature: (weak weight, strong weight, signal index or -1 for log input tokens, -2 unknown).
    let dense: [(weak: Double, strong: Double, source: Int, name: String)]
    let texts: [UInt32: String]

    /// How many features `contributions` lists.
    static let explainedFeatures = 6

    init(model: DifficultyModel, signalNames: [String]) {
        self.model = model
        mask = UInt32((1 << model.bucketBits) - 1)
        let weak = model.tiers.firstIndex(of: model.weakTier) ?? 0
        let strong = model.tiers.firstIndex(of: model.strongTier) ?? 0
        var table = [Float](repeating: 0, count: 2 << model.bucketBits)
        for (index, bucket) in model.ngramBuckets.enumerated() {
            table[2 * Int(bucket)] = model.ngramWeights[weak][index]
            table[2 * Int(bucket) + 1] = model.ngramWeights[strong][index]
        }
        self.table = table
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
    /// the signal strengths (its contributions are in the policy's signal order).
    func score(bytes: UnsafeBufferPointer<UInt8>, inputTokens: Int, base: ComplexityScore) -> ComplexityScore {
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
        // Pass 1: every n-gram's bucket, in text order (at most one per byte, plus one).
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: bytes.count + 1) { grams in
            var total = 0
            DifficultyFeatures.forEachNGram(in: bytes, mask: mask) { bucket, _ in
                grams[total] = bucket
                total += 1
            }
            guard total > 0 else { return }
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
                            let key = grams[j] &+ 1
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
                        table.withUnsafeBufferPointer { weights in
                            for k in 0..<distinct {
                                let index = occupied[k]
                                let count = Double(counts[index])
                                let bucket = Int(keys[index] - 1)
                                let w = Double(weights[2 * bucket]), s = Double(weights[2 * bucket + 1])
                                sumSquares += count * count
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
