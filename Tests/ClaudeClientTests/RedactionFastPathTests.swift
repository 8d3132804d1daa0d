import Foundation
import Testing

@testable import ClaudeClient

/// The byte-level shortcut of `Redaction.headerValue` gives exactly what the full path gives.
@Suite("Header value redaction shortcut")
struct RedactionFastPathTests {
    static let secrets = ["sk-bench-secret-key", "abc"]

    static let values: [String] = [
        "req_011CNdBzQ8hR2S6bKx4aYz7e", "", " ", "req with spaces", "a,b;c=d", String(repeating: "x", count: 256),
        String(repeating: "x", count: 257), "prefix-sk-bench-secret-key-suffix", "SK-BENCH-SECRET-KEY", "abc-short-secret",
        "sk-ant-api03-AbCdEf", "SK-ANT-api03", "x-api-key: hunter2", "X-Api-Key=hunter2", "Bearer token123",
        "bearer", "BEARER t", "authorization: Bearer t", "AUTHORIZATION", "line\r\nbreak", "tab\tinside",
        "del\u{7F}x", "c1\u{85}x", "caf\u{e9}", "\u{1F680} rocket", "api_key", "apikey", "bear er",
    ]

    @Test("the shortcut and the full path agree", arguments: values)
    func agrees(value: String) {
        let full = Redaction.redactedHeaderValue(value, secrets: Self.secrets)
        #expect(Redaction.headerValue(value, secrets: Self.secrets) == full)
        if let plain = Redaction.plainHeaderValue(value, secrets: Self.secrets) {
            #expect((plain.isEmpty ? nil : plain) == full)
            #expect(plain == value)
        }
    }

    @Test("the shortcut answers for a plain request id and declines anything that may need redacting")
    func coverage() {
        #expect(Redaction.plainHeaderValue("req_011CNdBzQ8hR2S6bKx4aYz7e", secrets: Self.secrets) != nil)
        for value in ["x sk-bench-secret-key", "Bearer t", "sk-ant-x", "a\nb", String(repeating: "x", count: 257), "caf\u{e9}"] {
            #expect(Redaction.plainHeaderValue(value, secrets: Self.secrets) == nil, "\(value)")
        }
        #expect(Redaction.plainHeaderValue("req_1", secrets: ["s\u{e9}cret"]) == nil)
    }

    @Test("a reply holding a secret is found byte for byte, wherever it sits, and only then")
    func dataContainsSecret() {
        let secret = "sk-bench-secret-key"
        let cases: [(String, Bool)] = [
            (secret, true), ("{\"a\":\"\(secret)\"}", true), ("prefix " + secret, true), (secret + " suffix", true),
            ("sk-bench-secret-ke", false), ("ssssk-bench-secret-keyy", true), ("sk-bench-secret-kex sk-bench", false),
            ("", false), ("SK-BENCH-SECRET-KEY", false), (String(repeating: "s", count: 1000) + secret, true),
        ]
        for (text, expected) in cases {
            #expect(Redaction.data(Data(text.utf8), containsAnyOf: [secret]) == expected, "\(text)")
            #expect(Redaction.data(Data(text.utf8), containsAnyOf: ["", "zz", secret]) == expected, "\(text)")
        }
        #expect(!Redaction.data(Data(secret.utf8), containsAnyOf: []))
        #expect(!Redaction.data(Data(secret.utf8), containsAnyOf: [""]))
        #expect(Redaction.data(Data("caf\u{e9} key".utf8), containsAnyOf: ["f\u{e9} k"]))
    }
}
