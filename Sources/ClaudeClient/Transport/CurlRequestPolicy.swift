import CCurl
import Foundation

/// What may be sent, decided before any byte leaves the process.
///
/// The URL is parsed by libcurl's own URL API (`curl_url`) and the parsed handle is given to
/// the easy handle (`CURLOPT_CURLU`), so the host checked here is exactly the host libcurl
/// connects to — no second parser that could disagree.
enum CurlRequestPolicy {
    /// The only protocols libcurl may speak for a request (`CURLOPT_PROTOCOLS_STR`).
    enum Scheme: Equatable {
        case https
        /// Plain HTTP, only to a loopback host (local mock servers and tests).
        case loopbackHTTP

        /// As a NUL-terminated C string with static storage (libcurl copies string options): a
        /// `String` argument would be copied into a temporary C string on every request.
        var protocols: UnsafePointer<CChar> {
            let name: StaticString = self == .https ? "https" : "http"
            // A literal of one Unicode scalar would be stored without a pointer.
            precondition(name.hasPointerRepresentation)
            return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
        }
    }

    /// Parses `url` into a `CURLU` handle the caller owns, and decides the protocol allowed.
    static func parse(url: String, allowInsecureLoopback: Bool) throws(TransportError) -> (OpaquePointer, Scheme) {
        guard let handle = curl_url() else {
            throw TransportError(kind: .other, detail: "libcurl could not allocate a URL handle")
        }
        do throws(TransportError) {
            if url.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) {
                throw TransportError(kind: .invalidRequest, detail: "URL contains whitespace or control characters")
            }
            let code = curl_url_set(handle, CURLUPART_URL, url, 0)
            guard code == CURLUE_OK else {
                let reason = curl_url_strerror(code).map { String(cString: $0) } ?? "code \(code.rawValue)"
                throw TransportError(kind: .invalidRequest, detail: "malformed URL: \(reason)")
            }
            let scheme = part(handle, CURLUPART_SCHEME)?.lowercased() ?? ""
            let host = part(handle, CURLUPART_HOST) ?? ""
            switch scheme {
            case "https":
                return (handle, .https)
            case "http":
                guard allowInsecureLoopback, isLoopbackHost(host) else {
                    throw TransportError(
                        kind: .invalidRequest,
                        detail: "plain http:// is allowed only to a loopback host; refused host \(host) (use https://)"
                    )
                }
                return (handle, .loopbackHTTP)
            default:
                throw TransportError(kind: .invalidRequest, detail: "unsupported URL scheme '\(scheme)'; only https is allowed")
            }
        } catch {
            curl_url_cleanup(handle)
            throw error
        }
    }

    /// `localhost`, `127.0.0.0/8` in strict dotted-decimal form, or `[::1]`. Anything else,
    /// including shorthand forms such as `127.1`, is treated as remote.
    static func isLoopbackHost(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "[::1]" || lowered == "[0:0:0:0:0:0:0:1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        var octets: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(part), value <= 255
            else { return false }
            octets.append(value)
        }
        return octets[0] == 127
    }

    /// Header names must be tokens and values must not break the header block; the error
    /// names the offending header but never shows its value (it may be a secret).
    static func validate(headers: [(name: String, value: String)]) throws(TransportError) {
        for (name, value) in headers {
            let nameIsToken = !name.isEmpty && name.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
            }
            guard nameIsToken else {
                throw TransportError(kind: .invalidRequest, detail: "invalid header name '\(name.prefix(64))'")
            }
            if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                throw TransportError(kind: .invalidRequest, detail: "header '\(name)' has a line break or NUL in its value")
            }
        }
    }

    /// Builds libcurl's header list. An empty value uses libcurl's `name;` form (a bare
    /// `name:` would remove the header). `Expect:` is disabled unless the caller set it:
    /// servers that ignore `100-continue` would otherwise stall every large POST for a second.
    static func headerList(_ headers: [(name: String, value: String)]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        var sawExpect = false
        for (name, value) in headers {
            if name.lowercased() == "expect" { sawExpect = true }
            let line = value.isEmpty ? "\(name);" : "\(name): \(value)"
            list = curl_slist_append(list, line)
        }
        if !sawExpect { list = curl_slist_append(list, "Expect:") }
        return list
    }

    private static func part(_ handle: OpaquePointer, _ which: CURLUPart) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &pointer, 0) == CURLUE_OK, let pointer else { return nil }
        defer { curl_free(pointer) }
        return String(cString: pointer)
    }
}

extension TransportError {
    /// Maps a libcurl result to a transport error kind. `responseBegan` distinguishes a
    /// broken connection before the response (`.connect`) from one during it (`.interrupted`).
    /// The detail is libcurl's error text, which names hosts and ports but never header values.
    init(curlCode code: CURLcode, errorText: String, responseBegan: Bool) {
        let summary = String(cString: curl_easy_strerror(code))
        let detail = errorText.isEmpty ? "\(summary) (curl \(code.rawValue))" : "\(errorText) (curl \(code.rawValue): \(summary))"
        let kind: Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            kind = .invalidRequest
        case CURLE_ABORTED_BY_CALLBACK:
            kind = .cancelled
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
            CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS:
            kind = .connect
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
            kind = responseBegan ? .interrupted : .connect
        default:
            kind = responseBegan ? .interrupted : .other
        }
        self.init(kind: kind, detail: detail)
    }
}
