import Foundation

/// Removes secrets from text that may echo request headers (API error messages, transport
/// details, log metadata) before it is stored in an error or logged.
///
/// Two passes: the configured key itself wherever it appears, and anything shaped like an
/// Anthropic key or an auth header value (`sk-ant-…`, `x-api-key: …`, `Bearer …`).
enum Redaction {
    static let placeholder = "[REDACTED]"

    /// Redacts known secrets (exact matches) and key-shaped tokens.
    static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: placeholder)
        }
        guard result.contains("sk-ant-") || result.localizedCaseInsensitiveContains("api-key")
            || result.localizedCaseInsensitiveContains("bearer")
            || result.localizedCaseInsensitiveContains("authorization")
        else { return result }
        result = result.replacing(#/sk-ant-[A-Za-z0-9_\-]+/#, with: placeholder)
        result = result.replacing(
            #/(?i)(x-api-key|authorization)(["']?\s*[:=]\s*["']?)(bearer\s+)?[^\s"',;}]+/#
        ) { match in "\(match.output.1)\(match.output.2)\(match.output.3 ?? "")\(placeholder)" }
        result = result.replacing(#/(?i)\bbearer\s+(?!\[REDACTED\])[^\s"',;}]+/#) { _ in "Bearer \(placeholder)" }
        return result
    }

    /// A response header value fit to store or print (the `request-id` goes into errors, logs
    /// and the router's ledger): secrets redacted as in ``redact(_:secrets:)``, control
    /// characters (C0, DEL, C1: line breaks, escapes that would drive a terminal) removed, and
    /// at most 256 characters kept. `nil` stays `nil`; a value left empty becomes `nil`.
    static func headerValue(_ value: String?, secrets: [String]) -> String? {
        guard let value else { return nil }
        let printable = String(String.UnicodeScalarView(value.unicodeScalars.filter {
            !($0.value < 0x20 || (0x7F...0x9F).contains($0.value))
        }))
        let redacted = String(redact(printable, secrets: secrets).prefix(256))
        return redacted.isEmpty ? nil : redacted
    }
}
