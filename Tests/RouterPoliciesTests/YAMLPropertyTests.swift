import Foundation
import PropertyBased
import Testing
@testable import RouterPolicies

/// Properties of the YAML input path over random inputs (swift-property-based: a failure prints
/// the shrunk input and a `.fixedSeed(…)` trait that reproduces it): UTF-8 positions agree with
/// the standard library, number forms are judged consistently, and a mutated policy never
/// crashes the decoder: it loads or fails with located diagnostics.
@Suite("YAML input properties")
struct YAMLPropertyTests {
    /// Valid sequences and the usual broken ones: a lone 0xFF, a truncated 2- and 3-byte
    /// sequence, a stray continuation byte, an encoded UTF-16 surrogate.
    static let pieces: [[UInt8]] = [Array("a".utf8), Array("\n".utf8), Array("é".utf8), Array("✓".utf8),
                                    Array("𝄞".utf8), [0xFF], [0xC3], [0xE2, 0x9C], [0x80], [0xED, 0xA0, 0x80]]

    @Test("firstInvalidOffset agrees with String(validating:) and the prefix before it is valid")
    func utf8Offsets() async {
        let input = Gen.int(in: 0..<Self.pieces.count).array(of: 0...30).map { $0.flatMap { Self.pieces[$0] } }
        await propertyCheck(count: 1200, input: input) { bytes in
            let offset = SourceText.firstInvalidOffset(bytes)
            #expect((offset == nil) == (String(validating: bytes, as: UTF8.self) != nil))
            if let offset {
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil)
                do throws(PolicyError) {
                    _ = try SourceText.decode(Data(bytes), file: "f")
                    Issue.record("invalid bytes decoded")
                } catch {
                    let line = bytes[..<offset].filter { $0 == 0x0A }.count + 1
                    #expect(error.diagnostics.first?.mark.line == line)
                }
            }
        }
    }

    @Test("plain integers pass; leading zeros and separators are refused with the digits as the fix")
    func numberForms() async {
        // The second input picks where the separator goes (modulo the places between digits).
        await propertyCheck(count: 600, input: Gen.int(in: 1...9_999_999), Gen.int(in: 0...5)) { n, pick in
            #expect(YAMLDecodingContext.ambiguousNumberForm("\(n)") == nil)
            #expect(YAMLDecodingContext.ambiguousNumberForm("0\(n)")?.hasSuffix("write \(n)") == true)
            var digits = Array("\(n)")
            if digits.count > 1 {
                digits.insert("_", at: 1 + pick % (digits.count - 1))
                #expect(YAMLDecodingContext.ambiguousNumberForm(String(digits))?.hasSuffix("write \(n)") == true)
            }
        }
    }

    @Test("a randomly mutated policy loads or fails with located diagnostics, never crashes")
    func mutatedPolicy() async throws {
        let text = BundledPolicies.defaultYAML
        try #require(!text.isEmpty)
        let bytes = Array(text.utf8)
        let lineCount = bytes.filter { $0 == 0x0A }.count + 1
        let replacements = Array(":-[]{}#'\"\n 0x_é".utf8)
        // Each mutation overwrites one byte (at a position, with a replacement byte).
        let mutations = zip(Gen.int(in: 0..<bytes.count), Gen.int(in: 0..<replacements.count)).array(of: 1...4)
        await propertyCheck(count: 120, input: mutations) { edits in
            var mutated = bytes
            for (position, replacement) in edits { mutated[position] = replacements[replacement] }
            guard let yaml = String(validating: mutated, as: UTF8.self) else { return }
            do throws(PolicyError) {
                _ = try Policy.parse(yaml: yaml, file: "mutated.yaml", baseDirectory: BundledPolicies.directory)
            } catch {
                #expect(!error.diagnostics.isEmpty)
                for diagnostic in error.diagnostics { #expect(diagnostic.mark.line <= lineCount + 1) }
            }
        }
    }
}
