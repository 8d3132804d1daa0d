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

/// The parsed URLs and header lists of the last few distinct requests, reused while later
/// requests send the same ones, so they are validated, parsed and built once instead of per
/// request. A client sends one header set per kind of call (buffered or streamed, with or without
/// a body) to a handful of endpoints, so a few entries of each cover a mixed workload; with a
/// single entry, alternating `createMessage` and `streamMessage` rebuilt the list on every call.
final class CurlRequestCache: Sendable {
    /// Entries kept of each kind. A URL hit moves its entry to the front and the least recently
    /// used URL is dropped for a new one; header lists (a client has at most four header sets,
    /// one per kind of call) keep their order, so a hit needs no second lock, and the oldest
    /// is dropped.
    static let capacity = 4

    private struct Entries {
        var urls: [(text: String, parsed: CurlParsedURL)] = []
        var headers: [CurlHeaderList] = []

        /// The parsed `text`, moved to the front; nil when not kept.
        mutating func hitURL(_ text: String) -> CurlParsedURL? {
            guard let index = urls.firstIndex(where: { $0.text == text }) else { return nil }
            let entry = urls[index]
            if index > 0 {
                urls.remove(at: index)
                urls.insert(entry, at: 0)
            }
            return entry.parsed
        }
    }

    private let entries = Mutex(Entries())
    private let allowInsecureLoopback: Bool

    init(allowInsecureLoopback: Bool) {
        self.allowInsecureLoopback = allowInsecureLoopback
    }

    /// The parsed URL; throws `.invalidRequest` as ``CurlRequestPolicy/parse(url:allowInsecureLoopback:)``.
    func url(_ text: String) throws(TransportError) -> CurlParsedURL {
        if let hit = entries.withLock({ $0.hitURL(text) }) { return hit }
        let (handle, scheme) = try CurlRequestPolicy.parse(url: text, allowInsecureLoopback: allowInsecureLoopback)
        let parsed = CurlParsedURL(handle: handle, scheme: scheme)
        return entries.withLock { entries in
            // Another request may have added it meanwhile: keep one entry per URL.
            if let hit = entries.hitURL(text) { return hit }
            if entries.urls.count == Self.capacity { entries.urls.removeLast() }
            entries.urls.insert((text, parsed), at: 0)
            return parsed
        }
    }

    /// The header list; throws `.invalidRequest` as ``CurlRequestPolicy/validate(headers:)``.
    func headerList(_ headers: [(name: String, value: String)]) throws(TransportError) -> CurlHeaderList {
        // Matched outside the lock: the lists are immutable.
        let cached = entries.withLock { $0.headers }
        if let hit = cached.first(where: { $0.matches(headers) }) { return hit }
        try CurlRequestPolicy.validate(headers: headers)
        let list = CurlHeaderList(headers)
        return entries.withLock { entries in
            // Another request may have added it meanwhile: keep one entry per header set.
            if let existing = entries.headers.first(where: { $0.matches(headers) }) { return existing }
            if entries.headers.count == Self.capacity { entries.headers.removeLast() }
            entries.headers.insert(list, at: 0)
            return list
        }
    }

    /// URLs and header lists held (tests).
    var count: (urls: Int, headerLists: Int) {
        entries.withLock { ($0.urls.count, $0.headers.count) }
    }
}
