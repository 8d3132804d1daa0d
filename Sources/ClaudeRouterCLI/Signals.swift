import Dispatch
import Foundation

/// Waits until the process receives SIGINT or SIGTERM.
enum Signals {
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            let queue = DispatchQueue(label: "claude-router.signals")
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN) // let the dispatch source, not the default handler, see it
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { once.resume() }
                source.resume()
                sources.append(source)
            }
            // The sources must outlive this closure; they live as long as the process waits.
            SignalSources.keep(sources)
        }
    }
}

/// Resumes a continuation at most once, from whichever signal arrives first.
/// `@unchecked Sendable`: `resumed` is only read and written under `lock`.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var resumed = false
    private let continuation: CheckedContinuation<Void, Never>

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func resume() {
        lock.lock()
        defer { lock.unlock() }
        guard !resumed else { return }
        resumed = true
        continuation.resume()
    }
}

/// Keeps signal sources alive for the life of the process.
/// `@unchecked Sendable`: `sources` is only touched under `lock`.
private final class SignalSources: @unchecked Sendable {
    private static let shared = SignalSources()
    private let lock = NSLock()
    private var sources: [any DispatchSourceSignal] = []

    static func keep(_ more: [any DispatchSourceSignal]) {
        shared.lock.lock()
        shared.sources += more
        shared.lock.unlock()
    }
}
