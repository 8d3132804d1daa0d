import CCurl
import Dispatch
import Foundation
import Logging
import Synchronization

/// libcurl's multi handle, driven on a serial dispatch queue while transfers are in flight.
///
/// The loop runs `curl_multi_poll` → drain submissions → `curl_multi_perform` →
/// `curl_multi_info_read` as one dispatch work item that returns once nothing is queued or
/// attached, and is scheduled again by the next submission. No thread is dedicated to it: the
/// serial queue runs on libdispatch's overcommit pool, whose idle worker (the one that serves
/// the main queue) already exists in an async executable, and an idle client holds no thread at
/// all. Other threads never touch a `CURL*`/`CURLM*`: they append work to the shared queue (a
/// `Mutex`) and call `curl_multi_wakeup`, the one libcurl call that is safe from any thread.
/// The same mutex guards whether the loop is scheduled, the stats snapshot and the shutdown flag.
final class CurlEventLoop: @unchecked Sendable {
    // @unchecked Sendable: `multi`, `active`, `spareQueue`, `easyPool` and `loopStats` are confined
    // to the loop (one work item at a time on a serial queue, so each run happens after the last;
    // `multi` is also used by `curl_multi_wakeup`, which libcurl makes thread-safe); `shared` is a
    // `Mutex`; waiting for the loop to stop uses `stoppedCondition` around `shared.isRunning`.

    /// Work handed to the loop thread.
    enum Command {
        case add(CurlTransfer)
        case remove(CurlTransfer)
        case unpause(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    private let configuration: CurlTransport.Configuration
    private let traceEnabled: Bool
    /// What caller threads and the loop share.
    private struct Shared {
        var queue: [Command] = []
        var isShutDown = false
        /// A loop work item is scheduled or running; false once it returned for lack of work.
        var isRunning = false
        var published = CurlTransport.Stats()
    }

    private let shared = Mutex(Shared())
    /// A condition variable rather than a `Mutex`: `shutdown()` must sleep until the loop stops.
    private let stoppedCondition = NSCondition()
    /// Serial, so at most one loop work item runs; a queue created this way targets the
    /// overcommit pool, where blocking in `curl_multi_poll` is allowed.
    private let dispatchQueue = DispatchQueue(label: "claude-router.curl")
    /// Marks code running on `dispatchQueue` (shutdown from the loop itself must not wait).
    private static let onLoopKey = DispatchSpecificKey<Bool>()
    private var spareQueue: [Command] = []
    private var loopStats = CurlTransport.Stats()
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    /// Reset easy handles kept for the next transfers (`curl_easy_reset` keeps the connection
    /// and DNS caches); allocating and freeing one per request showed in profiles.
    private var easyPool: [UnsafeMutableRawPointer] = []
    private static let easyPoolLimit = 64

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
        dispatchQueue.setSpecific(key: Self.onLoopKey, value: true)
    }

    deinit {
        for easy in easyPool { curl_easy_cleanup(easy) }
        curl_multi_cleanup(multi)
    }

    /// Hands work to the loop. Returns false (and does nothing) once the loop shut down.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        enum Next { case schedule, wake, nothing }
        let next: Next? = shared.withLock { shared in
            if shared.isShutDown { return nil }
            let wasEmpty = shared.queue.isEmpty
            shared.queue.append(command)
            if !shared.isRunning {
                shared.isRunning = true
                return .schedule
            }
            // A non-empty queue already has a wakeup pending that the loop has not consumed.
            return wasEmpty ? .wake : .nothing
        }
        switch next {
        case nil: return false
        case .schedule?: dispatchQueue.async { self.run() }
        case .wake?: curl_multi_wakeup(multi)
        case .nothing?: break
        }
        return true
    }

    /// A snapshot of the counters, as of the end of the loop's last iteration.
    var stats: CurlTransport.Stats {
        shared.withLock { $0.published }
    }

    /// Stops the loop, fails in-flight transfers and waits for the loop to return (unless
    /// called from the loop itself). Idempotent.
    func shutdown() {
        let running = shared.withLock { shared in
            shared.isShutDown = true
            return shared.isRunning
        }
        guard running else { return }
        curl_multi_wakeup(multi)
        guard DispatchQueue.getSpecific(key: Self.onLoopKey) == nil else { return }
        stoppedCondition.lock()
        while shared.withLock({ $0.isRunning }) { stoppedCondition.wait() }
        stoppedCondition.unlock()
    }

    // MARK: Loop (on `dispatchQueue`)

    private func run() {
        while true {
            enum Step { case work, stop, idle }
            let step = shared.withLock { shared -> Step in
                swap(&shared.queue, &spareQueue)
                if shared.isShutDown { return .stop }
                // Nothing queued or attached: return the thread; the next submission reschedules.
                // Decided under the lock, so a submission either lands in this swap or sees
                // `isRunning == false`.
                if spareQueue.isEmpty, active.isEmpty {
                    shared.isRunning = false
                    shared.published = loopStats
                    return .idle
                }
                return .work
            }
            if step == .idle {
                signalStopped()
                return
            }
            let stopping = step == .stop
            for command in spareQueue { handle(command, stopping: stopping) }
            spareQueue.removeAll(keepingCapacity: true)
            if stopping { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            publishStats()
            // Nothing attached: back to the top, which returns the thread unless work arrived.
            if active.isEmpty { continue }
            // libcurl shortens the wait to its own next timeout; wakeups interrupt it.
            _ = curl_multi_poll(multi, nil, 0, 10_000, nil)
        }
        for transfer in active.values {
            detach(transfer, cancelled: true)
            transfer.fail(TransportError(kind: .cancelled, detail: "transport shut down"))
        }
        active.removeAll()
        for easy in easyPool { curl_easy_cleanup(easy) }
        easyPool.removeAll()
        shared.withLock { shared in
            shared.published = loopStats
            shared.isRunning = false
        }
        signalStopped()
    }

    private func signalStopped() {
        stoppedCondition.lock()
        stoppedCondition.broadcast()
        stoppedCondition.unlock()
    }

    /// An easy handle from the pool (already reset), or a new one.
    func takeEasyHandle() -> UnsafeMutableRawPointer? {
        easyPool.popLast() ?? curl_easy_init()
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
            if let error = transfer.makeEasyHandle(takeEasyHandle(), debugCallback: traceEnabled) {
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
            recycle(transfer.detachEasyHandle())
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

    /// Resets a finished transfer's handle into the pool (or frees it when the pool is full).
    private func recycle(_ easy: UnsafeMutableRawPointer?) {
        guard let easy else { return }
        if easyPool.count < Self.easyPoolLimit {
            curl_easy_reset(easy)
            easyPool.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
        loopStats.pooledEasyHandles = easyPool.count
    }

    private func publishStats() {
        shared.withLock { $0.published = loopStats }
    }
}
