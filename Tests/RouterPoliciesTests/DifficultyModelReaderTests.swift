import Foundation
@testable import RouterPolicies
import Testing
import ClaudeRouterEval

/// The sidecar's direct reader must give exactly what `JSONDecoder` gives, or step aside.
@Suite("Difficulty model: direct sidecar reader")
struct DifficultyModelReaderTests {
    @Test("the shipped sidecar reads the same through the direct reader and JSONDecoder")
    func shippedSidecar() throws {
        let bytes = try #require(BundledPolicies.file(named: "default.scorer.json"))
        let direct = try #require(DifficultyModelReader.read(bytes))
        #expect(direct == (try DifficultyModel.decodeWithJSONDecoder(bytes)))
        // Bit for bit, not only ==: every weight.
        let reference = try DifficultyModel.decodeWithJSONDecoder(bytes)
        #expect(direct.ngramWeights.flatMap { $0.map(\.bitPattern) }
                == reference.ngramWeights.flatMap { $0.map(\.bitPattern) })
    }

    @Test("2,000 generated models, in the canonical layout and re-indented: the direct reader equals JSONDecoder")
    func generatedModels() throws {
        var random = SeededGenerator(seed: 20_261_130)
        let alphabet = Array("abcxyz é\"\\\n\t/😀\u{01}")
        for round in 0..<2_000 {
            let tiers = ["haiku", "sonnet", "opus"].prefix(Int.random(in: 1...3, using: &random)).map { $0 }
            let dense = (0..<Int.random(in: 0...4, using: &random)).map { "signal:s\($0)" }
            let buckets = Set((0..<Int.random(in: 0...20, using: &random)).map { _ in UInt32.random(in: 0..<(1 << 18), using: &random) })
                .sorted()
            func weight() -> Float {
                switch Int.random(in: 0..<4, using: &random) {
                case 0: return 0
                case 1: return Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &random)) * (Bool.random(using: &random) ? 1 : -1)
                case 2: return Float.random(in: -3...3, using: &random)
                default: return Float(Int.random(in: -5...5, using: &random))
                }
            }
            func text() -> String { String((0..<Int.random(in: 0...8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }) }
            let model = DifficultyModel(
                tiers: tiers, weakTier: tiers[0], strongTier: tiers[tiers.count - 1], denseFeatures: dense,
                bias: tiers.map { _ in weight() }, denseWeights: tiers.map { _ in dense.map { _ in weight() } },
                ngramBuckets: buckets, ngramTexts: buckets.map { _ in text() },
                ngramWeights: tiers.map { _ in buckets.map { _ in weight() } },
                training: Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...3, using: &random)).map { ("k\($0)", text()) }),
                ngramWindow: Bool.random(using: &random) ? DifficultyFeatures.NGramWindow(head: 512, tail: 256) : nil)
            let canonical = Array(model.encodedJSON().utf8)
            // JSONEncoder's layout too: other key order, escaped slashes, no spaces.
            let encoder = JSONEncoder()
            encoder.outputFormatting = round % 2 == 0 ? [.sortedKeys] : [.prettyPrinted]
            let other = Array(try encoder.encode(model))
            for bytes in [canonical, other] {
                let direct = try #require(DifficultyModelReader.read(bytes), "round \(round)")
                let reference = try DifficultyModel.decodeWithJSONDecoder(bytes)
                #expect(direct == reference, "round \(round)")
                #expect(direct.bias.map(\.bitPattern) == reference.bias.map(\.bitPattern))
            }
        }
    }

    @Test("what the reader does not mirror goes to JSONDecoder, which decides and words the error")
    func fallsBack() throws {
        let good = String(decoding: try #require(BundledPolicies.file(named: "default.scorer.json")), as: UTF8.self)
        let variants: [(String, String)] = [
            ("unknown key", good.replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, \"extra\": [1, {\"a\": null}],")),
            ("integer written as 1.0", good.replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1.0,")),
            ("repeated key", good.replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, \"version\": 1,")),
            ("float beyond Float", good.replacingOccurrences(of: "\"bias\": [", with: "\"bias\": [1e39, ")),
            ("truncated", String(good.prefix(good.count / 2))),
            ("trailing garbage", good + "x"),
            ("leading zero", good.replacingOccurrences(of: "\"bucket_bits\": 18", with: "\"bucket_bits\": 018")),
        ]
        for (name, text) in variants {
            let bytes = Array(text.utf8)
            #expect(DifficultyModelReader.read(bytes) == nil, "\(name)")
            let viaDecode = Result { () throws(DifficultyModelError) in try DifficultyModel.decode(bytes) }
            let viaDecoder = Result { () throws(DifficultyModelError) in
                let model = try DifficultyModel.decodeWithJSONDecoder(bytes)
                try model.validate()
                return model
            }
            switch (viaDecode, viaDecoder) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(name)")
            case (.failure(let a), .failure(let b)): #expect(a == b, "\(name)")
            default: Issue.record("\(name): decode and JSONDecoder disagree: \(viaDecode) vs \(viaDecoder)")
            }
        }
    }
}

/// The reader's short-decimal fast path (Clinger's) must round exactly as `JSONDecoder` does.
@Suite("Difficulty model: direct reader's decimal fast path")
struct DifficultyModelReaderDecimalTests {
    @Test("20,000 generated decimals (short and long mantissas, exponents, signs) read bit for bit as JSONDecoder reads them")
    func decimals() throws {
        var random = SeededGenerator(seed: 20_261_130_2)
        let base = DifficultyModel(tiers: ["haiku", "sonnet", "opus"], weakTier: "haiku", strongTier: "opus", denseFeatures: [],
                                   bias: [0, 0, 0], denseWeights: [[], [], []], ngramBuckets: [], ngramTexts: [],
                                   ngramWeights: [[], [], []], training: [:], ngramWindow: nil)
        let template = base.encodedJSON()
        let biasLine = try #require(template.split(separator: "\n").first { $0.contains("\"bias\"") })
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
        }
        func decimal() -> String {
            var text = Bool.random(using: &random) ? "-" : ""
            text += Int.random(in: 0..<3, using: &random) == 0 ? "0" : String(Int.random(in: 1...9, using: &random)) + digits(Int.random(in: 0...4, using: &random))
            if Int.random(in: 0..<4, using: &random) > 0 { text += "." + digits(Int.random(in: 1...10, using: &random)) }
            if Int.random(in: 0..<4, using: &random) == 0 {
                text += ["e", "E"].randomElement(using: &random)! + ["", "+", "-"].randomElement(using: &random)!
                    + String(Int.random(in: 0...14, using: &random))
            }
            return text
        }
        for round in 0..<(20_000 / 3) {
            let numbers = (0..<3).map { _ in decimal() }
            let text = template.replacingOccurrences(of: String(biasLine), with: "  \"bias\": [\(numbers.joined(separator: ", "))],")
            let bytes = Array(text.utf8)
            let direct = try #require(DifficultyModelReader.read(bytes), "round \(round): \(numbers)")
            #expect(direct.bias.map(\.bitPattern) == numbers.map { Float($0)!.bitPattern }, "\(numbers)")
            // Foundation's JSONDecoder rejects a zero with an exponent (`0e9`, `-0.0E14`), which
            // the JSON grammar (RFC 8259, section 6) allows; elsewhere the two must agree.
            guard !numbers.contains(where: { Float($0)! == 0 && $0.lowercased().contains("e") }) else { continue }
            let reference = try DifficultyModel.decodeWithJSONDecoder(bytes)
            #expect(direct.bias.map(\.bitPattern) == reference.bias.map(\.bitPattern), "\(numbers)")
        }
    }
}
