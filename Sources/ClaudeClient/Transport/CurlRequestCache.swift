import CCurl
import Synchronization

/// A URL parsed by libcurl's URL API (`CURLU`), shared by every transfer to that URL.
///
/// libcurl copies the handle when a transfer starts (`CURLOPT_CURLU` is only read), so one
/// parse serves any number of transfers, all of which run on the loop.
final class CurlParsedURL: @unchecked Sendable {
    // @unchecked Sendable: both fields are immutable after init and libcurl only reads `handle`.
    let handle: OpaquePointer
    let scheme: CurlRequestPolicy.Scheme

    init(handle: OpaquePointer, scheme: CurlRequestPolicy.Scheme) {
        self.handle = handle
        self.scheme = scheme
    }

    deinit { curl_url_cleanup(handle) }
}

/// libcurl's header list for one set of header fields, shared by every transfer that sends them.
final class CurlHeaderList: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; libcurl only reads the list (`CURLOPT_HTTPHEADER`).
    let list: UnsafeMutablePointer<curl_slist>?
    let headers: [(name: String, value: String)]

    init(_ headers: [(name: String, value: String)]) {
        self.headers = headers
        self.list = CurlRequestPolicy.headerList(headers)
    }

    deinit { if let list { curl_slist_free_all(list) } }

    func matches(_ other: [(name: String, value: String)]) -> Bool {
        guard headers.count == other.count else { return false }
        for (mine, theirs) in zip(headers, other) where mine.name != theirs.name || mine.value != theirs.value {
            return false
        }
        return true
    }
}

/// The parsed URL and header list of the last request, reused while the next requests send the
/// same ones (a client sends the same headers to the same endpoint on almost every call), so
/// they are validated, parsed and built once instead of per request.
final class CurlRequestCache: Sendable {
    private struct Entries {
        var url: (text: String, parsed: CurlParsedURL)?
        var headers: CurlHeaderList?
    }

    private let entries = Mutex(Entries())
    private let allowInsecureLoopback: Bool

    init(allowInsecureLoopback: Bool) {
        self.allowInsecureLoopback = allowInsecureLoopback
    }

    /// The parsed URL; throws `.invalidRequest` as ``CurlRequestPolicy/parse(url:allowInsecureLoopback:)``.
    func url(_ text: String) throws(TransportError) -> CurlParsedURL {
        if let hit = entries.withLock({ $0.url?.text == text ? $0.url?.parsed : nil }) { return hit }
        let (handle, scheme) = try CurlRequestPolicy.parse(url: text, allowInsecureLoopback: allowInsecureLoopback)
        let parsed = CurlParsedURL(handle: handle, scheme: scheme)
        entries.withLock { $0.url = (text, parsed) }
        return parsed
    }

    /// The header list; throws `.invalidRequest` as ``CurlRequestPolicy/validate(headers:)``.
    func headerList(_ headers: [(name: String, value: String)]) throws(TransportError) -> CurlHeaderList {
        if let hit = entries.withLock({ $0.headers }), hit.matches(headers) { return hit }
        try CurlRequestPolicy.validate(headers: headers)
        let list = CurlHeaderList(headers)
        entries.withLock { $0.headers = list }
        return list
    }
}
