import Foundation

/// The life of one transfer as ONE state value, mutated under the transfer's lock.
///
/// Every transition returns the action to run *after* unlocking, so continuations are never
/// resumed and the loop is never called while the lock is held, and callers only execute
/// actions (the async-http-client `Transaction+StateMachine` habit). Each state carries exactly
/// what it needs: a waiting consumer and a queued chunk, or a paused transfer with a waiting
/// consumer, cannot be expressed.
struct CurlTransferStateMachine {
    typealias HeadContinuation = TransferContinuation<HTTPResponseHead>
    typealias CompletionContinuation = TransferContinuation<(HTTPResponseHead, Data)>
    typealias ChunkContinuation = TransferContinuation<[UInt8]?>

    /// What the caller must do once the lock is released.
    enum Action {
        case none
        /// Hand the transfer to the loop (fail it with "shut down" if the loop refuses).
        case submit
        case resumeHead(HeadContinuation, HTTPResponseHead)
        case resumeCompletion(CompletionContinuation, HTTPResponseHead, Data)
        /// Deliver a chunk (`nil`: end of body); `unpause` asks the loop to resume the transfer
        /// because the consumer drained below the low-water mark.
        case resumeChunk(ChunkContinuation, [UInt8]?, unpause: Bool)
        case fail(Waiter, TransportError)
        /// Ask the loop to unpause the transfer: a consumer waits and nothing is queued, or the
        /// reader's fast path (``takeImmediateRead()``) drained the queue below the low-water mark.
        case unpause
        /// Ask the loop to remove and free the transfer, then fail the waiter if any.
        case remove(Waiter?, TransportError)
    }

    /// A suspended caller: `execute` (whole response), `stream` (head) or a body read (chunk).
    enum Waiter {
        case head(HeadContinuation)
        case completion(CompletionContinuation)
        case chunk(ChunkContinuation)

        func fail(_ error: TransportError) {
            switch self {
            case .head(let continuation): continuation.resume(throwing: error)
            case .completion(let continuation): continuation.resume(throwing: error)
            case .chunk(let continuation): continuation.resume(throwing: error)
            }
        }
    }

    /// What the write callback tells libcurl.
    enum WriteDecision {
        case accepted
        /// Give the bytes to this waiting consumer (copied once, outside the lock).
        case handOff(ChunkContinuation)
        case pause
        case abort
    }

    /// Streamed chunks not yet taken by the consumer, oldest first, and whether the write
    /// callback paused libcurl because they passed the high-water mark.
    struct ChunkQueue {
        private var chunks: [[UInt8]] = []
        private var index = 0
        private(set) var bytes = 0
        var paused = false

        var isEmpty: Bool { index == chunks.count }

        mutating func append(_ chunk: [UInt8]) {
            chunks.append(chunk)
            bytes += chunk.count
        }

        mutating func popFirst() -> [UInt8]? {
            guard index < chunks.count else { return nil }
            let chunk = chunks[index]
            index += 1
            bytes -= chunk.count
            if index == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                index = 0
            }
            return chunk
        }
    }

    private enum State {
        /// Created; the loop does not know the transfer yet and nobody waits.
        case initialized
        /// `execute` on the loop: the body accumulates until libcurl finishes.
        case buffering(head: HTTPResponseHead?, body: Data, waiter: CompletionContinuation)
        /// `stream` on the loop before the head is complete. Bytes that arrive first (a head
        /// that never got its closing blank line) are queued.
        case awaitingHead(HeadContinuation, early: ChunkQueue)
        /// The head was delivered and no read waits: chunks queue for the consumer, and past
        /// the high-water mark the transfer pauses.
        case streaming(ChunkQueue)
        /// A read waits for the next chunk; nothing is queued and the transfer runs.
        case readPending(ChunkContinuation)
        /// libcurl finished a stream: the consumer drains the queue, then reads the end
        /// (`nil`) or libcurl's error.
        case streamEnded(ChunkQueue, TransportError?)
        /// The buffered response was delivered.
        case delivered
        /// Cancelled, failed before a stream began, or shut down. Terminal.
        case failed(TransportError)
        /// Placeholder while a payload is mutated in place, so that a buffer is uniquely
        /// referenced and appended to without a copy.
        case modifying
    }

    let highWaterMark: Int
    let lowWaterMark: Int
    private var state = State.initialized
    /// The emptied queue of the last read that found nothing queued, kept for its array's
    /// capacity: the chunks after the next hand-off queue into it instead of into an array that
    /// grows again from nothing on every read of a stream.
    private var spareQueue = ChunkQueue()

    /// Counters folded into the transport's stats when the loop detaches the transfer.
    private(set) var pauses = 0
    private(set) var peakBufferedBytes = 0
    private(set) var largestChunk = 0

    init(highWaterMark: Int, lowWaterMark: Int) {
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
    }

    /// The error the transfer ended with (cancellation included), or nil while it runs or
    /// after it succeeded.
    var failure: TransportError? {
        switch state {
        case .failed(let error): error
        case .streamEnded(_, let error): error
        default: nil
        }
    }

    // MARK: Caller threads

    /// `execute` (waiting for the whole response) or `stream` (waiting for the head) starts the
    /// transfer: it goes to the loop (`.submit`) unless it was cancelled already.
    mutating func start(_ waiter: Waiter) -> Action {
        switch (state, waiter) {
        case (.initialized, .completion(let continuation)):
            state = .buffering(head: nil, body: Data(), waiter: continuation)
            return .submit
        case (.initialized, .head(let continuation)):
            state = .awaitingHead(continuation, early: ChunkQueue())
            return .submit
        case (.failed(let error), _):
            return .fail(waiter, error)
        default:
            return .fail(waiter, Self.misuse("the transfer was started twice, or by a body read"))
        }
    }

    /// The consumer asks for the next streamed chunk.
    mutating func nextChunk(_ continuation: ChunkContinuation) -> Action {
        // What needs no waiting (a queued chunk, the clean end) is decided in one place for
        // this path and the reader's fast path.
        switch takeImmediateRead() {
        case .chunk(let chunk, let unpause): return .resumeChunk(continuation, chunk, unpause: unpause)
        case .end: return .resumeChunk(continuation, nil, unpause: false)
        case nil: break
        }
        switch state {
        case .streaming(var queue):
            // Nothing queued but libcurl is paused: resume it or the read would wait forever.
            let paused = queue.paused
            queue.paused = false
            spareQueue = queue
            state = .readPending(continuation)
            return paused ? .unpause : .none
        case .streamEnded(_, let error):
            // Nothing queued and the body broke (a clean end was taken above).
            return .fail(.chunk(continuation), error ?? Self.misuse("a clean end was not delivered"))
        case .failed(let error):
            return .fail(.chunk(continuation), error)
        case .readPending:
            return .fail(.chunk(continuation), Self.misuse("a body read is already pending"))
        case .initialized, .buffering, .awaitingHead, .delivered, .modifying:
            return .fail(.chunk(continuation), Self.misuse("the body was read before the response head"))
        }
    }

    /// A body read that needs no waiting: the oldest queued chunk (`unpause` as in
    /// ``Action/resumeChunk(_:_:unpause:)``), or the clean end of a body with nothing queued.
    enum ImmediateRead {
        case chunk([UInt8], unpause: Bool)
        case end
    }

    /// What a read gets at once, without a continuation: the reader's fast path and the first
    /// step of ``nextChunk(_:)``. Nil when the read must wait, or when it fails (the caller then
    /// takes the waiting path, which reports the error and its kind).
    mutating func takeImmediateRead() -> ImmediateRead? {
        switch state {
        case .streaming(var queue):
            guard !queue.isEmpty else { return nil }
            state = .modifying
            // `isEmpty` was false: a chunk is there.
            let chunk = queue.popFirst() ?? []
            let unpause = queue.paused && queue.bytes <= lowWaterMark
            if unpause { queue.paused = false }
            state = .streaming(queue)
            return .chunk(chunk, unpause: unpause)
        case .streamEnded(var queue, let error):
            if queue.isEmpty { return error == nil ? .end : nil }
            state = .modifying
            let chunk = queue.popFirst() ?? []
            state = .streamEnded(queue, error)
            return .chunk(chunk, unpause: false)
        case .initialized, .buffering, .awaitingHead, .delivered, .readPending, .failed, .modifying:
            return nil
        }
    }

    /// The caller cancelled (task cancellation, `body.cancel()`, dropped stream) or the
    /// transport shut down. Queued chunks are dropped; later reads report the cancellation
    /// (or the error the transfer already ended with) instead of a short body.
    mutating func cancel(_ error: TransportError) -> Action {
        switch state {
        case .initialized, .delivered:
            state = .failed(error)
            return .none
        case .buffering(_, _, let continuation):
            state = .failed(error)
            return .remove(.completion(continuation), error)
        case .awaitingHead(let continuation, _):
            state = .failed(error)
            return .remove(.head(continuation), error)
        case .readPending(let continuation):
            state = .failed(error)
            return .remove(.chunk(continuation), error)
        case .streaming:
            state = .failed(error)
            return .remove(nil, error)
        case .streamEnded(_, let ended):
            state = .failed(ended ?? error)
            return .none
        case .failed, .modifying:
            return .none
        }
    }

    // MARK: libcurl callbacks (loop thread)

    /// The header block of the final response is complete.
    mutating func headReceived(_ head: HTTPResponseHead) -> Action {
        switch state {
        case .buffering(nil, var body, let continuation):
            state = .modifying
            if let length = head.value("content-length").flatMap(Int.init), length > 0, length <= 64 << 20 {
                body.reserveCapacity(length)
            }
            state = .buffering(head: head, body: body, waiter: continuation)
            return .none
        case .awaitingHead(let continuation, let early):
            state = .streaming(early)
            return .resumeHead(continuation, head)
        default:
            // A second head, or a transfer that already ended: nothing waits for it.
            return .none
        }
    }

    /// A piece of body arrived. A paused or handed-off write copies nothing here; only a
    /// chunk that is kept for a lagging consumer is copied (into a `[UInt8]`).
    mutating func bodyReceived(_ bytes: UnsafeRawBufferPointer) -> WriteDecision {
        switch state {
        case .buffering(let head, var body, let continuation):
            largestChunk = max(largestChunk, bytes.count)
            state = .modifying
            body.append(contentsOf: bytes)
            state = .buffering(head: head, body: body, waiter: continuation)
            return .accepted
        case .readPending(let continuation):
            largestChunk = max(largestChunk, bytes.count)
            state = .streaming(spareQueue)
            spareQueue = ChunkQueue()
            return .handOff(continuation)
        case .streaming(var queue):
            largestChunk = max(largestChunk, bytes.count)
            state = .modifying
            let decision = enqueue(bytes, into: &queue)
            state = .streaming(queue)
            return decision
        case .awaitingHead(let continuation, var early):
            largestChunk = max(largestChunk, bytes.count)
            state = .modifying
            let decision = enqueue(bytes, into: &early)
            state = .awaitingHead(continuation, early: early)
            return decision
        case .initialized, .streamEnded, .delivered, .failed, .modifying:
            return .abort
        }
    }

    /// libcurl finished the transfer (the loop already removed and freed the handle), or the
    /// loop failed it without libcurl (setup failure, shutdown). `parsedHead` is the head as far
    /// as it was parsed, for a response that ended without the head's closing blank line.
    mutating func finished(_ result: Result<HTTPResponseHead?, TransportError>) -> Action {
        switch (state, result) {
        case (.buffering(let head, let body, let continuation), .success(let parsedHead)):
            state = .delivered
            return .resumeCompletion(continuation, head ?? parsedHead ?? .init(status: 0, headers: []), body)
        case (.buffering(_, _, let continuation), .failure(let error)):
            state = .failed(error)
            return .fail(.completion(continuation), error)
        case (.awaitingHead(let continuation, let early), .success(let parsedHead?)):
            state = .streamEnded(early, nil)
            return .resumeHead(continuation, parsedHead)
        case (.awaitingHead(let continuation, _), .success(nil)):
            let error = TransportError(kind: .other, detail: "transfer ended without a response head")
            state = .failed(error)
            return .fail(.head(continuation), error)
        case (.awaitingHead(let continuation, _), .failure(let error)):
            state = .failed(error)
            return .fail(.head(continuation), error)
        case (.streaming(var queue), _):
            queue.paused = false
            state = .streamEnded(queue, result.failure)
            return .none
        case (.readPending(let continuation), .success):
            state = .streamEnded(ChunkQueue(), nil)
            return .resumeChunk(continuation, nil, unpause: false)
        case (.readPending(let continuation), .failure(let error)):
            state = .failed(error)
            return .fail(.chunk(continuation), error)
        case (.initialized, .failure(let error)):
            state = .failed(error)
            return .none
        case (.initialized, .success), (.streamEnded, _), (.delivered, _), (.failed, _), (.modifying, _):
            return .none
        }
    }

    /// Queues a streamed write, or pauses libcurl once the consumer lags by the high-water mark.
    private mutating func enqueue(_ bytes: UnsafeRawBufferPointer, into queue: inout ChunkQueue) -> WriteDecision {
        if queue.bytes >= highWaterMark {
            queue.paused = true
            pauses += 1
            return .pause
        }
        queue.append([UInt8](bytes))
        peakBufferedBytes = max(peakBufferedBytes, queue.bytes)
        return .accepted
    }

    private static func misuse(_ detail: String) -> TransportError {
        TransportError(kind: .other, detail: detail)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

#if DEBUG
    /// A waiter for a transfer's head, body or next chunk. Debug builds (the tests) check that
    /// each is resumed exactly once; release builds use the unchecked kind, which allocates
    /// nothing (a checked one cost an allocation per call and per streamed chunk). The state
    /// machine is what guarantees the single resume.
    typealias TransferContinuation<Value> = CheckedContinuation<Value, any Error>

    /// Suspends until the continuation handed to `body` is resumed.
    @inline(__always)
    func withTransferContinuation<Value>(_ body: (TransferContinuation<Value>) -> Void) async throws -> Value {
        try await withCheckedThrowingContinuation(body)
    }
#else
    /// A waiter for a transfer's head, body or next chunk. Debug builds (the tests) check that
    /// each is resumed exactly once; release builds use the unchecked kind, which allocates
    /// nothing (a checked one cost an allocation per call and per streamed chunk). The state
    /// machine is what guarantees the single resume.
    typealias TransferContinuation<Value> = UnsafeContinuation<Value, any Error>

    /// Suspends until the continuation handed to `body` is resumed.
    @inline(__always)
    func withTransferContinuation<Value>(_ body: (TransferContinuation<Value>) -> Void) async throws -> Value {
        try await withUnsafeThrowingContinuation(body)
    }
#endif
