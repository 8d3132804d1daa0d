import Foundation

/// One HTTP request as the client hands it to a transport.
///
/// The body is kept alive by this value for the whole transfer; transports must not
/// retain pointers into it past the transfer's end.
struct HTTPRequest: Sendable {
    enum Method: String, Sendable { case get = "GET", post = "POST", delete = "DELETE" }

    var method: Method
    /// Absolute URL, e.g. `https://api.anthropic.com/v1/messages`.
    var url: String
    /// Header fields in sending order. Secret values (`x-api-key`, `authorization`) are
    /// redacted by the transport in every log line and debug trace.
    var headers: [(name: String, value: String)]
    var body: Data?
    /// Time allowed to establish the connection.
    var connectTimeout: Duration
    /// Time allowed for the whole exchange, body included (ignored when `idleTimeout` is set).
    var timeout: Duration
    /// For streams: the transfer fails only when no byte arrives for this long, so a long
    /// generation is never cut off by a total deadline (the official SDKs' 600 s is likewise a
    /// per-read timeout). Whole seconds, at least 1.
    var idleTimeout: Duration? = nil
}

/// Status line and header fields of a response.
struct HTTPResponseHead: Sendable {
    var status: Int
    /// Header fields as received, names lower-cased.
    var headers: [(name: String, value: String)]

    /// The first value of a header, by case-insensitive name.
    func value(_ name: String) -> String? {
        // Looked up a dozen times per response: compare bytes in place instead of allocating a
        // lower-cased copy of `name` (stored names are already lower-cased ASCII); the generic
        // lazy-map comparison this replaces showed in profiles.
        // `nil` from withContiguousStorageIfAvailable only when `name` has no contiguous UTF-8.
        let found: String?? = name.utf8.withContiguousStorageIfAvailable { needle -> String? in
            for header in headers {
                let match = header.name.utf8.withContiguousStorageIfAvailable { Self.equalsLowercased($0, needle) }
                    ?? Self.equalsLowercased(header.name, name)
                if match { return header.value }
            }
            return nil
        }
        if let found { return found }
        return headers.first(where: { Self.equalsLowercased($0.name, name) })?.value
    }

    /// Whether `lowered` equals `name` with ASCII letters lower-cased.
    private static func equalsLowercased(_ lowered: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lowered.count == name.count else { return false }
        for index in 0..<name.count {
            let byte = name[index]
            if lowered[index] != (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) { return false }
        }
        return true
    }

    /// Whether `lowered` equals `name` with ASCII letters lower-cased (strings without
    /// contiguous UTF-8, e.g. bridged ones).
    private static func equalsLowercased(_ lowered: String, _ name: String) -> Bool {
        guard lowered.utf8.count == name.utf8.count else { return false }
        return lowered.utf8.elementsEqual(name.utf8.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
    }
}

/// A response body delivered incrementally.
///
/// Back-pressure: the transport buffers a bounded amount and pauses the transfer while the
/// consumer lags. Dropping the stream (or cancelling the consuming task) aborts the transfer.
struct HTTPBodyStream: AsyncSequence, Sendable {
    typealias Element = Data

    /// Returns the next chunk, or `nil` at the end of the body. Throws `TransportError`.
    let nextChunk: @Sendable () async throws -> Data?
    /// Aborts the transfer and frees its handle. Safe to call more than once.
    let cancel: @Sendable () -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let nextChunk: @Sendable () async throws -> Data?
        mutating func next() async throws -> Data? { try await nextChunk() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(nextChunk: nextChunk) }
}

/// A response whose head has arrived and whose body is still streaming.
struct HTTPStreamingResponse: Sendable {
    var head: HTTPResponseHead
    var body: HTTPBodyStream
}

/// Why a transfer failed below HTTP. Mapped to `ClaudeError` by the client.
struct TransportError: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// DNS, refused connection, TLS failure, reset before a response.
        case connect
        /// Connect or total timeout elapsed.
        case timeout
        /// The caller's task was cancelled; the transfer was aborted.
        case cancelled
        /// The connection broke after the response started.
        case interrupted
        /// Refused before sending, e.g. a scheme other than HTTPS to a non-loopback host.
        case invalidRequest
        case other
    }

    var kind: Kind
    /// Human-readable detail (libcurl's error text). Never contains header values.
    var detail: String
}

/// The seam between the Messages API client and the network.
///
/// `CurlTransport` is the production implementation (libcurl multi driven by one event loop).
protocol HTTPTransport: Sendable {
    /// Sends a request and buffers the whole response body.
    func execute(_ request: HTTPRequest) async throws -> (HTTPResponseHead, Data)
    /// Sends a request and returns once the response head has arrived; the body streams.
    func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse
    /// Stops the transport; in-flight transfers fail with `.cancelled`.
    func shutdown()
    /// The executor of the transport's network thread, if it offers one (tasks preferring it
    /// hand requests and replies over without waking another thread).
    var taskExecutor: (any TaskExecutor)? { get }
}

extension HTTPTransport {
    var taskExecutor: (any TaskExecutor)? { nil }
}
