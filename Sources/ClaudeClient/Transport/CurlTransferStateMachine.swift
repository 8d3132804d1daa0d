import Foundation

/// The life of one transfer as seen by its waiters, as a plain value mutated under the
/// transfer's lock. Every method returns the action to run *after* unlocking, so
/// continuations are never resumed and the loop is never called while the lock is held
/// (the async-http-client `Transaction+StateMachine` habit).
struct CurlTransferStateMachine {
    enum Mode { case buffered, streaming }

    typealias HeadContinuation = CheckedContinuation<HTTPResponseHead, any Error>
    typealias CompletionContinuation = CheckedContinuation<(HTTPResponseHead, Data), any Error>
    typealias ChunkContinuation = CheckedContinuation<Data?, any Error>

    /// What the caller must do once the lock is released.
    enum Action {
        case none
        case resumeHead(HeadContinuation, HTTPResponseHead)
        case resumeCompletion(CompletionContinuation, HTTPResponseHead, Data)
        case resumeChunk(ChunkContinuation, Data?)
        case fail(Waiter, TransportError)
        /// Ask the loop to unpause the transfer (the consumer drained below the low-water mark).
        case unpause
        /// Ask the loop to remove and free the transfer, then fail the waiter if any.
        case remove(Waiter?, TransportError)
    }

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
        case handOff(ChunkContinuation)
        case pause
        case abort
    }

    let mode: Mode
    let highWaterMark: Int
    let lowWaterMark: Int

    private(set) var head: HTTPResponseHead?
    private var waiter: Waiter?
    /// Streamed chunks not yet taken by the consumer, oldest first.
    private var chunks: [Data] = []
    private var chunkIndex = 0
    /// The whole body in buffered mode.
    private var body = Data()
    private(set) var bufferedBytes = 0
    private(set) var peakBufferedBytes = 0
    private(set) var largestChunk = 0
    private(set) var pauses = 0
    /// The write callback returned `CURL_WRITEFUNC_PAUSE` and no unpause was requested yet.
    private var paused = false
    /// Set once libcurl finished, the transfer was cancelled or the transport shut down.
    private(set) var outcome: Result<Void, TransportError>?
    /// The transfer was handed to the loop (so a cancel must ask the loop to remove it).
    var submitted = false

    init(mode: Mode, highWaterMark: Int, lowWaterMark: Int) {
        self.mode = mode
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
    }

    // MARK: Waiters (caller threads)

    /// Installs the waiter for `stream`'s head; resumes at once if the head or an error came first.
    mutating func waitForHead(_ continuation: HeadContinuation) -> Action {
        if let head { return .resumeHead(continuation, head) }
        if case .failure(let error) = outcome { return .fail(.head(continuation), error) }
        waiter = .head(continuation)
        return .none
    }

    /// Installs the waiter for `execute`'s whole response.
    mutating func waitForCompletion(_ continuation: CompletionContinuation) -> Action {
        switch outcome {
        case .failure(let error): return .fail(.completion(continuation), error)
        case .success: return .resumeCompletion(continuation, head ?? .init(status: 0, headers: []), takeBody())
        case nil:
            waiter = .completion(continuation)
            return .none
        }
    }

    /// The consumer asks for the next chunk.
    mutating func nextChunk(_ continuation: ChunkContinuation) -> (Action, Action) {
        if chunkIndex < chunks.count {
            let chunk = chunks[chunkIndex]
            chunkIndex += 1
            bufferedBytes -= chunk.count
            if chunkIndex == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                chunkIndex = 0
            }
            var follow = Action.none
            if paused && bufferedBytes <= lowWaterMark && outcome == nil {
                paused = false
                follow = .unpause
            }
            return (.resumeChunk(continuation, chunk), follow)
        }
        switch outcome {
        case .success: return (.resumeChunk(continuation, nil), .none)
        case .failure(let error): return (.fail(.chunk(continuation), error), .none)
        case nil:
            waiter = .chunk(continuation)
            if paused {
                // Nothing buffered but libcurl is paused: resume it or we would wait forever.
                paused = false
                return (.none, .unpause)
            }
            return (.none, .none)
        }
    }

    // MARK: libcurl callbacks (loop thread)

    /// The header block of the final response is complete.
    mutating func headReceived(_ received: HTTPResponseHead) -> Action {
        guard head == nil, outcome == nil else { return .none }
        head = received
        if mode == .buffered, let length = received.value("content-length").flatMap(Int.init),
            length > 0, length <= 64 << 20
        {
            body.reserveCapacity(length)
        }
        if case .head(let continuation) = waiter {
            waiter = nil
            return .resumeHead(continuation, received)
        }
        return .none
    }

    /// A piece of body arrived. A paused or handed-off write copies nothing here; only a
    /// chunk that is kept for a lagging consumer is copied into a `Data`.
    mutating func bodyReceived(_ bytes: UnsafeRawBufferPointer) -> WriteDecision {
        guard outcome == nil else { return .abort }
        largestChunk = max(largestChunk, bytes.count)
        switch mode {
        case .buffered:
            body.append(contentsOf: bytes)
            return .accepted
        case .streaming:
            if case .chunk(let continuation) = waiter {
                waiter = nil
                return .handOff(continuation)
            }
            if bufferedBytes >= highWaterMark {
                paused = true
                pauses += 1
                return .pause
            }
            chunks.append(bytes.baseAddress.map { Data(bytes: $0, count: bytes.count) } ?? Data())
            bufferedBytes += bytes.count
            peakBufferedBytes = max(peakBufferedBytes, bufferedBytes)
            return .accepted
        }
    }

    /// libcurl finished the transfer (the loop already removed and freed the handle).
    mutating func finished(_ result: Result<HTTPResponseHead?, TransportError>) -> Action {
        guard outcome == nil else { return .none }
        switch result {
        case .success(let parsedHead):
            if head == nil, let parsedHead { _ = headReceived(parsedHead) }
            outcome = .success(())
        case .failure(let error):
            outcome = .failure(error)
            body = Data()
        }
        paused = false
        guard let current = waiter else { return .none }
        waiter = nil
        switch (current, outcome) {
        case (.head(let continuation), .success):
            if let head { return .resumeHead(continuation, head) }
            return .fail(.head(continuation), TransportError(kind: .other, detail: "transfer ended without a response head"))
        case (.completion(let continuation), .success):
            return .resumeCompletion(continuation, head ?? .init(status: 0, headers: []), takeBody())
        case (.chunk(let continuation), .success):
            return .resumeChunk(continuation, nil)
        case (_, .failure(let error)):
            return .fail(current, error)
        case (_, nil):
            return .none
        }
    }

    /// The caller cancelled (task cancellation, `body.cancel()`, dropped stream) or the
    /// transport shut down. Buffered chunks are dropped.
    mutating func cancel(_ error: TransportError) -> Action {
        chunks.removeAll()
        chunkIndex = 0
        bufferedBytes = 0
        body = Data()
        guard outcome == nil else {
            // Finished already: later reads report the cancellation instead of a short body.
            if case .success = outcome { outcome = .failure(error) }
            return .none
        }
        outcome = .failure(error)
        let current = waiter
        waiter = nil
        if submitted { return .remove(current, error) }
        if let current { return .fail(current, error) }
        return .none
    }

    private mutating func takeBody() -> Data {
        let taken = body
        body = Data()
        return taken
    }
}
