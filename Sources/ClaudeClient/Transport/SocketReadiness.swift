#if canImport(Glibc)
    import CCurl
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The sockets libcurl asked the event loop to watch, as one pollable descriptor: an epoll
/// instance on Linux, a kqueue on Darwin. The loop watches `descriptor` with a single dispatch
/// read source and, when it fires, reads the ready sockets with ``ready(into:)`` — so sockets
/// come and go with plain system calls on the loop's queue, and libdispatch never sees (or has
/// to be told about the closing of) a socket libcurl owns.
///
/// Level-triggered: a socket libcurl has not read to the end is reported again, and so is the
/// descriptor itself. A socket closed without being removed drops out on its own (both
/// kernels forget a closed descriptor), so a reused descriptor number is simply added again.
/// Not thread-safe: confined to the event loop's queue. The owner closes `descriptor`: the
/// loop does it in its dispatch source's cancel handler, since libdispatch requires a watched
/// descriptor to stay open until then.
struct SocketReadiness {
    /// What a socket is waited for, in libcurl's terms (`CURL_POLL_IN`/`OUT`/`INOUT`).
    struct Interest: OptionSet {
        let rawValue: Int32
        static let read = Interest(rawValue: 1)
        static let write = Interest(rawValue: 2)
    }

    /// A ready socket and what it is ready for (libcurl's `CURL_CSELECT_IN`/`OUT`/`ERR` bits).
    struct Event {
        var socket: Int32
        var readable: Bool
        var writable: Bool
        var error: Bool
    }

    /// The epoll or kqueue descriptor; -1 when the kernel refused to make one.
    let descriptor: Int32
    /// Sockets registered, with what for (an epoll MOD needs to know a socket was added).
    private var watched: [Int32: Interest] = [:]

    /// Throws nothing: a descriptor that could not be made (`errno`, e.g. EMFILE) leaves
    /// `descriptor` at -1, which the loop reports as a transport failure on every transfer.
    init() {
        #if canImport(Glibc)
            descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        #else
            descriptor = kqueue()
        #endif
    }

    /// Watches `socket` for `interest` (replacing what it was watched for), or stops watching it
    /// when `interest` is empty. Returns false when the kernel refused (the loop then fails the
    /// transfers on that socket through libcurl's own timeout).
    @discardableResult
    mutating func watch(_ socket: Int32, for interest: Interest) -> Bool {
        let previous = watched[socket]
        if interest.isEmpty {
            guard previous != nil else { return true }
            watched[socket] = nil
            #if canImport(Glibc)
                var unused = epoll_event()
                _ = epoll_ctl(descriptor, EPOLL_CTL_DEL, socket, &unused)
            #else
                change(socket, filter: Int16(EVFILT_READ), enable: false)
                change(socket, filter: Int16(EVFILT_WRITE), enable: false)
            #endif
            return true
        }
        watched[socket] = interest
        #if canImport(Glibc)
            var event = epoll_event()
            event.events =
                (interest.contains(.read) ? EPOLLIN.rawValue : 0) | (interest.contains(.write) ? EPOLLOUT.rawValue : 0)
            event.data.fd = socket
            // MOD for a socket we know; ADD otherwise. Either may meet a stale view: a socket
            // closed without removal left epoll on its own (MOD → ENOENT), a reused number may
            // still be registered (ADD → EEXIST); the other operation then succeeds.
            let first = previous == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
            if epoll_ctl(descriptor, first, socket, &event) == 0 { return true }
            let retry = previous == nil ? EPOLL_CTL_MOD : EPOLL_CTL_ADD
            return epoll_ctl(descriptor, retry, socket, &event) == 0
        #else
            let read = change(socket, filter: Int16(EVFILT_READ), enable: interest.contains(.read))
            let write = change(socket, filter: Int16(EVFILT_WRITE), enable: interest.contains(.write))
            return read && write
        #endif
    }

    /// Reads up to `events.capacity` ready sockets without waiting; returns how many it wrote.
    func ready(into events: inout [Event]) -> Int {
        events.removeAll(keepingCapacity: true)
        let capacity = max(1, events.capacity)
        #if canImport(Glibc)
            return withUnsafeTemporaryAllocation(of: epoll_event.self, capacity: capacity) { buffer in
                let count = epoll_wait(descriptor, buffer.baseAddress, Int32(capacity), 0)
                guard count > 0 else { return 0 }
                for index in 0..<Int(count) {
                    let raw = buffer[index].events
                    events.append(
                        Event(
                            socket: buffer[index].data.fd,
                            readable: raw & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLRDHUP.rawValue) != 0,
                            writable: raw & EPOLLOUT.rawValue != 0,
                            error: raw & EPOLLERR.rawValue != 0))
                }
                return Int(count)
            }
        #else
            return withUnsafeTemporaryAllocation(of: kevent.self, capacity: capacity) { buffer in
                var zero = timespec(tv_sec: 0, tv_nsec: 0)
                let count = kevent(descriptor, nil, 0, buffer.baseAddress, Int32(capacity), &zero)
                guard count > 0 else { return 0 }
                for index in 0..<Int(count) {
                    let item = buffer[index]
                    events.append(
                        Event(
                            socket: Int32(item.ident),
                            readable: item.filter == Int16(EVFILT_READ),
                            writable: item.filter == Int16(EVFILT_WRITE),
                            error: item.flags & UInt16(EV_ERROR) != 0))
                }
                return Int(count)
            }
        #endif
    }

    #if !canImport(Glibc)
        /// Adds or deletes one kqueue filter; deleting a filter that was never added is not an error here.
        @discardableResult
        private func change(_ socket: Int32, filter: Int16, enable: Bool) -> Bool {
            var item = kevent(
                ident: UInt(socket), filter: filter, flags: UInt16(enable ? EV_ADD : EV_DELETE), fflags: 0, data: 0,
                udata: nil)
            return kevent(descriptor, &item, 1, nil, 0, nil) == 0 || !enable
        }
    #endif
}
