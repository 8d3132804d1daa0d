import Foundation
import RouterPolicies
import Testing

@Suite("Learned difficulty scorer")
struct DifficultyScorerTests {
    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256Vectors() {
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // FIPS 180-4's long example: one million times "a" (many whole blocks).
        #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("SHA-256 of every length 0…257 (each padding case) matches an independent implementation; any Collection hashes alike")
    func sha256EveryLength() throws {
        let url = try #require(Bundle.module.url(forResource: "vectors", withExtension: "txt", subdirectory: "Fixtures/sha256"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 258)
        for line in lines {
            let parts = line.split(separator: " ")
            let length = try #require(Int(parts[0]))
            let bytes = (0..<length).map { UInt8((31 * $0 + 7) % 256) }
            #expect(SHA256.hex(of: bytes) == String(parts[1]), "length \(length)")
            // A non-contiguous collection takes the copying path.
            #expect(SHA256.hex(of: bytes.lazy.map { $0 }) == String(parts[1]), "length \(length), lazy")
            #expect(SHA256.hex(of: bytes[...]) == String(parts[1]), "length \(length), slice")
        }
    }

    @Test("n-grams: lowercased words and adjacent pairs; the one-pass hasher agrees with the text form")
    func ngramsAgree() {
        let text = "Prove THAT the sum, of n odd numbers is n^2."
        let texts = DifficultyFeatures.ngrams(of: text)
        #expect(texts.map(\.text) == ["prove", "that", "prove that", "the", "that the", "sum", "the sum", "of", "sum of",
                                      "n", "of n", "odd", "n odd", "numbers", "odd numbers", "is", "numbers is",
                                      "n", "is n", "2", "n 2"])
        var fast: [UInt32] = []
        let mask = UInt32((1 << DifficultyFeatures.defaultBucketBits) - 1)
        var copy = text
        copy.withUTF8 { bytes in DifficultyFeatures.forEachNGram(in: bytes, mask: mask) { bucket, _ in fast.append(bucket) } }
        #expect(fast == texts.map(\.bucket))
        #expect(DifficultyFeatures.ngrams(of: "PROVE that").map(\.bucket) == DifficultyFeatures.ngrams(of: "prove THAT").map(\.bucket))
        let counts = DifficultyFeatures.normalizedCounts(of: "a a b")
        // "a" twice, "b" once, "a a" once, "a b" once: norm sqrt(4+1+1+1).
        #expect(abs(counts.map { Double($0.value * $0.value) }.reduce(0, +) - 1) < 1e-6)
        #expect(counts.map(\.value).max()! == Float(2 / 7.0.squareRoot()))
    }

    /// A two-tier model whose only n-gram weight is on "prove" (strong +3, weak −1).
    static func model() -> DifficultyModel {
        let bucket = DifficultyFeatures.ngrams(of: "prove")[0].bucket
        return DifficultyModel(tiers: ["small", "large"], weakTier: "small", strongTier: "large",
                               denseFeatures: ["log_input_tokens"], bias: [0.5, 0.5], denseWeights: [[0], [0]],
                               ngramBuckets: [bucket], ngramTexts: ["prove"], ngramWeights: [[-1], [3]])
    }

    static func policyYAML(sha: String, model: String = "m.scorer.json") -> String {
        """
        name: learned
        tiers:
          - { name: small, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 8192 }
          - { name: large, model: claude-opus-4-8, context_window: 200000, max_output_tokens: 8192 }
        thresholds: { small: 0.0, large: 0.3 }
        scorer:
          kind: learned
          model: \(model)
          sha256: \(sha)
        tasks:
          qa: { min_tier: small, max_tier: large }
        classifier: { fallback_task: qa }

        """
    }

    func write(_ model: DifficultyModel) throws -> (directory: URL, sha: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("difficulty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = model.encodedJSON()
        try json.write(to: directory.appendingPathComponent("m.scorer.json"), atomically: true, encoding: .utf8)
        return (directory, SHA256.hex(of: Array(json.utf8)))
    }

    @Test("a policy with a scorer block routes by the learned score: P(strong) − P(weak), with the n-gram named")
    func learnedScoreDecides() throws {
        let (directory, sha) = try write(Self.model())
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("p.yaml").path
        try Self.policyYAML(sha: sha).write(toFile: file, atomically: true, encoding: .utf8)
        let engine = PolicyEngine(policy: try Policy.load(file: file))
        let sigmoid = { (z: Double) in 1 / (1 + exp(-z)) }
        // "prove it": counts prove 1, it 1, "prove it" 1 → normalised 1/√3 each.
        let hard = engine.decide(RoutingInput(text: "prove it"))
        let x = 1 / 3.0.squareRoot()
        let expected = sigmoid(0.5 + 3 * Double(Float(x))) - sigmoid(0.5 - Double(Float(x)))
        #expect(abs(hard.score - expected) < 1e-5)
        #expect(hard.tier == "large")
        #expect(hard.contributions.first?.name == "ngram:prove")
        #expect(hard.contributions.first?.weight == 4)
        let easy = engine.decide(RoutingInput(text: "say hi"))
        #expect(easy.score == 0)
        #expect(easy.tier == "small")
    }

    @Test("a sidecar whose SHA-256 differs is a load error at the sha256 line")
    func hashMismatch() throws {
        let (directory, sha) = try write(Self.model())
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("p.yaml").path
        let wrong = String(sha.reversed())
        try Self.policyYAML(sha: wrong).write(toFile: file, atomically: true, encoding: .utf8)
        let error = try #require(throws: PolicyError.self) { try Policy.load(file: file) }
        #expect(error.description.contains("\(file):9:11: error: scorer model 'm.scorer.json' has sha256 \(sha)"))
    }

    @Test("a missing sidecar is a load error at the model line")
    func missingSidecar() throws {
        let (directory, sha) = try write(Self.model())
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("p.yaml").path
        try Self.policyYAML(sha: sha, model: "nope.json").write(toFile: file, atomically: true, encoding: .utf8)
        let error = try #require(throws: PolicyError.self) { try Policy.load(file: file) }
        #expect(error.description.contains("\(file):8:10: error: cannot read scorer model"))
    }

    @Test("an embedded resolver serves the sidecar without the file system")
    func embeddedResolver() throws {
        let json = Self.model().encodedJSON()
        let resolver = EmbeddedScorerResolver(files: ["m.scorer.json": Array(json.utf8)])
        let policy = try Policy.parse(yaml: Self.policyYAML(sha: SHA256.hex(of: Array(json.utf8))), file: "<embedded>",
                                      baseDirectory: "/nonexistent", scorerResolver: resolver)
        #expect(policy.scorer?.model == Self.model())
        #expect(try DifficultyModel.decode(Array(json.utf8)).encodedJSON() == json)
    }
}

@Suite("Bundled default scorer")
struct BundledDefaultScorerTests {
    @Test("the embedded sidecar is byte-identical to policies/default.scorer.json and pinned by policies/learned.yaml")
    func embeddedCopyMatches() throws {
        let data = try #require(FileManager.default.contents(atPath: repositoryRoot + "/policies/default.scorer.json"))
        #expect(BundledPolicies.file(named: "default.scorer.json") == Array(data))
        let policy = try Policy.load(file: repositoryRoot + "/policies/learned.yaml")
        let scorer = try #require(policy.scorer)
        #expect(scorer.sha256 == SHA256.hex(of: Array(data)))
        #expect(scorer.model.tiers == policy.tiers.map(\.name))
        #expect(data.count < 1_000_000)
    }

    @Test("every embedded sidecar's digest, trusted at load instead of hashed, is its bytes' SHA-256 and the bundled pin")
    func embeddedDigestsAreRight() throws {
        let sidecars = BundledPolicies.fileNames.filter { $0.hasSuffix(".json") }
        #expect(!sidecars.isEmpty)
        #expect(Set(BundledPolicies.sidecarSHA256.keys) == Set(sidecars))
        for name in sidecars {
            let bytes = try #require(BundledPolicies.file(named: name))
            #expect(BundledPolicies.sidecarSHA256[name] == SHA256.hex(of: bytes), "\(name)")
        }
        #expect(try BundledPolicies.defaultPolicy().scorer?.sha256 == BundledPolicies.sidecarSHA256["default.scorer.json"])
    }

    @Test("a policy that pins another digest for an embedded sidecar is still refused, at the pin's line and column")
    func wrongPinForEmbeddedSidecar() throws {
        let text = try #require(BundledPolicies.text(named: "default.yaml"))
        let pin = try #require(BundledPolicies.sidecarSHA256["default.scorer.json"])
        let wrong = String(repeating: "0", count: 64)
        #expect(text.contains(pin))
        // Read from a directory with no sidecar: the bare name resolves to the embedded copy.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("copy.yaml").path
        try text.replacingOccurrences(of: pin, with: wrong).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: PolicyError.self) { try Policy.load(file: file) }
        do {
            _ = try Policy.load(file: file)
        } catch {
            #expect(error.description.contains("has sha256 \(pin), but the policy pins \(wrong)"))
            #expect(error.description.contains("\(file):"))
        }
        // The unchanged copy loads, through the same embedded bytes.
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try Policy.load(file: file).scorer?.sha256 == pin)
    }

    @Test("policies/learned.yaml routes by the learned score and explains it with named features")
    func learnedDecides() throws {
        let text = try #require(FileManager.default.contents(atPath: repositoryRoot + "/policies/learned.yaml"))
        // Resolved through the embedded copy, as a bundled policy would be.
        let policy = try Policy.parse(yaml: String(decoding: text, as: UTF8.self), file: "learned.yaml", baseDirectory: "/nonexistent",
                                      scorerResolver: BundledPolicies.scorerResolver)
        let engine = PolicyEngine(policy: policy)
        let decision = engine.decide(RoutingInput(text: "Find the number of ordered pairs (a, b) of integers with a^2 + b^2 = 50."))
        #expect((0...1).contains(decision.score))
        #expect(!decision.contributions.isEmpty)
        #expect(decision.contributions.allSatisfy { $0.name.hasPrefix("ngram:") || $0.name.hasPrefix("signal:") || $0.name == "log_input_tokens" })
    }
}

@Suite("Learned scorer: word hashing and the no-evidence guard")
struct DifficultyGuardTests {
    @Test("the two-half branch-free word hasher agrees with the text form on long mixed text")
    func longTextAgrees() {
        var text = ""
        for i in 0..<300 {
            text += i % 7 == 0 ? "Ünïcödé WORD\(i), " : "the Quick-brown fox\(i % 13)   jumps; "
        }
        for length in [0, 1, 2, 3, 17, 64, 1_001, text.utf8.count] {
            let prefix = String(decoding: Array(text.utf8.prefix(length)), as: UTF8.self)
            var fast: [UInt32] = []
            var copy = prefix
            copy.withUTF8 { bytes in
                DifficultyFeatures.forEachNGram(in: bytes, mask: (1 << 18) - 1) { bucket, _ in fast.append(bucket) }
            }
            #expect(fast == DifficultyFeatures.ngrams(of: prefix).map(\.bucket), "length \(length)")
        }
    }

    func engine(guardLines lines: String) throws -> (PolicyEngine, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = DifficultyScorerTests.model().encodedJSON()
        try json.write(to: directory.appendingPathComponent("m.scorer.json"), atomically: true, encoding: .utf8)
        let yaml = DifficultyScorerTests.policyYAML(sha: SHA256.hex(of: Array(json.utf8)))
            .replacingOccurrences(of: "tasks:\n", with: lines + "tasks:\n")
        let file = directory.appendingPathComponent("p.yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return (PolicyEngine(policy: try Policy.load(file: file)), directory)
    }

    @Test("no_signal_fallback: without a hand-made signal the default tier decides, not the learned score")
    func noSignalFallsBack() throws {
        let (engine, directory) = try self.engine(guardLines: "  no_signal_fallback: true\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(engine.policy.scorer?.noSignalFallback == true)
        // "prove it" has a large learned score but no hand-made signal: default tier (small).
        let decision = engine.decide(RoutingInput(text: "prove it"))
        #expect(decision.tier == "small")
        #expect(decision.reason.contains("no recognised signal, default tier"))
        #expect(decision.score < 0.3)
        #expect(!decision.contributions.contains { $0.name.hasPrefix("ngram:") })
        // With a hand-made signal (a code fence) the learned score decides again.
        let coded = engine.decide(RoutingInput(text: "prove it\n```swift\nlet x = 1\n```"))
        #expect(coded.contributions.contains { $0.name == "ngram:prove" })
    }

    @Test("min_known_fraction: a prompt whose n-grams are mostly unseen falls back to the default tier")
    func unseenFallsBack() throws {
        // "prove it": 1 of its 3 n-gram occurrences (prove, it, prove it) has a weight.
        let (strict, first) = try self.engine(guardLines: "  min_known_fraction: 0.5\n")
        defer { try? FileManager.default.removeItem(at: first) }
        #expect(strict.decide(RoutingInput(text: "prove it")).tier == "small")
        #expect(strict.decide(RoutingInput(text: "prove it")).reason.contains("no recognised signal"))
        #expect(strict.decide(RoutingInput(text: "prove")).tier == "large")
        let (lenient, second) = try self.engine(guardLines: "  min_known_fraction: 0.3\n")
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(lenient.decide(RoutingInput(text: "prove it")).tier == "large")
    }

    @Test("a bad guard value is an error at its line")
    func badGuardValues() throws {
        for (lines, message) in [("  no_signal_fallback: maybe\n", "10:23: error: no_signal_fallback must be true or false"),
                                 ("  min_known_fraction: 2\n", "10:23: error: min_known_fraction must be a number in 0…1")] {
            let error = #expect(throws: PolicyError.self) { _ = try self.engine(guardLines: lines) }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        }
    }
}
