import Foundation
import Testing
@testable import RouterPolicies

/// Bad input files get a precise error: the position of the first non-UTF-8 byte, ambiguous
/// YAML 1.1 number forms refused, zero prices warned about, each allowed key listed once.
@Suite("Input validation")
struct InputValidationTests {
    @Test("the first invalid byte is reported at its line and character column")
    func invalidUTF8() {
        let bytes = Array("a: 1\nname: é".utf8) + [0xC3] + Array("x\n".utf8)
        #expect(SourceText.firstInvalidOffset(bytes) == bytes.count - 3)
        #expect(throws: PolicyError.self) { try SourceText.decode(Data(bytes), file: "p.yaml") }
        do {
            _ = try SourceText.decode(Data(bytes), file: "p.yaml")
        } catch {
            #expect(error.description.hasPrefix("p.yaml:2:8: error: not UTF-8 text: byte 0xC3 at offset 13"))
        }
        #expect(SourceText.firstInvalidOffset(Array("ok ✓".utf8)) == nil)
    }

    @Test("a file over the limit is refused before it is read")
    func sizeCap() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString).yaml").path
        try Data(count: 2_000).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: PolicyError.self) { try SourceText.read(file: path, what: "policy file", limit: 1_000) }
    }

    @Test("YAML 1.1 number forms are refused with the fix", arguments: [
        ("1_000", "write 1000"), ("010", "write 10"), ("-0_5", "write -05"), ("00.5", "write 0.5"),
    ])
    func ambiguousNumbers(text: String, fix: String) {
        #expect(YAMLDecodingContext.ambiguousNumberForm(text)?.hasSuffix(fix) == true)
    }

    @Test("ordinary numbers pass", arguments: ["0", "0.25", "10", "-3.5", "1000000", "abc", ""])
    func ordinaryNumbers(text: String) {
        #expect(YAMLDecodingContext.ambiguousNumberForm(text) == nil)
    }

    @Test("a price book refuses 1_000 and 010 and warns about a zero price")
    func priceBook() throws {
        func book(_ input: String) -> String {
            """
            models:
              claude-x:
                prices:
                  - effective_from: 2026-01-01
                    input: \(input)
                    output: 15
                    cache_write_5m: 3.75
                    cache_write_1h: 6
                    cache_read: 0.3

            """
        }
        #expect(throws: PolicyError.self) { try PriceBook.parse(yaml: book("1_000"), file: "p.yaml") }
        #expect(throws: PolicyError.self) { try PriceBook.parse(yaml: book("010"), file: "p.yaml") }
        #expect(try PriceBook.parse(yaml: book("3"), file: "p.yaml").zeroPriceWarnings.isEmpty)
        #expect(try PriceBook.parse(yaml: book("0"), file: "p.yaml").zeroPriceWarnings
            == ["claude-x@2026-01-01: input price is $0: calls on this model will be recorded as free"])
    }

    @Test("the expected-keys list names each key once")
    func uniqueKeys() {
        #expect(YAMLDecodingContext.suggestion(for: "zzzzzzzz", among: ["id", "id", "cases", "suite", "cases"])
            == "; expected one of: 'id', 'cases', 'suite'")
    }
}
