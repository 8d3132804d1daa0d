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
///
/// The fields are kept as bytes — every lower-cased name and its value back to back in one
/// buffer, with their boundaries in a second — rather than as a pair of strings per field: a
/// reply carries a dozen or more fields, most longer than a string stores inline, and building
/// them was a quarter of the client's allocations per call. Strings are made only for the
/// values asked for (``value(_:)``).
struct HTTPResponseHead: Sendable {
    var status: Int
    /// Names (lower-cased) and values, back to back.
    private var storage: [UInt8]
    /// Where each field's name and value sit in `storage`: name `[nameStart, valueStart)`, value
    /// `[valueStart, valueEnd)`.
    private var fields: [(nameStart: Int32, valueStart: Int32, valueEnd: Int32)]

    /// A head from fields whose names are already lower-cased.
    init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.storage = []
        self.fields = []
        for header in headers { appendField(name: header.name, value: header.value) }
    }

    /// An empty head, filled by ``appendField(receivedName:value:)`` (the header parser).
    init(status: Int, capacity: Int) {
        self.status = status
        self.storage = []
        self.fields = []
        storage.reserveCapacity(capacity)
        fields.reserveCapacity(24)
    }

    /// Appends a field whose name is lower-cased already (tests, fakes).
    mutating func appendField(name: String, value: String) {
        let nameStart = Int32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: name.utf8)
        let valueStart = Int32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: value.utf8)
        fields.append((nameStart, valueStart, Int32(truncatingIfNeeded: storage.count)))
    }

    /// Appends a field as received (the header parser), lower-casing the name's ASCII letters.
    /// Concrete buffer types: the generic version was not specialized and copied byte by byte.
    mutating func appendField(receivedName name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let nameStart = storage.count
        storage.append(contentsOf: name)
        let valueStart = storage.count
        storage.append(contentsOf: value)
        storage.withUnsafeMutableBufferPointer { bytes in
            for index in nameStart..<valueStart where bytes[index] &- 0x41 < 26 { bytes[index] |= 0x20 }
        }
        fields.append(
            (Int32(truncatingIfNeeded: nameStart), Int32(truncatingIfNeeded: valueStart),
             Int32(truncatingIfNeeded: storage.count)))
    }

    /// Appends `bytes` to the last field's value (an obs-fold continuation line); no-op without
    /// fields.
    mutating func extendLastValue(with bytes: UnsafeRawBufferPointer) {
        guard let last = fields.indices.last else { return }
        storage.append(contentsOf: bytes)
        fields[last].valueEnd = Int32(truncatingIfNeeded: storage.count)
    }

    /// Header fields as received, names lower-cased.
    var headers: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(fields.count)
        forEachField { name, value in
            result.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            return true
        }
        return result
    }

    /// Calls `body` with each field's name (lower-cased) and value bytes, in order, until it
    /// returns false. The buffers are valid only during the call.
    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        storage.withUnsafeBytes { bytes in
            for field in fields {
                let name = UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.valueStart)])
                let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
                if !body(name, value) { return }
            }
        }
    }

    /// The first value of a header, by case-insensitive name.
    func value(_ name: String) -> String? {
        var needle = name
        return needle.withUTF8 { needle -> String? in
            var found: String?
            forEachField { fieldName, value in
                guard Self.equalsLowercased(fieldName, needle) else { return true }
                found = String(decoding: value, as: UTF8.self)
                return false
            }
            return found
        }
    }

    /// Whether `lowered` equals `name` with ASCII letters lower-cased.
    private static func equalsLowercased(_ lowered: UnsafeRawBufferPointer, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lowered.count == name.count else { return false }
        for index in 0..<name.count {
            let byte = name[index]
            if lowered[index] != (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) { return false }
        }
        return true
    }
}

/// A response body delivered incrementally.
///
/// Back-pressure: the transport buffers a bounded amount and pauses the transfer while the
/// consumer lags. Dropping the stream (or cancelling the consuming task) aborts the transfer.
struct HTTPBodyStream: AsyncSequence, Sendable {
    /// One piece of the body as the transport received it (for libcurl, one write callback's bytes).
    typealias Element = [UInt8]

    /// Returns the next chunk, or `nil` at the end of the body. Throws `TransportError`.
    let nextChunk: nonisolated(nonsending) @Sendable () async throws -> [UInt8]?
    /// Aborts the transfer and frees its handle. Safe to call more than once.
    let cancel: @Sendable () -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let nextChunk: nonisolated(nonsending) @Sendable () async throws -> [UInt8]?
        mutating func next() async throws -> [UInt8]? { try await nextChunk() }
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
