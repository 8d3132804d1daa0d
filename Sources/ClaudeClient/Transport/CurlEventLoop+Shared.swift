import CCurl
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import Synchronization

/// The shared mode: no thread of its own, and no thread ever blocks waiting for the network.
///
/// libcurl's multi_socket API (https://curl.se/libcurl/c/curl_multi_socket_action.html) tells
/// the loop which sockets to watch (`CURLMOPT_SOCKETFUNCTION`) and when its next timeout is due
/// (`CURLMOPT_TIMERFUNCTION`). The watched sockets live in one epoll (kqueue on Darwin)
/// descriptor, ``SocketReadiness``, which a single `DispatchSourceRead` watches: libdispatch's
/// event thread (the one every dispatch source and timer in the process shares) reports it
/// ready, and the handler calls `curl_multi_socket_action` for exactly the sockets that are
/// ready — work proportional to what happened, not to how many transfers are attached. curl's
/// timeout is a `DispatchSourceTimer`. The handlers run on the default global queue's workers,
/// the threads Swift's default executor already uses; they never block (every libcurl call
/// here is non-blocking), so sharing those workers is safe.
///
/// The price is one more hand-off per network event (libdispatch's event thread wakes a worker
/// rather than the waiting thread running the handler itself); Benchmarks/README.md records
/// what it costs per call next to the dedicated mode.
extension CurlEventLoop {
    /// Creates the readiness source and curl's timer, and points libcurl's callbacks at them.
    func startSources() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = cr_multi_setopt_socket_callback(multi, curlSocketCallback)
        _ = cr_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = cr_multi_setopt_timer_callback(multi, curlTimerCallback)
        _ = cr_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
        readyEvents.reserveCapacity(64)
        let timer = DispatchSource.makeTimerSource(queue: dispatchQueue)
        timer.setEventHandler { [weak self] in self?.timerFired() }
        timer.activate()
        self.timer = timer
        let readiness = SocketReadiness()
        self.readiness = readiness
        let descriptor = readiness.descriptor
        if descriptor >= 0 {
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: dispatchQueue)
            source.setEventHandler { [weak self] in self?.socketsReady() }
            // libdispatch may still watch the descriptor until the cancellation completes.
            source.setCancelHandler { _ = close(descriptor) }
            source.activate()
            readySource = source
        }
    }

    /// Tears down on the caller's thread under the handlers' lock rather than with `sync` onto
    /// the queue: a queued handler may need a worker thread the caller itself occupies (one
    /// worker on a one-core machine), and handlers never block, so the lock is held briefly.
    func shutdownShared() {
        shared.withLock { $0.isShutDown = true }
        if DispatchQueue.getSpecific(key: onLoopKey) != nil {
            tearDown()  // inside a handler, which holds `handlerLock` already
        } else {
            handlerLock.withLock { _ in tearDown() }
        }
    }

    /// Takes the queued commands and runs them.
    func drain() {
        handlerLock.withLock { _ in
            guard !isTornDown else { return }
            let stopping = shared.withLock { shared -> Bool in
                swap(&shared.queue, &spareQueue)
                shared.isRunning = false
                return shared.isShutDown
            }
            if stopping {
                tearDown()
                return
            }
            handleQueuedCommands(stopping: false)
            afterLibcurl()
        }
    }

    private func socketsReady() {
        handlerLock.withLock { _ in
            guard !isTornDown else { return }
            // Level-triggered: sockets beyond this batch keep the descriptor ready and come next.
            if readiness?.ready(into: &readyEvents) ?? 0 > 0 {
                var running: Int32 = 0
                for event in readyEvents {
                    let mask =
                        (event.readable ? CURL_CSELECT_IN : 0) | (event.writable ? CURL_CSELECT_OUT : 0)
                        | (event.error ? CURL_CSELECT_ERR : 0)
                    _ = curl_multi_socket_action(multi, curl_socket_t(event.socket), Int32(mask), &running)
                }
            }
            afterLibcurl()
        }
    }

    private func timerFired() {
        handlerLock.withLock { _ in
            guard !isTornDown else { return }
            armedDeadline = nil
            timeoutDue = true
            afterLibcurl()
        }
    }

    /// Runs the timeouts curl asked for during the last calls, then hands finished transfers
    /// back and publishes the counters.
    private func afterLibcurl() {
        var running: Int32 = 0
        while timeoutDue, !isTornDown {
            timeoutDue = false
            _ = curl_multi_socket_action(multi, cr_socket_timeout(), 0, &running)
        }
        resumeHandedOffChunks()
        collectFinished()
        publishStats()
    }

    /// libcurl's socket callback: watch `socket` for `what` (`CURL_POLL_*`).
    fileprivate func watch(_ socket: curl_socket_t, what: Int32) {
        var interest = SocketReadiness.Interest()
        switch what {
        case CURL_POLL_IN: interest = .read
        case CURL_POLL_OUT: interest = .write
        case CURL_POLL_INOUT: interest = [.read, .write]
        default: break  // CURL_POLL_REMOVE (and NONE): stop watching
        }
        readiness?.watch(Int32(socket), for: interest)
    }

    /// libcurl's timer callback: -1 deletes the timer, 0 means "as soon as possible".
    ///
    /// The dispatch timer is re-armed only when curl wants it earlier than it is armed:
    /// re-arming wakes libdispatch's event thread, and curl moves its timeout on nearly every
    /// step of a transfer (mostly later, to the request's own deadline). A timer that fires
    /// before curl's deadline, or after curl deleted it, costs one `curl_multi_socket_action`
    /// that finds nothing due and sets the next timeout.
    fileprivate func setTimeout(milliseconds: Int) {
        guard let timer else { return }
        if milliseconds == 0 {
            timeoutDue = true
        } else if milliseconds > 0 {
            let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(milliseconds) &* 1_000_000
            if let armed = armedDeadline, armed <= deadline { return }
            armedDeadline = deadline
            timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), leeway: .milliseconds(1))
        }
    }

    /// Fails what is in flight or queued, frees every handle, closes every connection and
    /// stops the sources. Once.
    private func tearDown() {
        guard !isTornDown else { return }
        isTornDown = true
        let queued = shared.withLock { shared -> [Command] in
            shared.isShutDown = true
            defer { shared.queue.removeAll() }
            return shared.queue
        }
        for command in spareQueue + queued {
            if case .add(let transfer) = command {
                transfer.fail(TransportError(kind: .cancelled, detail: "transport shut down"))
            }
        }
        spareQueue.removeAll()
        failActive()
        for easy in easyPool { curl_easy_cleanup(easy) }
        easyPool.removeAll()
        readySource?.cancel()
        timer?.cancel()
        // Closes the cached connections (their sockets leave `readiness` through the callback).
        curl_multi_cleanup(multi)
        loopStats.pooledEasyHandles = 0
        publishStats()
    }
}

// libcurl's multi callbacks: plain C functions that recover the loop from the user pointer.
// They run inside libcurl calls the loop makes under `handlerLock`, so the loop is alive.

private let curlSocketCallback: curl_socket_callback = { _, socket, what, userdata, _ in
    guard let userdata else { return 0 }
    Unmanaged<CurlEventLoop>.fromOpaque(userdata).takeUnretainedValue().watch(socket, what: what)
    return 0
}

private let curlTimerCallback: curl_multi_timer_callback = { _, milliseconds, userdata in
    guard let userdata else { return 0 }
    Unmanaged<CurlEventLoop>.fromOpaque(userdata).takeUnretainedValue().setTimeout(milliseconds: milliseconds)
    return 0
}
