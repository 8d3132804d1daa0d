import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        if let plain = plainHeaderValue(value, secrets: secrets) { return plain.isEmpty ? nil : plain }
        return redactedHeaderValue(value, secrets: secrets)
    }

    /// The full path of ``headerValue(_:secrets:)``: filter, redact, cut.
    static func redactedHeaderValue(_ value: String, secrets: [String]) -> String? {
        let printable = String(String.UnicodeScalarView(value.unicodeScalars.filter {
            !($0.value < 0x20 || (0x7F...0x9F).contains($0.value))
        }))
        let redacted = String(redact(printable, secrets: secrets).prefix(256))
        return redacted.isEmpty ? nil : redacted
    }

    /// `value` itself when ``redactedHeaderValue(_:secrets:)`` would return it unchanged, found
    /// with byte comparisons (a request id is checked on every reply, and the Foundation
    /// case-insensitive searches of ``redact(_:secrets:)`` cost tens of microseconds each);
    /// `nil`: take the full path. It answers only for visible ASCII of at most 256 bytes that
    /// holds no secret and, ignoring ASCII case, none of `sk-ant-`, `api-key`, `bearer`,
    /// `authorization`; with a non-ASCII secret it always declines.
    static func plainHeaderValue(_ value: String, secrets: [String]) -> String? {
        var value = value
        return value.withUTF8 { bytes -> String? in
            guard bytes.count <= 256, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            for secret in secrets where secret.count >= 4 {
                var secret = secret
                let found = secret.withUTF8 { needle -> Bool? in
                    guard needle.allSatisfy({ $0 < 0x80 }) else { return nil }
                    return needle.isEmpty || occurs(needle, in: UnsafeRawBufferPointer(bytes))
                }
                guard found == false else { return nil }
            }
            for word in markers where containsIgnoringCase(bytes, word) { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Whether `data` holds any non-empty secret byte for byte (a reply checked before it is
    /// handed on raw). libc's `memchr` for the first byte and `memcmp` for the rest:
    /// `Data.range(of:)` goes through NSData on Linux and cost several microseconds per reply in
    /// the client's profiles (`memmem` is a GNU extension Swift's Glibc module does not expose).
    static func data(_ data: Data, containsAnyOf secrets: [String]) -> Bool {
        guard secrets.contains(where: { !$0.isEmpty }) else { return false }
        return data.withUnsafeBytes { haystack -> Bool in
            guard let base = haystack.baseAddress else { return false }
            return secrets.contains { secret in
                var secret = secret
                return !secret.isEmpty
                    && secret.withUTF8 { needle in Self.occurs(needle, in: UnsafeRawBufferPointer(start: base, count: haystack.count)) }
            }
        }
    }

    /// Whether any non-empty secret occurs in `bytes` (as ``data(_:containsAnyOf:)``).
    static func bytes(_ bytes: [UInt8], containsAnyOf secrets: [String]) -> Bool {
        guard !bytes.isEmpty, secrets.contains(where: { !$0.isEmpty }) else { return false }
        return bytes.withUnsafeBytes { haystack -> Bool in
            secrets.contains { secret in
                var secret = secret
                return !secret.isEmpty && secret.withUTF8 { Self.occurs($0, in: haystack) }
            }
        }
    }

    /// Whether the non-empty `needle` occurs in `haystack`.
    private static func occurs(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let needleBase = needle.baseAddress, let base = haystack.baseAddress, needle.count <= haystack.count
        else { return false }
        let first = Int32(needleBase.pointee)
        var offset = 0
        let lastStart = haystack.count - needle.count
        while offset <= lastStart {
            guard let hit = memchr(base + offset, first, lastStart - offset + 1) else { return false }
            let start = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + start, needleBase, needle.count) == 0 { return true }
            offset = start + 1
        }
        return false
    }

    /// What ``redact(_:secrets:)`` looks for before its pattern passes, lower-case ASCII.
    private static let markers: [[UInt8]] = ["sk-ant-", "api-key", "bearer", "authorization"].map { Array($0.utf8) }

    /// Whether the lower-case ASCII `needle` occurs in `haystack` with ASCII case folded
    /// (case-sensitive searches use ``occurs(_:in:)``).
    private static func containsIgnoringCase(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        func fold(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        for start in 0...(haystack.count - needle.count) {
            var index = 0
            while index < needle.count, fold(haystack[start + index]) == needle[index] { index += 1 }
            if index == needle.count { return true }
        }
        return false
    }
}
