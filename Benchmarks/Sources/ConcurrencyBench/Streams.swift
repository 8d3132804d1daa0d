import ClaudeClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Threads of this process right now (entries of /proc/self/task).
func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
}

/// `comm` of every thread of this process, sorted (e.g. the curl event loop, pool workers).
func threadNames() -> [String] {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return [] }
    return tasks.compactMap { task in
        (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }.sorted()
}

/// Open sockets of this process right now (fds in /proc/self/fd that link to `socket:`).
func socketCount() -> Int {
    guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return -1 }
    var sockets = 0
    for fd in fds {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
            target.hasPrefix("socket:")
        {
            sockets += 1
        }
    }
    return sockets
}

/// Peak resident set of this process in KiB (Linux ru_maxrss unit).
func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss)
}

/// Peaks sampled every millisecond on a plain thread while the calls run.
final class PeakSampler: @unchecked Sendable {
    // @unchecked Sendable: every field is read and written under `lock`.
    private let lock = NSLock()
    private var running = true
    private var threads = 0
    private var sockets = 0

    func start() {
        Thread.detachNewThread { [self] in
            while true {
                let (t, s) = (threadCount(), socketCount())
                let keepGoing = lock.withLock {
                    threads = max(threads, t)
                    sockets = max(sockets, s)
                    return running
                }
                if !keepGoing { return }
                usleep(1_000)
            }
        }
    }

    /// Stops sampling; the sampler's own thread is subtracted from the thread peak.
    func stop() -> (threads: Int, sockets: Int) {
        lock.withLock {
            running = false
            return (threads - 1, sockets)
        }
    }
}

/// `count` streamed calls started at once (one task each), each read to its last event.
/// With `port`, the mock is an already running `ConcurrencyBench mock` (started by run-all.sh,
/// which reads its connection counters); otherwise this process starts one as its child —
/// Foundation's `Process` then adds its own monitor threads to this process's count.
func runStreams(count: Int, port: Int?) async {
    let mock: MockChild? = port == nil ? MockChild() : nil
    let mockPort = port ?? mock?.port ?? 0
    // Baseline: main thread, the cooperative pool threads started so far, Foundation's child
    // process monitor — everything that exists before a AnthropicClient does.
    let threadsBefore = threadCount()
    // EVENT_LOOP=shared: the client's shared event loop (no thread of its own).
    let eventLoop: AnthropicClient.EventLoopThreading =
        ProcessInfo.processInfo.environment["EVENT_LOOP"] == "shared" ? .shared : .dedicated
    let client = AnthropicClient(
        configuration: .init(apiKey: "sk-bench-not-a-real-key", baseURL: "http://127.0.0.1:\(mockPort)", eventLoop: eventLoop))
    let request = MessageRequest(
        model: "claude-haiku-4-5", maxTokens: 256,
        // 50 ms before the first byte keeps every connection busy, so the streams really overlap
        // (otherwise the mock answers faster than the client can start the next one).
        messages: [.user("Benchmark prompt: reply with a short greeting. [[mock: delay-ms=50]]")])
    let threadsIdle = threadCount()
    let sampler = PeakSampler()
    sampler.start()
    let clock = ContinuousClock()
    let start = clock.now
    let (completed, failed, events) = await withTaskGroup(of: (Bool, Int).self) { group in
        for _ in 0..<count {
            group.addTask {
                do {
                    var events = 0
                    for try await _ in try await client.streamMessage(request) { events += 1 }
                    return (events >= 5, events)
                } catch {
                    return (false, 0)
                }
            }
        }
        var completed = 0
        var failed = 0
        var events = 0
        for await (ok, n) in group {
            if ok { completed += 1 } else { failed += 1 }
            events += n
        }
        return (completed, failed, events)
    }
    let elapsed = clock.now - start
    let peaks = sampler.stop()
    let names = threadNames()
    client.shutdown()
    var result: [String: Any] = [
        "streams": count, "event_loop": eventLoop.rawValue, "completed": completed, "failed": failed, "events": events,
        "wall_s": Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
        "threads_before_client": threadsBefore, "threads_idle_client": threadsIdle,
        "threads_peak": peaks.threads, "sockets_peak": peaks.sockets, "thread_names": names,
        "peak_rss_kib": peakRSSKiB(), "cpus": ProcessInfo.processInfo.activeProcessorCount,
    ]
    for (key, value) in mock?.stop() ?? [:] { result[key] = value }
    emit(result)
}
