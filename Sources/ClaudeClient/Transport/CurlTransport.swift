import Foundation
import Logging

/// Production transport: libcurl's multi interface driven by one event loop (a serial dispatch
/// queue's work item while transfers are in flight).
///
/// Every request becomes one easy handle attached to a single multi handle, so concurrent
/// requests share connections (HTTP/2 multiplexing over TLS, keep-alive reuse otherwise)
/// and cost no thread of their own. Only HTTPS is spoken, except plain HTTP to a loopback
/// host (local mock servers).
final class CurlTransport: HTTPTransport {
    /// Tuning knobs; every default is chosen for talking to one API host.
    struct Configuration: Sendable {
        /// Per-host connection cap (`CURLMOPT_MAX_HOST_CONNECTIONS`); transfers beyond it queue
        /// inside libcurl without a thread or socket. Default 32: over HTTP/2 each connection
        /// carries up to ~100 concurrent streams, so 32 covers thousands of in-flight requests;
        /// over HTTP/1.1 (a loopback mock) it bounds parallel sockets. 0 means unlimited.
        var maxConnectionsPerHost: Int = 32
        /// Idle connections kept for reuse (`CURLMOPT_MAXCONNECTS`). Default 64, above the
        /// per-host cap, so a burst's connections all survive for the next burst.
        var maxCachedConnections: Int = 64
        /// Allow plain `http://` (only ever to a loopback host). Default true; HTTP to any
        /// other host is refused with `.invalidRequest` regardless.
        var allowInsecureLoopback: Bool = true
        /// Streamed bytes buffered for a lagging consumer before the transfer pauses.
        /// Default 256 KiB: far above one SSE event, small enough to bound memory per stream.
        var streamHighWaterMark: Int = 256 * 1024
        /// The paused transfer resumes once the consumer drains below this. Default 64 KiB.
        var streamLowWaterMark: Int = 64 * 1024
        /// Forward libcurl's verbose trace (headers redacted, never bodies) to the logger at
        /// `.trace`, when the logger's level allows it. Default true.
        var debugTrace: Bool = true
        /// Where the client waits for the network. Default `.dedicated`.
        var eventLoop: EventLoopMode = .dedicated

        init(eventLoop: EventLoopMode = .dedicated) {
            self.eventLoop = eventLoop
        }
    }

    /// How the event loop waits for the network (``CurlEventLoop``).
    enum EventLoopMode: Sendable, Equatable, CaseIterable {
        /// Blocks in `curl_multi_poll` on an overcommit dispatch worker while transfers run.
        case dedicated
        /// libcurl's multi_socket API on dispatch sources; handlers on the default workers.
        case shared
    }

    /// Counters for tests and benchmarks, published by the loop after each iteration.
    struct Stats: Sendable, Equatable {
        /// Easy handles attached to the multi handle.
        var transfersStarted = 0
        /// Transfers libcurl finished (successfully or not).
        var transfersCompleted = 0
        /// Transfers removed before libcurl finished them (cancellation, shutdown).
        var transfersCancelled = 0
        /// New connections, the sum of `CURLINFO_NUM_CONNECTS` over finished transfers.
        var connectionsOpened = 0
        /// Transfers attached right now, and the most ever attached at once.
        var activeTransfers = 0
        var maxConcurrentTransfers = 0
        /// Easy handles held by transfers (attached, or set up and not yet returned).
        var liveEasyHandles = 0
        /// Finished transfers' handles, reset and kept for reuse (at most 64).
        var pooledEasyHandles = 0
        /// Times a stream's write callback paused the transfer for a lagging consumer.
        var streamPauses = 0
        /// The most body bytes one stream ever held for its consumer (back-pressure bound:
        /// stays below `streamHighWaterMark + largestBodyChunk`).
        var peakStreamBufferedBytes = 0
        /// The largest single write libcurl delivered.
        var largestBodyChunk = 0
    }

    private let configuration: Configuration
    private let logger: Logger
    private let loop: CurlEventLoop
    private let cache: CurlRequestCache

    init(configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let traceEnabled = configuration.debugTrace && logger.logLevel <= .trace
        self.loop = CurlEventLoop(configuration: configuration, traceEnabled: traceEnabled)
        self.cache = CurlRequestCache(allowInsecureLoopback: configuration.allowInsecureLoopback)
    }

    deinit {
        loop.shutdown()
    }

    /// A snapshot of the transport's counters.
    var stats: Stats { loop.stats }
    /// How the loop waits for the network.
    var loopMode: EventLoopMode { loop.mode }
    /// The event loop as a task executor (``CurlEventLoop``'s `TaskExecutor` conformance).
    var taskExecutor: (any TaskExecutor)? { loop }

    func execute(_ request: HTTPRequest) async throws -> (HTTPResponseHead, Data) {
        let transfer = try makeTransfer(request)
        return try await withTaskCancellationHandler {
            try await withTransferContinuation { continuation in
                transfer.run(transfer.withState { $0.start(.completion(continuation)) })
            }
        } onCancel: {
            transfer.cancel()
        }
    }

    func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let transfer = try makeTransfer(request)
        let reader = CurlBodyReader(transfer: transfer)
        let head = try await withTaskCancellationHandler {
            try await withTransferContinuation { continuation in
                transfer.run(transfer.withState { $0.start(.head(continuation)) })
            }
        } onCancel: {
            transfer.cancel()
        }
        let body = HTTPBodyStream(
            nextChunk: { try await reader.next() },
            cancel: { reader.cancel() }
        )
        return HTTPStreamingResponse(head: head, body: body)
    }

    func shutdown() {
        loop.shutdown()
    }

    private func makeTransfer(_ request: HTTPRequest) throws(TransportError) -> CurlTransfer {
        try CurlTransfer(
            request: request,
            configuration: configuration,
            loop: loop,
            cache: cache,
            traceLogger: configuration.debugTrace && logger.logLevel <= .trace ? logger : nil
        )
    }
}

/// The consumer's side of a streamed body. Dropping the last reference (the stream was
/// abandoned) aborts the transfer.
final class CurlBodyReader: Sendable {
    private let transfer: CurlTransfer

    init(transfer: CurlTransfer) {
        self.transfer = transfer
    }

    deinit {
        transfer.cancel()
    }

    func next() async throws -> [UInt8]? {
        let transfer = self.transfer
        // A chunk that is already queued (the loop read several at once, or the consumer
        // lagged) is taken without a continuation or a cancellation handler; a cancelled task
        // takes the waiting path, which reports the cancellation.
        if !Task.isCancelled, let read = transfer.withState({ $0.takeImmediateRead() }) {
            switch read {
            case .chunk(let chunk, let unpause):
                if unpause { transfer.run(.unpause) }
                return chunk
            case .end:
                return nil
            }
        }
        return try await withTaskCancellationHandler {
            try await withTransferContinuation { continuation in
                transfer.run(transfer.withState { $0.nextChunk(continuation) })
            }
        } onCancel: {
            transfer.cancel()
        }
    }

    func cancel() {
        transfer.cancel()
    }
}
