import Foundation
import Testing
@testable import RouterPolicies

/// Properties of the YAML input path over random inputs (seeded, so a failure reproduces):
/// UTF-8 positions agree with the standard library, number forms are judged consistently, and a
/// mutated policy never crashes the decoder: it loads or fails with located diagnostics.
@Suite("YAML input properties")
struct YAMLPropertyTests {
    @Test("firstInvalidOffset agrees with String(validating:) and the prefix before it is valid",
          arguments: [UInt64(11), 12, 13, 14])
    func utf8Offsets(seed: UInt64) {
        var rng = SeededGenerator(state: seed)
        let pieces: [[UInt8]] = [Array("a".utf8), Array("\n".utf8), Array("é".utf8), Array("✓".utf8),
                                 Array("𝄞".utf8), [0xFF], [0xC3], [0xE2, 0x9C], [0x80], [0xED, 0xA0, 0x80]]
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...30, using: &rng)).flatMap { _ in pieces.randomElement(using: &rng)! }
            let offset = SourceText.firstInvalidOffset(bytes)
            #expect((offset == nil) == (String(validating: bytes, as: UTF8.self) != nil))
            if let offset {
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil)
                do {
                    _ = try SourceText.decode(Data(bytes), file: "f")
                    Issue.record("invalid bytes decoded")
                } catch {
                    let line = bytes[..<offset].filter { $0 == 0x0A }.count + 1
                    #expect(error.diagnostics.first?.mark.line == line)
                }
            }
        }
    }

    @Test("plain integers pass; leading zeros and separators are refused with the digits as the fix",
          arguments: [UInt64(21), 22])
    func numberForms(seed: UInt64) {
        var rng = SeededGenerator(state: seed)
        for _ in 0..<300 {
            let n = Int.random(in: 1...9_999_999, using: &rng)
            #expect(YAMLDecodingContext.ambiguousNumberForm("\(n)") == nil)
            #expect(YAMLDecodingContext.ambiguousNumberForm("0\(n)")?.hasSuffix("write \(n)") == true)
            var digits = Array("\(n)")
            if digits.count > 1 {
                digits.insert("_", at: Int.random(in: 1..<digits.count, using: &rng))
                #expect(YAMLDecodingContext.ambiguousNumberForm(String(digits))?.hasSuffix("write \(n)") == true)
            }
        }
    }

    @Test("a randomly mutated policy loads or fails with located diagnostics, never crashes",
          arguments: [UInt64(31), 32, 33])
    func mutatedPolicy(seed: UInt64) throws {
        var rng = SeededGenerator(state: seed)
        let text = BundledPolicies.defaultYAML
        try #require(!text.isEmpty)
        let bytes = Array(text.utf8)
        let lineCount = bytes.filter { $0 == 0x0A }.count + 1
        let replacements = Array(":-[]{}#'\"\n 0x_é".utf8)
        for _ in 0..<40 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] = replacements.randomElement(using: &rng)!
            }
            guard let yaml = String(validating: mutated, as: UTF8.self) else { continue }
            do {
                _ = try Policy.parse(yaml: yaml, file: "mutated.yaml", baseDirectory: BundledPolicies.directory)
            } catch {
                #expect(!error.diagnostics.isEmpty)
                for diagnostic in error.diagnostics { #expect(diagnostic.mark.line <= lineCount + 1) }
            }
        }
    }
}
