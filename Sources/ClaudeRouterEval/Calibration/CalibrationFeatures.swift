import Foundation
package import RouterPolicies

/// The training design matrix of the learned difficulty score: for each prompt, the dense
/// features (`log_input_tokens`, then `signal:<name>` strengths in the policy's signal order)
/// followed by its L2-normalised hashed n-gram counts, with buckets mapped to compact columns.
/// Exactly what `DifficultyModel` scores at decision time.
package struct CalibrationFeatures: Sendable {
    /// Dense feature names, in column order.
    package var denseNames: [String]
    /// Bucket of each n-gram column (column `denseNames.count + j` is `buckets[j]`), ascending.
    package var buckets: [UInt32]
    /// One row per record.
    package var rows: SparseRows
    /// Bucket count exponent.
    package var bucketBits: Int

    /// Extracts features of `records` under `policy`'s signals, n-grams from `window` of each
    /// text (`nil`: all of it). Deterministic. N-gram buckets
    /// present in fewer than `minDocumentFrequency` records get no column (rare n-grams are
    /// mostly names and numbers of one task family and do not transfer); the normalisation
    /// still counts them, as the decision-time scorer does.
    package init(records: [OutcomeRecord], policy: Policy, bucketBits: Int = DifficultyFeatures.defaultBucketBits,
                 minDocumentFrequency: Int = 1, window: DifficultyFeatures.NGramWindow? = nil) {
        self.bucketBits = bucketBits
        let scorer = ComplexityScorer(policy.signals)
        denseNames = ["log_input_tokens"] + policy.signals.signals.map { "signal:\($0.name)" }
        var dense: [[Double]] = []
        var ngrams: [[(bucket: UInt32, value: Float)]] = []
        dense.reserveCapacity(records.count)
        ngrams.reserveCapacity(records.count)
        var documents: [UInt32: Int] = [:]
        for record in records {
            let input = record.routingInput
            let score = scorer.score(input)
            dense.append([DifficultyFeatures.logInputTokens(input.estimatedInputTokens)] + score.contributions.map(\.strength))
            let counts = DifficultyFeatures.normalizedCounts(of: record.text, bucketBits: bucketBits, window: window)
            for entry in counts { documents[entry.bucket, default: 0] += 1 }
            ngrams.append(counts)
        }
        buckets = documents.filter { $0.value >= minDocumentFrequency }.keys.sorted()
        var column: [UInt32: Int] = [:]
        column.reserveCapacity(buckets.count)
        let offset = denseNames.count
        for (j, bucket) in buckets.enumerated() { column[bucket] = offset + j }
        var rows = SparseRows(columnCount: offset + buckets.count)
        for i in records.indices {
            var entries: [(Int, Double)] = []
            for (k, value) in dense[i].enumerated() where value != 0 { entries.append((k, value)) }
            for entry in ngrams[i] {
                if let index = column[entry.bucket] { entries.append((index, Double(entry.value))) }
            }
            rows.append(entries)
        }
        self.rows = rows
    }
}
