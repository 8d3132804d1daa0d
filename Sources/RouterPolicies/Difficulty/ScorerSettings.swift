import Foundation

/// The policy's optional `scorer:` block: replaces the hand-made complexity score with a learned
/// difficulty score (`DifficultyModel`), to which the policy's `thresholds` then apply.
///
/// YAML: `scorer: { kind: learned, model: default.scorer.json, sha256: <64 hex digits> }`. The
/// model path is relative to the policy file's directory; `sha256` pins its exact bytes, and a
/// missing file or a different hash is a load error at the `model:` / `sha256:` line.
///
/// Two optional keys guard against trusting an extrapolated score (docs/CALIBRATION.md, "The
/// no-evidence guard"): `no_signal_fallback: true` and `min_known_fraction: F` (0…1). When the
/// policy's hand-made signals recognise nothing, or fewer than `F` of the prompt's n-gram
/// occurrences were seen in training, the learned score is not used: the score is the hand-made
/// one and the prompt takes the default tier (then the task range and rules), as without a scorer.
///
/// `heuristic_weight: h` (0…1, default 0) blends the two scores where the learned one is used:
/// `score = (1 − h) · learned + h · hand-made`. The learned score carries what transfers from its
/// training data (which kinds of prompt the cheap model falls furthest behind on); the hand-made
/// score carries intent the training data never showed (a valuation, a differential diagnosis).
public struct ScorerSettings: Sendable, Hashable {
    /// The scorer kind; `learned` is the only one.
    public var kind: String
    /// The sidecar path as written in the policy.
    public var modelPath: String
    /// SHA-256 of the sidecar's bytes, 64 lowercase hex digits.
    public var sha256: String
    /// The decoded model.
    public var model: DifficultyModel
    /// `no_signal_fallback`: when no hand-made signal with content fires, use the hand-made score
    /// and the default tier instead of the learned score. Default `false`.
    public var noSignalFallback: Bool
    /// `min_known_fraction`: the least share (0…1) of the prompt's n-gram occurrences that must
    /// have a weight in the model for the learned score to be used. Default 0 (no check).
    public var minKnownFraction: Double
    /// `heuristic_weight`: the share (0…1) of the hand-made complexity score in a convex blend
    /// with the learned score, `(1 − h) · learned + h · hand-made`. Default 0 (learned only).
    public var heuristicWeight: Double

    /// Settings for an already-loaded model.
    public init(kind: String = "learned", modelPath: String, sha256: String, model: DifficultyModel,
                noSignalFallback: Bool = false, minKnownFraction: Double = 0, heuristicWeight: Double = 0) {
        self.kind = kind
        self.modelPath = modelPath
        self.sha256 = sha256
        self.model = model
        self.noSignalFallback = noSignalFallback
        self.minKnownFraction = minKnownFraction
        self.heuristicWeight = heuristicWeight
    }
}

/// Finds the bytes of a policy's scorer sidecar. User policies read the file system; the bundled
/// default policy resolves its sidecar to an embedded copy, so it works with no file on disk.
public protocol ScorerModelResolver: Sendable {
    /// The sidecar's bytes for `path` (as written in the policy) relative to `baseDirectory`, or
    /// `nil` when there is no such file.
    func modelBytes(path: String, baseDirectory: String) -> [UInt8]?

    /// The sidecar's bytes with their SHA-256 (64 lowercase hex digits) when the resolver
    /// already knows it — bytes compiled into the library, whose digest the test suite checks —
    /// so loading need not hash them; `nil` digest: the loader hashes the bytes. The default
    /// implementation returns `modelBytes` with no digest.
    func model(path: String, baseDirectory: String) -> (bytes: [UInt8], sha256: String?)?
}

extension ScorerModelResolver {
    /// `modelBytes(path:baseDirectory:)` with no known digest.
    public func model(path: String, baseDirectory: String) -> (bytes: [UInt8], sha256: String?)? {
        modelBytes(path: path, baseDirectory: baseDirectory).map { ($0, nil) }
    }
}

/// Reads sidecars from disk, relative to the policy file's directory; a path under the bundled
/// directory (`<bundled>/default.scorer.json`, as the bundled default policy's sidecar resolves)
/// reads the copy embedded in the library instead. A bare name of an embedded sidecar with no
/// such file beside the policy (a copy of the bundled default edited elsewhere) also reads the
/// embedded copy; the policy's `sha256:` still has to match it.
public struct FileSystemScorerResolver: ScorerModelResolver {
    /// A resolver.
    public init() {}

    /// The file's bytes, or `nil` when it cannot be read.
    public func modelBytes(path: String, baseDirectory: String) -> [UInt8]? {
        model(path: path, baseDirectory: baseDirectory)?.bytes
    }

    /// The file's bytes; an embedded copy comes with its known digest, a file on disk with none.
    public func model(path: String, baseDirectory: String) -> (bytes: [UInt8], sha256: String?)? {
        let resolved = Policy.resolve(path: path, against: baseDirectory)
        if resolved.hasPrefix(BundledPolicies.directory + "/") {
            return BundledPolicies.scorerResolver.model(path: String(resolved.dropFirst(BundledPolicies.directory.count + 1)),
                                                        baseDirectory: baseDirectory)
                ?? BundledPolicies.file(named: resolved).map { ($0, nil) }
        }
        if let bytes = FileManager.default.contents(atPath: resolved) { return (Array(bytes), nil) }
        return path.contains("/") ? nil : BundledPolicies.scorerResolver.model(path: path, baseDirectory: baseDirectory)
    }
}

/// Serves sidecars from memory by path (as written in the policy); used for bundled policies.
public struct EmbeddedScorerResolver: ScorerModelResolver {
    /// Path → file contents.
    public var files: [String: [UInt8]]
    /// Path → the SHA-256 of `files[path]` (64 lowercase hex digits), where known in advance.
    public var sha256: [String: String]

    /// A resolver over `files`, with the digests of some of them (`sha256`, path → hex) known in
    /// advance; a digest given here is trusted, not recomputed, so it must be right (the bundled
    /// ones are checked by the test suite).
    public init(files: [String: [UInt8]], sha256: [String: String] = [:]) {
        self.files = files
        self.sha256 = sha256
    }

    /// The embedded bytes for `path`, ignoring `baseDirectory`.
    public func modelBytes(path: String, baseDirectory: String) -> [UInt8]? { files[path] }

    /// The embedded bytes for `path` and their digest when known.
    public func model(path: String, baseDirectory: String) -> (bytes: [UInt8], sha256: String?)? {
        files[path].map { ($0, sha256[path]) }
    }
}
