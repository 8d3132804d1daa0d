import CCurl
import Foundation
import Logging
import Synchronization

/// One request: owns its libcurl easy handle and everything libcurl points into while the
/// transfer runs (URL handle, header list, request body, error buffer).
///
/// Threading: the easy handle, the header parser and the error buffer are touched only by the
/// event loop (libcurl callbacks run there, inside `curl_multi_perform`). The state
/// machine is shared with caller threads and only touched inside its `Mutex`.
final class CurlTransfer: @unchecked Sendable {
    // @unchecked Sendable: immutable fields are set in init; `easy`, `url`, `headerList`,
    // `body`, `headerParser` and `errorBuffer` are confined to the loop (or to `init` and
    // `deinit`, which no other thread overlaps); `state` is a `Mutex`.
    let loop: CurlEventLoop
    private let request: HTTPRequest
    private let scheme: CurlRequestPolicy.Scheme
    private let traceLogger: Logger?
    /// Shared with other transfers to the same URL / with the same headers (``CurlRequestCache``).
    private var url: CurlParsedURL?
    private var headerList: CurlHeaderList?
    /// A copy of the body at a stable address: libcurl reads it (and may re-read it to retry on
    /// a fresh connection) until the transfer ends, which outlives any `withUnsafeBytes` scope.
    private var body: UnsafeMutableRawBufferPointer?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// The easy handle while the transfer is attached to the multi handle (loop only).
    private(set) var easy: UnsafeMutableRawPointer?
    private var headerParser = CurlHeaderParser()

    private let state: Mutex<CurlTransferStateMachine>

    /// Validates the request (throws `.invalidRequest` before any traffic) and prepares it.
    init(
        request: HTTPRequest,
        configuration: CurlTransport.Configuration,
        loop: CurlEventLoop,
        cache: CurlRequestCache,
        traceLogger: Logger?
    ) throws(TransportError) {
        let headerList = try cache.headerList(request.headers)
        let url = try cache.url(request.url)
        self.url = url
        self.scheme = url.scheme
        self.headerList = headerList
        self.request = request
        self.loop = loop
        self.traceLogger = traceLogger
        self.state = Mutex(
            CurlTransferStateMachine(
                highWaterMark: configuration.streamHighWaterMark,
                lowWaterMark: configuration.streamLowWaterMark
            )
        )
        if let data = request.body, !data.isEmpty {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 1)
            // Not `Data.copyBytes(to:)`: generic, it looked up type metadata on every request.
            data.withUnsafeBytes { copy.copyMemory(from: $0) }
            self.body = copy
        }
        self.errorBuffer = .allocate(capacity: Int(cr_error_size()))
        self.errorBuffer.initialize(repeating: 0, count: Int(cr_error_size()))
    }

    deinit {
        // Normally the loop freed everything when the transfer ended; this covers a transfer
        // that never reached the loop.
        if let easy { curl_easy_cleanup(easy) }
        releaseRequestResources()
        errorBuffer.deallocate()
    }

    // MARK: State (any thread)

    /// Runs a state-machine step under the lock and returns its result for after unlocking.
    func withState<Result: Sendable>(_ body: (inout CurlTransferStateMachine) -> Result) -> Result {
        state.withLock { body(&$0) }
    }

    /// Executes an action outside the lock.
    func run(_ action: CurlTransferStateMachine.Action) {
        switch action {
        case .none: break
        case .submit:
            if !loop.submit(.add(self)) { fail(TransportError(kind: .cancelled, detail: "transport shut down")) }
        case .resumeHead(let continuation, let head): continuation.resume(returning: head)
        case .resumeCompletion(let continuation, let head, let data): continuation.resume(returning: (head, data))
        case .resumeChunk(let continuation, let chunk, let unpause):
            // Unpause first: the loop refills while the consumer handles this chunk.
            if unpause { loop.submit(.unpause(self)) }
            continuation.resume(returning: chunk)
        case .fail(let waiter, let error): waiter.fail(error)
        case .unpause: loop.submit(.unpause(self))
        case .remove(let waiter, let error):
            loop.submit(.remove(self))
            waiter?.fail(error)
        }
    }

    /// Aborts the transfer; pending waiters fail with `error`. Safe to call more than once.
    func cancel(_ error: TransportError = TransportError(kind: .cancelled, detail: "request cancelled")) {
        run(withState { $0.cancel(error) })
    }

    // MARK: Loop thread

    /// Creates and configures the easy handle. Returns libcurl's error when an option is refused.
    func makeEasyHandle(_ handle: UnsafeMutableRawPointer?, debugCallback: Bool) -> TransportError? {
        guard let handle else {
            return TransportError(kind: .other, detail: "libcurl could not allocate an easy handle")
        }
        easy = handle
        let me = Unmanaged.passUnretained(self).toOpaque()
        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }

        set(cr_easy_setopt_pointer(handle, CURLOPT_CURLU, url.map { UnsafeMutableRawPointer($0.handle) }))
        set(cr_easy_setopt_pointer(handle, CURLOPT_PRIVATE, me))
        set(cr_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(cr_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(cr_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, scheme.protocols))
        set(cr_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, scheme.protocols))
        set(cr_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(cr_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        set(cr_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        set(cr_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        set(cr_easy_setopt_long(handle, CURLOPT_TCP_KEEPIDLE, 60))
        set(cr_easy_setopt_long(handle, CURLOPT_TCP_KEEPINTVL, 30))
        set(cr_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)))
        // Over TLS, wait for an existing connection to tell whether it multiplexes (HTTP/2 via
        // ALPN) instead of opening a new one per concurrent request. Cleartext http is always
        // HTTP/1.1 here (2TLS), so waiting there would hold every concurrent request until the
        // first one's reply arrived: open parallel connections instead.
        if scheme == .https {
            set(cr_easy_setopt_long(handle, CURLOPT_PIPEWAIT, 1))
        }
        set(cr_easy_setopt_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1))
        set(cr_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)))
        if let idle = request.idleTimeout {
            // No total deadline; abort when under 1 byte/s for `idle` (CURLE_OPERATION_TIMEDOUT).
            set(cr_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, 0))
            set(cr_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
            set(cr_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, (Self.milliseconds(idle) + 999) / 1000)))
        } else {
            set(cr_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)))
        }
        // No CURLOPT_ACCEPT_ENCODING: bodies (JSON, SSE) arrive and stream exactly as sent.
        set(cr_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList?.list))
        set(cr_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        set(cr_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me))
        set(cr_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        set(cr_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me))

        switch request.method {
        case .get:
            set(cr_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case .post, .delete:
            if request.method == .post || body != nil {
                set(cr_easy_setopt_long(handle, CURLOPT_POST, 1))
                set(cr_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body?.count ?? 0)))
                set(cr_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, body?.baseAddress ?? Self.emptyBody))
            }
            if request.method == .delete {
                set(cr_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "DELETE"))
            }
        }
        if debugCallback, traceLogger != nil {
            set(cr_easy_setopt_debug_callback(handle, CURLOPT_DEBUGFUNCTION, curlDebugCallback))
            set(cr_easy_setopt_pointer(handle, CURLOPT_DEBUGDATA, me))
            set(cr_easy_setopt_long(handle, CURLOPT_VERBOSE, 1))
        }
        guard code == CURLE_OK else {
            return TransportError(curlCode: code, errorText: "setting up the request failed", responseBegan: false)
        }
        return nil
    }

    /// Hands the easy handle back to the loop (for its pool) and forgets it.
    func detachEasyHandle() -> UnsafeMutableRawPointer? {
        defer { easy = nil }
        return easy
    }

    /// Frees the easy handle and the request's resources; the loop already removed it from the multi.
    func releaseEasyHandle() {
        if let easy { curl_easy_cleanup(easy) }
        easy = nil
        releaseRequestResources()
    }

    /// libcurl finished; `code` is its result. Runs after `releaseEasyHandle`.
    func complete(code: CURLcode) {
        let result: Result<HTTPResponseHead?, TransportError>
        if code == CURLE_OK {
            result = .success(headerParser.partialHead)
        } else {
            let text = String(cString: errorBuffer)
            result = .failure(TransportError(curlCode: code, errorText: text, responseBegan: headerParser.isComplete))
        }
        run(withState { $0.finished(result) })
    }

    /// Fails the transfer without libcurl's involvement (shutdown, setup failure).
    func fail(_ error: TransportError) {
        run(withState { $0.finished(.failure(error)) })
    }

    fileprivate func didReceiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
        if let head = headerParser.consume(line) {
            run(withState { $0.headReceived(head) })
        }
        return line.count
    }

    fileprivate func didReceiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        switch withState({ $0.bodyReceived(bytes) }) {
        case .accepted:
            return bytes.count
        case .handOff(let continuation):
            // Resumed once libcurl returns (`CurlEventLoop.resumeHandedOffChunks`), so the
            // chunks of the same read queue behind this one and the reader takes them in one
            // wake-up.
            loop.handedOffChunks.append((continuation, [UInt8](bytes)))
            return bytes.count
        case .pause:
            return Int(cr_writefunc_pause())
        case .abort:
            return 0
        }
    }

    fileprivate func trace(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        guard let traceLogger else { return }
        CurlDebugTrace.log(type, bytes, to: traceLogger)
    }

    private func releaseRequestResources() {
        url = nil
        headerList = nil
        body?.deallocate()
        body = nil
    }

    /// libcurl treats 0 as "no timeout", so a zero or negative duration becomes 1 ms.
    /// libcurl's `long` options are clamped to `Int32.max` ms for 32-bit `long` platforms.
    static func milliseconds(_ duration: Duration) -> Int {
        let millis = (duration / .milliseconds(1)).rounded(.down)
        return Int(min(Double(Int32.max), max(1, millis)))
    }

    /// A valid pointer for an empty POST body (libcurl must not read from NULL with size 0).
    /// nonisolated(unsafe): allocated once and never written; libcurl reads zero bytes from it.
    nonisolated(unsafe) private static let emptyBody = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
}

// libcurl callbacks: plain C functions that recover the transfer from the user pointer. The
// transfer outlives every callback because the loop keeps it while the handle is attached.

private let curlWriteCallback: curl_write_callback = { buffer, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.didReceiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let curlHeaderCallback: curl_write_callback = { buffer, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.didReceiveHeader(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let curlDebugCallback: curl_debug_callback = { _, type, data, size, userdata in
    guard let userdata, let data else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.trace(type, UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
