import Foundation

/// A learned difficulty model: one L2-regularised logistic regression per tier predicting
/// `P(tier passes | prompt)`, over explainable features — the policy's signal strengths (by
/// signal name), `log(1 + input tokens) / 10`, and hashed word n-grams (`DifficultyFeatures`).
///
/// The learned difficulty score is `clamp(P_pass(strongTier) − P_pass(weakTier), 0, 1)`: how
/// likely the cheap tier fails where the strong one would succeed. Scoring `P(weak fails)`
/// instead also sends prompts no tier can solve to the strong tier; the gain is what RouteLLM's
/// APGR rewards (Ong et al. 2024, https://arxiv.org/abs/2406.18665).
///
/// Stored as a JSON sidecar next to the policy (`scorer: { kind: learned, model: …, sha256: … }`);
/// `encodedJSON()` writes it byte-for-byte deterministically.
public struct DifficultyModel: Sendable, Hashable, Codable {
    /// Always `"claude-router/difficulty-model"`.
    public var format: String
    /// Format version, 1.
    public var version: Int
    /// N-gram buckets are `2^bucketBits`.
    public var bucketBits: Int
    /// The tier names the models were trained for, ascending (same order as `bias`, `denseWeights`, `ngramWeights`).
    public var tiers: [String]
    /// The cheap tier of the score (`P_pass` subtracted).
    public var weakTier: String
    /// The strong tier of the score.
    public var strongTier: String
    /// Dense feature names: `log_input_tokens` and `signal:<name>` (the policy signal's strength, 0…1).
    public var denseFeatures: [String]
    /// Per tier: the intercept (logit units).
    public var bias: [Float]
    /// Per tier: one weight per dense feature (logit units per feature unit).
    public var denseWeights: [[Float]]
    /// Kept n-gram buckets, ascending.
    public var ngramBuckets: [UInt32]
    /// For each kept bucket, the n-gram text seen most often in training (for explanations).
    public var ngramTexts: [String]
    /// Per tier: one weight per kept bucket (logit units per unit of L2-normalised count).
    public var ngramWeights: [[Float]]
    /// Free-form training facts (rows, λ, folds, source), written sorted by key.
    public var training: [String: String]
    /// The text the n-grams are read from: `nil` for the whole prompt, else the first `head` and
    /// the last `tail` bytes (each widened to whole words) when the prompt is longer than both
    /// together — what a prompt asks sits at its start and end, and the middle of a long prompt (a
    /// pasted document) would cost decision time without telling the model more. The trainer and
    /// the decision-time scorer read the same window (`DifficultyFeatures.NGramWindow`).
    public var ngramWindow: DifficultyFeatures.NGramWindow?

    /// The format marker.
    public static let formatName = "claude-router/difficulty-model"

    /// A model; the arrays must agree in length (checked by `validate()`).
    public init(bucketBits: Int = DifficultyFeatures.defaultBucketBits, tiers: [String], weakTier: String,
                strongTier: String, denseFeatures: [String], bias: [Float], denseWeights: [[Float]],
                ngramBuckets: [UInt32], ngramTexts: [String], ngramWeights: [[Float]], training: [String: String] = [:],
                ngramWindow: DifficultyFeatures.NGramWindow? = nil) {
        self.format = Self.formatName
        self.version = 1
        self.bucketBits = bucketBits
        self.tiers = tiers
        self.weakTier = weakTier
        self.strongTier = strongTier
        self.denseFeatures = denseFeatures
        self.bias = bias
        self.denseWeights = denseWeights
        self.ngramBuckets = ngramBuckets
        self.ngramTexts = ngramTexts
        self.ngramWeights = ngramWeights
        self.training = training
        self.ngramWindow = ngramWindow
    }

    enum CodingKeys: String, CodingKey {
        case format, version, tiers, bias, training
        case bucketBits = "bucket_bits", weakTier = "weak_tier", strongTier = "strong_tier"
        case denseFeatures = "dense_features", denseWeights = "dense_weights"
        case ngramBuckets = "ngram_buckets", ngramTexts = "ngram_texts", ngramWeights = "ngram_weights"
        case ngramWindow = "ngram_window"
    }

    /// Decodes and validates a sidecar (UTF-8 JSON). Throws `DifficultyModelError` naming the
    /// problem. A direct reader (`DifficultyModelReader`) reads the usual sidecar; anything it
    /// does not mirror, and every malformed text, goes to `JSONDecoder`, whose error is reported.
    public static func decode(_ bytes: [UInt8]) throws(DifficultyModelError) -> DifficultyModel {
        let model: DifficultyModel
        if let read = DifficultyModelReader.read(bytes) {
            model = read
        } else {
            model = try decodeWithJSONDecoder(bytes)
        }
        try model.validate()
        return model
    }

    /// `decode` through `JSONDecoder` alone (the reference the direct reader is tested against).
    static func decodeWithJSONDecoder(_ bytes: [UInt8]) throws(DifficultyModelError) -> DifficultyModel {
        do {
            return try JSONDecoder().decode(DifficultyModel.self, from: Data(bytes))
        } catch {
            throw DifficultyModelError(code: .malformed, message: "not a difficulty model: \(error)")
        }
    }

    /// Checks the format marker and that every array has the right length.
    public func validate() throws(DifficultyModelError) {
        func fail(_ message: String) -> DifficultyModelError { DifficultyModelError(code: .malformed, message: message) }
        guard format == Self.formatName, version == 1 else {
            throw fail("format must be '\(Self.formatName)' version 1 (got '\(format)' version \(version))")
        }
        guard (4...24).contains(bucketBits) else { throw fail("bucket_bits \(bucketBits) is outside 4…24") }
        guard tiers.contains(weakTier), tiers.contains(strongTier) else {
            throw fail("weak_tier '\(weakTier)' and strong_tier '\(strongTier)' must be among tiers \(tiers)")
        }
        guard bias.count == tiers.count, denseWeights.count == tiers.count, ngramWeights.count == tiers.count,
              denseWeights.allSatisfy({ $0.count == denseFeatures.count }),
              ngramWeights.allSatisfy({ $0.count == ngramBuckets.count }), ngramTexts.count == ngramBuckets.count else {
            throw fail("array lengths disagree with tiers (\(tiers.count)), dense_features or ngram_buckets")
        }
        let limit = UInt32(1) << UInt32(bucketBits)
        guard ngramBuckets.allSatisfy({ $0 < limit }) else { throw fail("an n-gram bucket is ≥ 2^bucket_bits") }
        if let window = ngramWindow, window.head < 0 || window.tail < 0 || window.head + window.tail == 0 {
            throw fail("ngram_window head and tail must be ≥ 0 bytes and not both 0")
        }
    }

    /// The sidecar's canonical JSON: fixed key order, one n-gram per line, floats in Swift's
    /// shortest round-trip form. The same model always gives the same bytes.
    /// Written by hand rather than with `JSONEncoder` because the shipped sidecar must be
    /// reproducible byte for byte and reviewable in diffs: the encoder promises neither a layout
    /// (one weight row per line) nor a float spelling across Foundation versions.
    public func encodedJSON() -> String {
        var out = "{\n"
        out += "  \"format\": \(Self.quote(format)),\n  \"version\": \(version),\n"
        out += "  \"bucket_bits\": \(bucketBits),\n"
        out += "  \"tiers\": [\(tiers.map(Self.quote).joined(separator: ", "))],\n"
        out += "  \"weak_tier\": \(Self.quote(weakTier)),\n  \"strong_tier\": \(Self.quote(strongTier)),\n"
        out += "  \"training\": {\(training.keys.sorted().map { "\(Self.quote($0)): \(Self.quote(training[$0]!))" }.joined(separator: ", "))},\n"
        if let window = ngramWindow {
            out += "  \"ngram_window\": {\"head\": \(window.head), \"tail\": \(window.tail)},\n"
        }
        out += "  \"dense_features\": [\(denseFeatures.map(Self.quote).joined(separator: ", "))],\n"
        out += "  \"bias\": [\(bias.map(Self.number).joined(separator: ", "))],\n"
        out += "  \"dense_weights\": [\n"
        out += denseWeights.map { "    [\($0.map(Self.number).joined(separator: ", "))]" }.joined(separator: ",\n")
        out += "\n  ],\n"
        out += "  \"ngram_buckets\": [\(ngramBuckets.map(String.init).joined(separator: ","))],\n"
        out += "  \"ngram_texts\": [\n"
        out += ngramTexts.map { "    " + Self.quote($0) }.joined(separator: ",\n")
        out += "\n  ],\n"
        out += "  \"ngram_weights\": [\n"
        out += ngramWeights.map { "    [\($0.map(Self.number).joined(separator: ","))]" }.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return out
    }

    static func number(_ value: Float) -> String {
        value == 0 ? "0" : value.description
    }

    /// `text` as a JSON string literal (quotes, backslashes and control characters escaped).
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let digits = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A sidecar model that cannot be used, with a stable code.
public struct DifficultyModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes.
    public enum Code: String, Sendable, Hashable {
        /// Not valid JSON, wrong format marker, or inconsistent arrays.
        case malformed = "difficulty_model_malformed"
    }
    /// The code.
    public var code: Code
    /// What is wrong.
    public var message: String
    /// An error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
    /// `message`.
    public var description: String { message }
}
