import CCurl
import Foundation
import Logging
import Synchronization

/// libcurl's multi handle driven by one dedicated thread.
///
/// The thread loops over `curl_multi_poll` → drain submissions → `curl_multi_perform` →
/// `curl_multi_info_read`. Other threads never touch a `CURL*`/`CURLM*`: they append work to
/// the shared queue (a `Mutex`) and call `curl_multi_wakeup`, the one libcurl call that is safe
/// from any thread. The same mutex guards the published stats snapshot and the shutdown flag.
final class CurlEventLoop: @unchecked Sendable {
    // @unchecked Sendable: `multi`, `active`, `spareQueue` and `loopStats` are confined to the
    // loop thread (`multi` is also used by `curl_multi_wakeup`, which libcurl makes thread-safe);
    // `shared` is a `Mutex`; `exited` is guarded by `exitedCondition`; `thread` is set once in
    // `start()` before any other thread can see the loop.

    /// Work handed to the loop thread.
    enum Command {
        case add(CurlTransfer)
        case remove(CurlTransfer)
        case unpause(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    private let configuration: CurlTransport.Configuration
    private let traceEnabled: Bool
    /// What caller threads and the loop thread share.
    private struct Shared {
        var queue: [Command] = []
        var isShutDown = false
        var published = CurlTransport.Stats()
    }

    private let shared = Mutex(Shared())
    /// A condition variable rather than a `Mutex`: `shutdown()` must sleep until the thread exits.
    private let exitedCondition = NSCondition()
    private var spareQueue: [Command] = []
    private var exited = false
    private var loopStats = CurlTransport.Stats()
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var thread: Thread?

    /// libcurl's `curl_global_init` is not thread-safe and must run once per process.
    private static let globalInit: CURLcode = cr_global_init_all()

    init(configuration: CurlTransport.Configuration, traceEnabled: Bool) {
        _ = Self.globalInit
        // curl_multi_init only fails on allocation failure, where nothing else could proceed either.
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        self.configuration = configuration
        self.traceEnabled = traceEnabled
        _ = cr_multi_setopt_long(multi, CURLMOPT_PIPELINING, cr_pipe_multiplex())
        _ = cr_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, configuration.maxConnectionsPerHost))
        _ = cr_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxCachedConnections))
    }

    /// Starts the loop thread. Separate from `init` so `self` is fully initialised first.
    func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "claude-router.curl"
        self.thread = thread
        thread.start()
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// Hands work to the loop. Returns false (and does nothing) once the loop shut down.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        let wasEmpty: Bool? = shared.withLock { shared in
            if shared.isShutDown { return nil }
            let wasEmpty = shared.queue.isEmpty
            shared.queue.append(command)
            return wasEmpty
        }
        guard let wasEmpty else { return false }
        // A non-empty queue already has a wakeup pending that the loop has not consumed.
        if wasEmpty { curl_multi_wakeup(multi) }
        return true
    }

    /// A snapshot of the counters, as of the end of the loop's last iteration.
    var stats: CurlTransport.Stats {
        shared.withLock { $0.published }
    }

    /// Stops the loop, fails in-flight transfers and waits for the thread to exit (unless
    /// called from the loop thread itself). Idempotent.
    func shutdown() {
        let first = shared.withLock { shared in
            defer { shared.isShutDown = true }
            return !shared.isShutDown
        }
        if first { curl_multi_wakeup(multi) }
        guard Thread.current !== thread, thread != nil else { return }
        exitedCondition.lock()
        while !exited { exitedCondition.wait() }
        exitedCondition.unlock()
    }

    // MARK: Loop thread

    private func run() {
        while true {
            let stopping = shared.withLock { shared in
                swap(&shared.queue, &spareQueue)
                return shared.isShutDown
            }
            for command in spareQueue { handle(command, stopping: stopping) }
            spareQueue.removeAll(keepingCapacity: true)
            if stopping { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            publishStats()
            // libcurl shortens the wait to its own next timeout; wakeups interrupt it.
            _ = curl_multi_poll(multi, nil, 0, 10_000, nil)
        }
        for transfer in active.values {
            detach(transfer, cancelled: true)
            transfer.fail(TransportError(kind: .cancelled, detail: "transport shut down"))
        }
        active.removeAll()
        publishStats()
        exitedCondition.lock()
        exited = true
        exitedCondition.broadcast()
        exitedCondition.unlock()
    }

    private func handle(_ command: Command, stopping: Bool) {
        switch command {
        case .add(let transfer):
            if stopping {
                transfer.fail(TransportError(kind: .cancelled, detail: "transport shut down"))
                return
            }
            // Cancelled while queued: never touches the network.
            if transfer.withState({ $0.failure }) != nil { return }
            if let error = transfer.makeEasyHandle(debugCallback: traceEnabled) {
                transfer.releaseEasyHandle()
                transfer.fail(error)
                return
            }
            loopStats.liveEasyHandles += 1
            guard let easy = transfer.easy, curl_multi_add_handle(multi, easy) == CURLM_OK else {
                transfer.releaseEasyHandle()
                loopStats.liveEasyHandles -= 1
                transfer.fail(TransportError(kind: .other, detail: "libcurl refused to start the transfer"))
                return
            }
            active[ObjectIdentifier(transfer)] = transfer
            loopStats.transfersStarted += 1
            loopStats.activeTransfers = active.count
            loopStats.maxConcurrentTransfers = max(loopStats.maxConcurrentTransfers, active.count)
        case .remove(let transfer):
            guard active.removeValue(forKey: ObjectIdentifier(transfer)) != nil else { return }
            detach(transfer, cancelled: true)
        case .unpause(let transfer):
            guard active[ObjectIdentifier(transfer)] != nil, let easy = transfer.easy else { return }
            // May call the write callback synchronously with the data libcurl held back.
            _ = curl_easy_pause(easy, cr_pause_cont())
        }
    }

    private func collectFinished() {
        var easy: UnsafeMutableRawPointer?
        var code = CURLE_OK
        while cr_multi_next_done(multi, &easy, &code) != 0 {
            var privatePointer: UnsafeMutableRawPointer?
            guard let finished = easy, cr_easy_getinfo_pointer(finished, CURLINFO_PRIVATE, &privatePointer) == CURLE_OK,
                let privatePointer
            else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(privatePointer).takeUnretainedValue()
            guard active.removeValue(forKey: ObjectIdentifier(transfer)) != nil else { continue }
            detach(transfer, cancelled: false)
            transfer.complete(code: code)
        }
    }

    /// Removes the handle from the multi, folds its counters into the stats and frees it.
    private func detach(_ transfer: CurlTransfer, cancelled: Bool) {
        if let easy = transfer.easy {
            var connects = 0
            if cr_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK {
                loopStats.connectionsOpened += connects
            }
            _ = curl_multi_remove_handle(multi, easy)
            transfer.releaseEasyHandle()
            loopStats.liveEasyHandles -= 1
        }
        // A transfer the caller cancelled may still reach libcurl's "done" (its write callback
        // aborted) before the loop processed the removal; count it as cancelled either way.
        let wasCancelled = transfer.withState { state -> Bool in
            loopStats.streamPauses += state.pauses
            loopStats.peakStreamBufferedBytes = max(loopStats.peakStreamBufferedBytes, state.peakBufferedBytes)
            loopStats.largestBodyChunk = max(loopStats.largestBodyChunk, state.largestChunk)
            return state.failure?.kind == .cancelled
        }
        if cancelled || wasCancelled { loopStats.transfersCancelled += 1 } else { loopStats.transfersCompleted += 1 }
        loopStats.activeTransfers = active.count
    }

    private func publishStats() {
        shared.withLock { $0.published = loopStats }
    }
}
