import Foundation

/// The text features of the learned difficulty score: lowercased word unigrams and bigrams,
/// each hashed into one of `2^bucketBits` buckets (the "hashing trick", Weinberger et al. 2009,
/// https://arxiv.org/abs/0902.2206), plus the log of the input size.
///
/// A word is a maximal run of ASCII letters and digits or non-ASCII bytes (so UTF-8 words stay
/// whole); ASCII letters are lowercased. Each word is hashed once, as it is read: every byte has
/// a fixed pseudo-random 64-bit code (`A` and `a` share one) and the word's hash is
/// `h = rotl(h, 5) ^ code(byte)` from `h = 0` — a tabulation-style hash whose per-byte
/// dependency chain is a rotate and an xor, not a multiply. A unigram's bucket is `fmix64(h)`
/// (MurmurHash3's finaliser); a bigram's is `fmix64(h₁ · 0x9E3779B97F4A7C15 + h₂)`, derived
/// from the two word hashes without reading the bytes again. Both are masked to the bucket
/// count. The codes are fixed constants, not Swift's per-process-seeded `Hasher`: buckets must
/// mean the same thing in the trainer and in every later process.
public enum DifficultyFeatures {
    /// Default bucket count exponent: 2^18 = 262,144 buckets.
    public static let defaultBucketBits = 18

    /// Multiplier that makes a bigram's key depend on word order (2^64 / golden ratio, odd).
    static let bigramMultiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    static func fmix64(_ value: UInt64) -> UInt64 { FNV1a64.fmix64(value) }

    /// Per byte value: its code when the byte belongs to a word (never 0), else 0. Upper- and
    /// lowercase ASCII letters share the lowercase letter's code.
    static let byteCodes: [UInt64] = (0..<256).map { (value: Int) -> UInt64 in
        guard let byte = wordByte(UInt8(value)) else { return 0 }
        return fmix64(UInt64(byte) &+ 0x0100) | 1
    }

    /// Lowercased byte when `byte` belongs to a word, else `nil`.
    @inline(__always)
    static func wordByte(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x61...0x7A, 0x30...0x39, 0x80...0xFF: return byte
        case 0x41...0x5A: return byte | 0x20
        default: return nil
        }
    }

    /// Writes the hash of every word of `bytes`, in text order, to `out` and returns how many.
    /// `out` must have room for `wordCapacity(bytes.count)` values. Branch-free per byte: the
    /// running hash is stored at `out[n]` on every byte and `n` advances only where a word ends,
    /// so word boundaries cost no mispredicted branch. The text is cut at a separator near its
    /// middle and both halves are hashed in the same loop: two independent dependency chains
    /// keep the core busy while each waits on its rotate and xor.
    @inline(__always)
    public static func wordHashes(in bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt64>) -> Int {
        byteCodes.withUnsafeBufferPointer { codes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
            var middle = bytes.count / 2
            while middle < bytes.count && codes[Int(base[middle])] != 0 { middle += 1 }
            let firstLength = middle, secondLength = bytes.count - middle
            let second = out + (firstLength / 2 + 2)
            var hashA: UInt64 = 0, hashB: UInt64 = 0
            var countA = 0, countB = 0
            // 1 while inside a word, else 0 (integers, not `Bool`s: the compiler turns `Bool`
            // selects here into branches, one misprediction per word boundary).
            var inWordA: UInt64 = 0, inWordB: UInt64 = 0
            let common = min(firstLength, secondLength)
            let codes = codes.baseAddress!
            let secondBase = base + middle
            var i = 0
            while i < common {
                step(codes[Int(base[i])], &hashA, &countA, &inWordA, out)
                step(codes[Int(secondBase[i])], &hashB, &countB, &inWordB, second)
                i &+= 1
            }
            i = common
            while i < firstLength { step(codes[Int(base[i])], &hashA, &countA, &inWordA, out); i &+= 1 }
            i = common
            while i < secondLength { step(codes[Int(secondBase[i])], &hashB, &countB, &inWordB, second); i &+= 1 }
            if inWordA != 0 { out[countA] = hashA; countA &+= 1 }
            if inWordB != 0 { second[countB] = hashB; countB &+= 1 }
            (out + countA).update(from: second, count: countB)
            return countA + countB
        }
    }

    /// The part of a prompt the n-grams are read from: its first `head` and last `tail` bytes,
    /// each end widened to a word boundary, when the prompt is longer than `head + tail`; else the
    /// whole prompt. The two parts' words are read as one sequence (so one bigram spans the cut).
    public struct NGramWindow: Sendable, Hashable, Codable {
        /// Bytes read from the start of the prompt (≥ 0).
        public var head: Int
        /// Bytes read from the end of the prompt (≥ 0).
        public var tail: Int

        /// A window of `head` leading and `tail` trailing bytes.
        public init(head: Int, tail: Int) {
            self.head = head
            self.tail = tail
        }
    }

    /// `wordHashes` over `window` of `bytes` (the whole text when `window` is `nil` or the text is
    /// short enough). `out` must have room for `wordCapacity(bytes.count)` values.
    @inline(__always)
    public static func wordHashes(in bytes: UnsafeBufferPointer<UInt8>, window: NGramWindow?,
                                  into out: UnsafeMutablePointer<UInt64>) -> Int {
        guard let window, bytes.count > window.head + window.tail, let base = bytes.baseAddress else {
            return wordHashes(in: bytes, into: out)
        }
        // Widen the head to the end of the word it cuts, and start the tail at a word's start.
        var headEnd = window.head
        while headEnd < bytes.count && byteCodes[Int(base[headEnd])] != 0 { headEnd += 1 }
        var tailStart = max(headEnd, bytes.count - window.tail)
        while tailStart > headEnd && tailStart < bytes.count && byteCodes[Int(base[tailStart])] != 0
                && byteCodes[Int(base[tailStart - 1])] != 0 { tailStart -= 1 }
        let head = wordHashes(in: UnsafeBufferPointer(start: base, count: headEnd), into: out)
        guard tailStart < bytes.count else { return head }
        let tail = wordHashes(in: UnsafeBufferPointer(start: base + tailStart, count: bytes.count - tailStart),
                              into: out + head)
        return head + tail
    }

    /// Room `wordHashes` needs for a text of `byteCount` bytes.
    @inline(__always)
    public static func wordCapacity(_ byteCount: Int) -> Int { byteCount / 2 + 8 }

    /// One byte of `wordHashes`: store the running hash, count a word that just ended, and
    /// extend (word byte) or reset (separator) the hash. Pure arithmetic, no branch: a word
    /// byte's code is odd and a separator's is 0, so `code & 1` says which this byte is.
    @inline(__always)
    static func step(_ code: UInt64, _ hash: inout UInt64, _ count: inout Int, _ inWord: inout UInt64,
                     _ out: UnsafeMutablePointer<UInt64>) {
        let isWord = code & 1
        out[count] = hash
        count &+= Int(truncatingIfNeeded: inWord & ~isWord)
        hash = (((hash &<< 5) | (hash &>> 59)) ^ code) & (0 &- isWord)
        inWord = isWord
    }

    /// The bucket of a unigram with word hash `word`.
    @inline(__always)
    public static func unigramBucket(_ word: UInt64, mask: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: fmix64(word)) & mask
    }

    /// The bucket of the bigram `first second`, from the two word hashes.
    @inline(__always)
    public static func bigramBucket(_ first: UInt64, _ second: UInt64, mask: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: fmix64(first &* bigramMultiplier &+ second)) & mask
    }

    /// Calls `body(bucket, isBigram)` for every unigram and bigram of `bytes`, in text order
    /// (each word's unigram, then its bigram with the previous word). `mask` is `2^bits - 1`.
    public static func forEachNGram(in bytes: UnsafeBufferPointer<UInt8>, mask: UInt32, window: NGramWindow? = nil,
                                    _ body: (UInt32, Bool) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: wordCapacity(bytes.count)) { words in
            let count = wordHashes(in: bytes, window: window, into: words.baseAddress!)
            for index in 0..<count {
                body(unigramBucket(words[index], mask: mask), false)
                if index > 0 { body(bigramBucket(words[index - 1], words[index], mask: mask), true) }
            }
        }
    }

    /// The hash of one word given as its (already lowercased) bytes.
    static func wordHash(_ word: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0
        for byte in word { hash = ((hash &<< 5) | (hash &>> 59)) ^ byteCodes[Int(byte)] }
        return hash
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
        var previous: UInt64 = 0
        for (index, word) in words.enumerated() {
            let hash = wordHash(word)
            result.append((unigramBucket(hash, mask: mask), String(decoding: word, as: UTF8.self)))
            if index > 0 {
                result.append((bigramBucket(previous, hash, mask: mask),
                               String(decoding: words[index - 1] + [0x20] + word, as: UTF8.self)))
            }
            previous = hash
        }
        return result
    }

    /// The L2-normalised n-gram count vector of `text`: distinct buckets ascending, each with
    /// `count / sqrt(Σ count²)`. Empty when the text has no word. What the trainer fits on and
    /// what `DifficultyScorer` computes at decision time (there without sorting).
    public static func normalizedCounts(of text: String, bucketBits: Int = defaultBucketBits,
                                        window: NGramWindow? = nil) -> [(bucket: UInt32, value: Float)] {
        let mask = UInt32((1 << bucketBits) - 1)
        var counts: [UInt32: Int] = [:]
        withUTF8Bytes(of: text) { bytes in
            forEachNGram(in: bytes, mask: mask, window: window) { bucket, _ in counts[bucket, default: 0] += 1 }
        }
        let norm = Double(counts.values.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return counts.keys.sorted().map { ($0, Float(Double(counts[$0]!) / norm)) }
    }

    /// `log(1 + tokens) / 10`: the input-size feature (about 0.76 for a 2,000-token prompt).
    public static func logInputTokens(_ tokens: Int) -> Double {
        log1p(Double(max(tokens, 0))) / 10
    }
}
