import Foundation
import RouterPolicies
import Testing

@Suite("Learned scorer: the n-gram window")
struct NGramWindowTests {
    func buckets(_ text: String, _ window: DifficultyFeatures.NGramWindow?) -> [UInt32] {
        var fast: [UInt32] = []
        var copy = text
        copy.withUTF8 { bytes in
            DifficultyFeatures.forEachNGram(in: bytes, mask: (1 << 18) - 1, window: window) { bucket, _ in fast.append(bucket) }
        }
        return fast
    }

    @Test("a text no longer than head + tail is read whole")
    func shortTextWhole() {
        let text = "Prove that the sum of n odd numbers is n^2."
        let window = DifficultyFeatures.NGramWindow(head: 30, tail: text.utf8.count - 30)
        #expect(buckets(text, window) == buckets(text, nil))
    }

    @Test("a longer text is read from its head and tail, each widened to whole words; the middle is skipped")
    func headAndTail() {
        let text = "alpha bravo charlie " + String(repeating: "middle ", count: 100) + "xray yankee zulu"
        // Head 8 bytes ends inside "bravo": widened to "alpha bravo". Tail 7 bytes starts inside
        // "yankee": widened to "yankee zulu".
        let got = buckets(text, DifficultyFeatures.NGramWindow(head: 8, tail: 7))
        #expect(got == buckets("alpha bravo yankee zulu", nil))
        #expect(!got.contains(DifficultyFeatures.ngrams(of: "middle")[0].bucket))
        // Only a head.
        #expect(buckets(text, DifficultyFeatures.NGramWindow(head: 11, tail: 0)) == buckets("alpha bravo", nil))
    }

    @Test("the window is part of the sidecar: written only when set, read back, and zero-sized windows rejected")
    func sidecarRoundTrip() throws {
        var model = DifficultyModel(tiers: ["small", "large"], weakTier: "small", strongTier: "large",
                                    denseFeatures: ["log_input_tokens"], bias: [0, 0], denseWeights: [[0], [0]],
                                    ngramBuckets: [], ngramTexts: [], ngramWeights: [[], []])
        #expect(!model.encodedJSON().contains("ngram_window"))
        #expect(try DifficultyModel.decode(Array(model.encodedJSON().utf8)).ngramWindow == nil)
        model.ngramWindow = DifficultyFeatures.NGramWindow(head: 512, tail: 256)
        #expect(model.encodedJSON().contains("\"ngram_window\": {\"head\": 512, \"tail\": 256},"))
        #expect(try DifficultyModel.decode(Array(model.encodedJSON().utf8)) == model)
        model.ngramWindow = DifficultyFeatures.NGramWindow(head: 0, tail: 0)
        #expect(throws: DifficultyModelError.self) { try DifficultyModel.decode(Array(model.encodedJSON().utf8)) }
    }

    @Test("decisions read the model's window: text beyond it does not move the learned score")
    func decisionsReadWindow() throws {
        let bucket = DifficultyFeatures.ngrams(of: "prove")[0].bucket
        let model = DifficultyModel(tiers: ["small", "large"], weakTier: "small", strongTier: "large",
                                    denseFeatures: [], bias: [0.5, 0.5], denseWeights: [[], []],
                                    ngramBuckets: [bucket], ngramTexts: ["prove"], ngramWeights: [[-1], [3]],
                                    ngramWindow: DifficultyFeatures.NGramWindow(head: 64, tail: 64))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("window-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = model.encodedJSON()
        try json.write(to: directory.appendingPathComponent("m.scorer.json"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("p.yaml").path
        try DifficultyScorerTests.policyYAML(sha: SHA256.hex(of: Array(json.utf8))).write(toFile: file, atomically: true, encoding: .utf8)
        let engine = PolicyEngine(policy: try Policy.load(file: file))
        let filler = String(repeating: "plain words here ", count: 40)
        let inside = engine.decide(RoutingInput(text: "prove it " + filler))
        let outside = engine.decide(RoutingInput(text: filler + " prove it " + filler))
        #expect(inside.score > 0)
        #expect(outside.score == 0)
    }
}
