/// The policy files compiled into the library — policies/default.yaml and policies/prices.yaml,
/// embedded at build time by SwiftPM (`.embedInCode`) — so `claude-router` and `ModelRouter`
/// work without any file on disk. The bundled default policy is also where the built-in
/// complexity signals are written: a user policy's `signals:` section adjusts those.
public enum BundledPolicies {
    /// The directory the bundled files live in, as shown in diagnostics and used to resolve a
    /// relative reference (`prices: prices.yaml`) from one bundled file to another.
    package static let directory = "<bundled>"

    /// The embedded files by name, byte for byte as in policies/ when the library was built.
    /// A file added to policies/ that the bundled default refers to is listed here and in the
    /// `resources:` of the RouterPolicies target.
    private static let files: [String: [UInt8]] = [
        "default.yaml": PackageResources.default_yaml,
        "prices.yaml": PackageResources.prices_yaml,
        "default.scorer.json": PackageResources.default_scorer_json,
    ]

    /// The names of the embedded files (`default.yaml`, `prices.yaml`, …), sorted.
    public static var fileNames: [String] { files.keys.sorted() }

    /// The bytes of the embedded file `name` (`"prices.yaml"`), or of a path `<bundled>/name`;
    /// `nil` when no such file is embedded.
    public static func file(named name: String) -> [UInt8]? {
        let prefix = directory + "/"
        return files[name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name]
    }

    /// The text of the embedded file `name`; `nil` when there is none (or it is not UTF-8).
    package static func text(named name: String) -> String? {
        file(named: name).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// The text of the bundled default policy (policies/default.yaml).
    public static var defaultYAML: String { text(named: "default.yaml") ?? "" }

    /// The bundled default policy, decoded once. Its `signals:` section writes out every
    /// built-in signal, so it is decoded against no built-in signals.
    private static let decodedDefault: Result<Policy, PolicyError> = Result { () throws(PolicyError) -> Policy in
        try Policy.parse(yaml: defaultYAML, file: directory + "/default.yaml", baseDirectory: directory,
                         builtInSignals: [])
    }

    /// The default policy, decoded. The embedded file is checked by the test suite, so this
    /// does not throw in practice.
    public static func defaultPolicy() throws(PolicyError) -> Policy {
        try decodedDefault.get()
    }

    /// Resolves a bundled policy's sidecar by its name as written in the policy
    /// (`default.scorer.json`) to the embedded copy, whatever directory the policy was read
    /// from — for a copy of a bundled policy (policies/learned.yaml) loaded without its sidecar.
    public static let scorerResolver = EmbeddedScorerResolver(
        files: files.filter { $0.key.hasSuffix(".json") }, sha256: sidecarSHA256)

    /// The SHA-256 of each embedded sidecar, as pinned by the bundled policy that uses it, so a
    /// process start does not hash bytes compiled into it (hashing the 176 KB default sidecar
    /// was about a tenth of loading the default policy; `DecisionBench startup`). The test
    /// suite checks every entry against the embedded bytes: a retrained sidecar must update it.
    package static let sidecarSHA256: [String: String] = [
        "default.scorer.json": "6c53743c572fe21b974b832368b028a56ef7fba9a4cd257386967d1ca6f19741",
    ]
}

extension ComplexityConfiguration {
    /// The built-in signals: those written in the bundled default policy's `signals:` section
    /// (policies/default.yaml), which lists each one with its kind, weight, `full_at` and words.
    public static var `default`: ComplexityConfiguration {
        do {
            return try BundledPolicies.defaultPolicy().signals
        } catch {
            preconditionFailure("the bundled default.yaml is invalid:\n\(error)")
        }
    }
}

extension PriceBook {
    /// The text of policies/prices.yaml as shipped with this version of claude-router.
    public static var bundledYAML: String { BundledPolicies.text(named: "prices.yaml") ?? "" }

    /// The prices shipped with this version (policies/prices.yaml, embedded), so the SDK can
    /// price calls without reading any file.
    public static let bundledDefault: PriceBook = {
        do {
            return try PriceBook.parse(yaml: bundledYAML, file: BundledPolicies.directory + "/prices.yaml")
        } catch {
            // The embedded file is checked by the test suite, not user input.
            preconditionFailure("the bundled prices.yaml is invalid:\n\(error)")
        }
    }()
}
