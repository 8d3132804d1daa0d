import Foundation

/// The text features of the learned difficulty score: lowercased word unigrams and bigrams,
/// each hashed into one of `2^bucketBits` buckets (the "hashing trick", Weinberger et al. 2009,
/// https://arxiv.org/abs/0902.2206), plus the log of the input size.
///
/// A word is a maximal run of ASCII letters and digits or non-ASCII bytes (so UTF-8 words stay
/// whole); ASCII letters are lowercased. A unigram's hash is FNV-1a 64 of the word's bytes; a
/// bigram's is FNV-1a 64 of `word1 + " " + word2`. Both are finished with MurmurHash3's `fmix64`
/// and masked to the bucket count. FNV-1a is used rather than Swift's `Hasher`, which is seeded
/// per process: buckets must mean the same thing in the trainer and in every later process.
/// One pass over the bytes computes both hashes at once (no `String`/`Character` work).
public enum DifficultyFeatures {
    /// Default bucket count exponent: 2^18 = 262,144 buckets.
    public static let defaultBucketBits = 18

    static let offsetBasis = FNV1a64.offsetBasis
    static let prime = FNV1a64.prime

    @inline(__always)
    static func fmix64(_ value: UInt64) -> UInt64 { FNV1a64.fmix64(value) }

    /// Lowercased byte when `byte` belongs to a word, else `nil`.
    @inline(__always)
    static func wordByte(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x61...0x7A, 0x30...0x39, 0x80...0xFF: return byte
        case 0x41...0x5A: return byte | 0x20
        default: return nil
        }
    }

    /// Calls `body(bucket, isBigram)` for every unigram and bigram of `bytes`, in text order
    /// (each word's unigram, then its bigram with the previous word). `mask` is `2^bits - 1`.
    @inline(__always)
    public static func forEachNGram(in bytes: UnsafeBufferPointer<UInt8>, mask: UInt32,
                                    _ body: (UInt32, Bool) -> Void) {
        var unigram = offsetBasis
        var bigram = offsetBasis
        var inWord = false
        var hasPrevious = false
        var previous = offsetBasis
        for raw in bytes {
            if let byte = wordByte(raw) {
                if !inWord {
                    inWord = true
                    unigram = offsetBasis
                    // The bigram continues the previous word's FNV state across one space.
                    bigram = (previous ^ 0x20) &* prime
                }
                unigram = (unigram ^ UInt64(byte)) &* prime
                bigram = (bigram ^ UInt64(byte)) &* prime
            } else if inWord {
                inWord = false
                body(UInt32(truncatingIfNeeded: fmix64(unigram)) & mask, false)
                if hasPrevious { body(UInt32(truncatingIfNeeded: fmix64(bigram)) & mask, true) }
                previous = unigram
                hasPrevious = true
            }
        }
        if inWord {
            body(UInt32(truncatingIfNeeded: fmix64(unigram)) & mask, false)
            if hasPrevious { body(UInt32(truncatingIfNeeded: fmix64(bigram)) & mask, true) }
        }
    }

    /// The n-grams of `text` with their buckets, as text (`"prove"`, `"prove that"`), in text
    /// order. For training and explanations only: it allocates a string per n-gram.
    public static func ngrams(of text: String, bucketBits: Int = defaultBucketBits) -> [(bucket: UInt32, text: String)] {
        let mask = UInt32((1 << bucketBits) - 1)
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        for raw in text.utf8 {
            if let byte = wordByte(raw) { current.append(byte) } else if !current.isEmpty {
                words.append(current)
                current = []
            }
        }
        if !current.isEmpty { words.append(current) }
        var result: [(bucket: UInt32, text: String)] = []
        result.reserveCapacity(words.count * 2)
        for (index, word) in words.enumerated() {
            result.append((bucket(of: word, mask: mask), String(decoding: word, as: UTF8.self)))
            if index > 0 {
                let pair = words[index - 1] + [0x20] + word
                result.append((bucket(of: pair, mask: mask), String(decoding: pair, as: UTF8.self)))
            }
        }
        return result
    }

    static func bucket(of bytes: [UInt8], mask: UInt32) -> UInt32 {
        var hash = offsetBasis
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return UInt32(truncatingIfNeeded: fmix64(hash)) & mask
    }

    /// The L2-normalised n-gram count vector of `text`: distinct buckets ascending, each with
    /// `count / sqrt(Σ count²)`. Empty when the text has no word. What the trainer fits on and
    /// what `DifficultyScorer` computes at decision time (there without sorting).
    public static func normalizedCounts(of text: String, bucketBits: Int = defaultBucketBits) -> [(bucket: UInt32, value: Float)] {
        let mask = UInt32((1 << bucketBits) - 1)
        var counts: [UInt32: Int] = [:]
        withUTF8Bytes(of: text) { bytes in
            forEachNGram(in: bytes, mask: mask) { bucket, _ in counts[bucket, default: 0] += 1 }
        }
        let norm = Double(counts.values.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return counts.keys.sorted().map { ($0, Float(Double(counts[$0]!) / norm)) }
    }

    /// `log(1 + tokens) / 10`: the input-size feature (about 0.76 for a 2,000-token prompt).
    public static func logInputTokens(_ tokens: Int) -> Double {
        log1p(Double(max(tokens, 0))) / 10
    }
}
