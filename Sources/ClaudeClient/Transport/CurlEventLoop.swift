import CCurl
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import Foundation
import Logging
import Synchronization

/// libcurl's multi handle and the one place that waits for the network, in one of two modes
/// (``CurlTransport/Configuration/eventLoop``).
///
/// **Dedicated** (the default): `curl_multi_poll` → drain submissions → `curl_multi_perform` →
/// `curl_multi_info_read` run as one dispatch work item that returns once nothing is queued or
/// attached, and is scheduled again by the next submission (the perform is skipped after a round
/// that only ran task jobs and changed no handle). It blocks in `curl_multi_poll`, so
/// its serial queue runs on libdispatch's overcommit pool: a thread of its own while transfers
/// are in flight, none while the client is idle. Other threads append work to the shared queue
/// (a `Mutex`) and call `curl_multi_wakeup`, the one libcurl call that is safe from any thread.
///
/// **Shared** (CurlEventLoop+Shared.swift): libcurl's multi_socket API on dispatch sources; no
/// thread blocks, and handlers run on the worker threads Swift's default executor uses.
///
/// In both, other threads never touch a `CURL*`/`CURLM*`, and the per-transfer work is shared
/// (`handle`, `collectFinished`, `detach`).
final class CurlEventLoop: @unchecked Sendable {
    // @unchecked Sendable: `multi`, `active`, `spareQueue`, `handedOffChunks`, `easyPool`, `loopStats` and the
    // shared mode's state (`readiness`, `readyEvents`, `timeoutDue`, `armedDeadline`,
    // `isTornDown`) are confined to the loop: in the dedicated mode one work item at a time on a
    // serial queue (`multi` is also used by `curl_multi_wakeup`, which libcurl makes
    // thread-safe); in the shared mode every handler and a foreign `shutdown()` hold
    // `handlerLock`; `init`/`deinit` overlap no handler (handlers hold the loop while they run).
    // `shared` is a `Mutex`; waiting for the dedicated loop to stop uses `stoppedCondition`.

    /// Work handed to the loop.
    enum Command {
        case add(CurlTransfer)
        case remove(CurlTransfer)
        case unpause(CurlTransfer)
    }

    let multi: UnsafeMutableRawPointer
    let mode: CurlTransport.EventLoopMode
    private let configuration: CurlTransport.Configuration
    private let traceEnabled: Bool
    /// What caller threads and the loop share.
    struct Shared {
        var queue: [Command] = []
        var isShutDown = false
        /// Dedicated: a loop work item is scheduled or running (false once it returned for lack
        /// of work). Shared: a drain is scheduled and has not taken the commands yet.
        var isRunning = false
        var published = CurlTransport.Stats()
        /// Jobs of tasks that prefer this loop as their task executor (dedicated mode; the
        /// shared mode hands them to the global queue).
        var jobs: [UnownedJob] = []
        /// Dedicated: the thread running the loop's work item, while one runs. Submissions and
        /// jobs from that thread need no wakeup: the loop takes them before it polls again.
        var loopThread: pthread_t?

        /// Whether the calling thread is the one running the dedicated loop.
        func isOnLoopThread() -> Bool {
            guard let loopThread else { return false }
            return pthread_equal(loopThread, pthread_self()) != 0
        }
    }

    let shared = Mutex(Shared())
    /// Dedicated: a condition variable rather than a `Mutex`, since `shutdown()` must sleep
    /// until the loop stops.
    private let stoppedCondition = NSCondition()
    /// Serial. Dedicated: on the overcommit pool, where blocking in `curl_multi_poll` is allowed.
    /// Shared: targets the default global queue, whose workers run Swift's default executor.
    let dispatchQueue: DispatchQueue
    /// Marks code running on this loop's `dispatchQueue` (shutdown from the loop itself must not
    /// wait). One key per loop: another client's loop queue is not this one.
    let onLoopKey = DispatchSpecificKey<Bool>()
    /// Chunks the write callback handed to waiting readers during the current libcurl call,
    /// resumed by `resumeHandedOffChunks()` once it returns (loop only).
    var handedOffChunks: [(CurlTransferStateMachine.ChunkContinuation, [UInt8])] = []
    var spareQueue: [Command] = []
    var spareJobs: [UnownedJob] = []
    var loopStats = CurlTransport.Stats()
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    /// Reset easy handles kept for the next transfers (`curl_easy_reset` keeps the connection
    /// and DNS caches); allocating and freeing one per request showed in profiles.
    var easyPool: [UnsafeMutableRawPointer] = []
    private static let easyPoolLimit = 64

    // Shared mode only.
    /// Held by every shared-mode handler while it runs, and by `shutdown()` from other threads.
    let handlerLock = Mutex(())
    /// The shared mode's socket set (nil in the dedicated mode, which makes no descriptor).
    var readiness: SocketReadiness?
    var readySource: (any DispatchSourceRead)?
    var timer: (any DispatchSourceTimer)?
    /// curl asked for its timeout to run now; done after the current libcurl call returns
    /// (libcurl forbids calling back into the multi handle from its own callbacks).
    var timeoutDue = false
    /// When the dispatch timer is armed to fire (`DispatchTime` nanoseconds); nil once it fired.
    var armedDeadline: UInt64?
    var readyEvents: [SocketReadiness.Event] = []
    /// The shared mode tore down (and cleaned up `multi`).
    var isTornDown = false

    /// libcurl's `curl_global_init` is not thread-safe and must run once per process.
    private static let globalInit: CURLcode = cr_global_init_all()

    init(configuration: CurlTransport.Configuration, traceEnabled: Bool) {
        _ = Self.globalInit
        // curl_multi_init only fails on allocation failure, where nothing else could proceed either.
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        self.mode = configuration.eventLoop
        self.configuration = configuration
        self.traceEnabled = traceEnabled
        switch configuration.eventLoop {
        case .dedicated: dispatchQueue = DispatchQueue(label: "claude-router.curl")
        case .shared: dispatchQueue = DispatchQueue(label: "claude-router.curl", target: .global())
        }
        _ = cr_multi_setopt_long(multi, CURLMOPT_PIPELINING, cr_pipe_multiplex())
        _ = cr_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, configuration.maxConnectionsPerHost))
        _ = cr_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxCachedConnections))
        dispatchQueue.setSpecific(key: onLoopKey, value: true)
        if mode == .shared { startSources() }
    }

    deinit {
        readySource?.cancel()
        timer?.cancel()
        if !isTornDown {
            for easy in easyPool { curl_easy_cleanup(easy) }
            curl_multi_cleanup(multi)
        }
    }

    /// Hands work to the loop. Returns false (and does nothing) once the loop shut down.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        queueWork { $0.queue.append(command) }
    }

    /// Appends work with `add` under the lock and schedules or wakes the loop as needed.
    /// Returns false (and appends nothing) once the loop shut down.
    private func queueWork(_ add: (inout Shared) -> Void) -> Bool {
        let mode = self.mode
        let next: Next? = shared.withLock { shared in
            if shared.isShutDown { return nil }
            let wasEmpty = shared.queue.isEmpty && shared.jobs.isEmpty
            add(&shared)
            return Self.nextStep(&shared, wasEmpty: wasEmpty, mode: mode)
        }
        guard let next else { return false }
        start(next)
        return true
    }

    /// What a submission (command or job) asks of the loop.
    enum Next { case schedule, wake, nothing }

    /// Decided under the lock after appending to a queue that was `wasEmpty` (commands and
    /// jobs both) before.
    private static func nextStep(_ shared: inout Shared, wasEmpty: Bool, mode: CurlTransport.EventLoopMode) -> Next {
        if !shared.isRunning {
            shared.isRunning = true
            return .schedule
        }
        // Dedicated: the loop takes everything queued before it polls, so the loop's own thread
        // never wakes it, and a queue that was not empty already has a wakeup pending (or was
        // filled by the loop's thread, which checks again before polling). Shared: the scheduled
        // drain will take this command too.
        guard mode == .dedicated, wasEmpty, !shared.isOnLoopThread() else { return .nothing }
        return .wake
    }

    private func start(_ next: Next) {
        switch next {
        case .schedule:
            switch mode {
            case .dedicated: dispatchQueue.async { self.run() }
            case .shared: dispatchQueue.async { self.drain() }
            }
        case .wake: curl_multi_wakeup(multi)
        case .nothing: break
        }
    }

    /// A snapshot of the counters, as of the end of the loop's last iteration or handler.
    var stats: CurlTransport.Stats {
        shared.withLock { $0.published }
    }

    /// Stops the loop and fails in-flight and queued transfers. Waits for the loop to stop
    /// (unless called from the loop itself). Idempotent.
    func shutdown() {
        if mode == .shared {
            shutdownShared()
            return
        }
        let running = shared.withLock { shared in
            shared.isShutDown = true
            return shared.isRunning
        }
        guard running else { return }
        curl_multi_wakeup(multi)
        guard DispatchQueue.getSpecific(key: onLoopKey) == nil else { return }
        stoppedCondition.lock()
        while shared.withLock({ $0.isRunning }) { stoppedCondition.wait() }
        stoppedCondition.unlock()
    }

    // MARK: Dedicated loop (on `dispatchQueue`)

    private func run() {
        shared.withLock { $0.loopThread = pthread_self() }
        // Whether libcurl has anything new to act on: the poll returned (readiness, a timeout,
        // a wakeup) or a command changed a handle (add, remove, unpause). A round that only ran
        // jobs and leads straight to the poll — the common case once a stream is flowing: a
        // chunk was handed over and its reader ran — leaves libcurl nothing to do, and another
        // `curl_multi_perform` would only re-check the sockets (a `poll` per transfer) first.
        var performDue = true
        network: while true {
            // What is queued: commands, then jobs, then the commands those jobs queued (a call's
            // request, attached before the network round). Jobs the jobs queue wait for the
            // next round, so tasks that keep re-queueing themselves (`Task.yield()` in a loop)
            // never starve the network.
            while true {
                enum Step { case work, network, stop, idle }
                let step = shared.withLock { shared -> Step in
                    swap(&shared.queue, &spareQueue)
                    swap(&shared.jobs, &spareJobs)
                    if shared.isShutDown { return .stop }
                    guard spareQueue.isEmpty, spareJobs.isEmpty else { return .work }
                    if !active.isEmpty { return .network }
                    // Nothing queued or attached: return the thread; the next submission
                    // reschedules. Decided under the lock, so a submission either lands in this
                    // swap or sees `isRunning == false`.
                    shared.isRunning = false
                    shared.loopThread = nil
                    shared.published = loopStats
                    return .idle
                }
                switch step {
                case .idle:
                    signalStopped()
                    return
                case .stop:
                    handleQueuedCommands(stopping: true)
                    break network
                case .network:
                    break
                case .work:
                    if !spareQueue.isEmpty { performDue = true }
                    handleQueuedCommands(stopping: false)
                    guard !spareJobs.isEmpty else { continue }
                    runJobs()
                    let stopping = shared.withLock { shared -> Bool in
                        swap(&shared.queue, &spareQueue)
                        return shared.isShutDown
                    }
                    if !spareQueue.isEmpty { performDue = true }
                    handleQueuedCommands(stopping: stopping)
                    if stopping { continue }
                }
                break
            }

            // Work queued again (a task that keeps yielding) means no poll this round: perform
            // anyway, so sockets that became ready are served between the jobs.
            if !performDue, shared.withLock({ !$0.queue.isEmpty || !$0.jobs.isEmpty }) { performDue = true }
            if performDue {
                performDue = false
                var running: Int32 = 0
                _ = curl_multi_perform(multi, &running)
                resumeHandedOffChunks()
                collectFinished()
                publishStats()
            }
            // Back to the top for what finishing transfers queued (the resumed tasks' jobs),
            // and to return the thread once nothing is attached.
            if active.isEmpty { continue }
            if shared.withLock({ !$0.queue.isEmpty || !$0.jobs.isEmpty }) { continue }
            // libcurl shortens the wait to its own next timeout; wakeups interrupt it.
            _ = curl_multi_poll(multi, nil, 0, 10_000, nil)
            performDue = true
        }
        failActive()
        for easy in easyPool { curl_easy_cleanup(easy) }
        easyPool.removeAll()
        shared.withLock { shared in
            shared.published = loopStats
            shared.isRunning = false
            shared.loopThread = nil
        }
        // Jobs taken in the last swap still run (later ones go to `dispatchQueue`, after this
        // work item): a task is never dropped, it sees the transport shut down.
        runJobs()
        signalStopped()
    }

    /// Runs the commands taken from the queue (`spareQueue`; loop only, both modes).
    func handleQueuedCommands(stopping: Bool) {
        for command in spareQueue { handle(command, stopping: stopping) }
        spareQueue.removeAll(keepingCapacity: true)
        // `curl_easy_pause` (unpause) may have called the write callback.
        resumeHandedOffChunks()
    }

    /// Resumes the readers the write callback handed chunks to. Called after every libcurl
    /// call that can write a body (perform, socket action, unpause): libcurl delivers a read
    /// of several SSE events as several callbacks, and resuming at the first would wake the
    /// reader's thread once per callback instead of once per read. Never under a transfer's lock
    /// (shared mode: under `handlerLock`, as every handler).
    func resumeHandedOffChunks() {
        guard !handedOffChunks.isEmpty else { return }
        for (continuation, chunk) in handedOffChunks { continuation.resume(returning: chunk) }
        handedOffChunks.removeAll(keepingCapacity: true)
    }

    /// Runs the jobs taken from the queue, on this thread, as this task executor.
    private func runJobs() {
        guard !spareJobs.isEmpty else { return }
        let executor = asUnownedTaskExecutor()
        for job in spareJobs { job.runSynchronously(on: executor) }
        spareJobs.removeAll(keepingCapacity: true)
    }

    private func signalStopped() {
        stoppedCondition.lock()
        stoppedCondition.broadcast()
        stoppedCondition.unlock()
    }

    // MARK: Transfers (loop only, both modes)

    /// An easy handle from the pool (already reset), or a new one.
    func takeEasyHandle() -> UnsafeMutableRawPointer? {
        easyPool.popLast() ?? curl_easy_init()
    }

    func handle(_ command: Command, stopping: Bool) {
        switch command {
        case .add(let transfer):
            if stopping {
                transfer.fail(TransportError(kind: .cancelled, detail: "transport shut down"))
                return
            }
            // Cancelled while queued: never touches the network.
            if transfer.withState({ $0.failure }) != nil { return }
            if mode == .shared, readySource == nil {
                transfer.fail(TransportError(kind: .other, detail: "the kernel refused an epoll/kqueue descriptor"))
                return
            }
            if let error = transfer.makeEasyHandle(takeEasyHandle(), debugCallback: traceEnabled) {
                transfer.releaseEasyHandle()
                transfer.fail(error)
                return
            }
            loopStats.liveEasyHandles += 1
            // Shared mode: adding sets curl's timeout to "now" through the timer callback, and
            // the handler then starts the transfer with `curl_multi_socket_action`.
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

    func collectFinished() {
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

    /// Detaches and fails every attached transfer (the loop is stopping).
    func failActive() {
        resumeHandedOffChunks()
        for transfer in active.values {
            detach(transfer, cancelled: true)
            transfer.fail(TransportError(kind: .cancelled, detail: "transport shut down"))
        }
        active.removeAll()
        // Again after the removals: no libcurl version we know writes body data while a handle
        // is removed, and a hand-off left behind here would strand its reader.
        resumeHandedOffChunks()
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

    func publishStats() {
        shared.withLock { $0.published = loopStats }
    }
}

// MARK: Task executor

/// The loop as a task executor (`AnthropicClient.taskExecutor`): a task that prefers it runs
/// on the thread that drives libcurl, so a call's request is attached, and its reply or stream
/// event handed back, without waking another thread (SE-0417, "Task Executor Preference",
/// https://github.com/swiftlang/swift-evolution/blob/main/proposals/0417-task-executor-preference.md).
///
/// Dedicated mode: jobs queue next to the commands and run between `curl_multi_perform` rounds;
/// a job queued from another thread wakes the loop as a command does. After shutdown jobs still
/// run, on `dispatchQueue`, so no task is ever stranded. Shared mode: jobs run on the default
/// global queue, as on Swift's default executor (no hand-off saved there) — not on
/// `dispatchQueue`, whose `onLoopKey` tells `shutdownShared()` it runs inside a handler that
/// already holds `handlerLock`, which a job does not.
extension CurlEventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        guard mode == .dedicated else {
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            return
        }
        if !queueWork({ $0.jobs.append(job) }) {
            dispatchQueue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}
