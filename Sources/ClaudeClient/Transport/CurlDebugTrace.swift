import CCurl
import Foundation
import Logging

/// libcurl's verbose trace (`CURLOPT_DEBUGFUNCTION`) forwarded to swift-log at trace level.
///
/// Only informational text and header lines are logged. Bodies (`CURLINFO_DATA_*`) and TLS
/// records are never logged: they carry prompts and responses. Values of credential headers
/// are replaced by `<redacted>` before anything reaches the logger.
enum CurlDebugTrace {
    /// Header names whose values never appear in a trace (lower-cased).
    static let secretHeaders: Set<String> = [
        "x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie",
    ]

    static func log(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer, to logger: Logger) {
        let prefix: String
        switch type {
        case CURLINFO_TEXT: prefix = "*"
        case CURLINFO_HEADER_OUT: prefix = ">"
        case CURLINFO_HEADER_IN: prefix = "<"
        default: return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            logger.trace("curl \(prefix) \(redact(line))")
        }
    }

    /// Cuts the line after the first credential header name it mentions. Header lines start
    /// with the name; libcurl's informational text also echoes HTTP/2 request headers
    /// (`h2h3 [authorization: …]`), so the name is searched anywhere in the line.
    static func redact(_ line: Substring) -> String {
        // ASCII-only lower-casing keeps byte offsets identical to the original line.
        let lowered = line.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        for name in secretHeaders {
            let needle = Array(name.utf8)
            guard lowered.count >= needle.count else { continue }
            for start in 0...(lowered.count - needle.count) where lowered[start..<start + needle.count].elementsEqual(needle) {
                let kept = line.utf8.prefix(start + needle.count)
                return String(decoding: kept, as: UTF8.self) + ": <redacted>"
            }
        }
        return String(line)
    }
}
