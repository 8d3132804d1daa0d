import Dispatch
import Foundation
import Synchronization

/// Waits until the process receives SIGINT or SIGTERM.
enum Signals {
    static func waitForTermination() async {
        let queue = DispatchQueue(label: "claude-router.signals")
        // The sources must live while the process waits; they are cancelled once it wakes.
        var sources: [any DispatchSourceSignal] = []
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN) // let the dispatch source, not the default handler, see it
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { once.resume() }
                source.resume()
                sources.append(source)
            }
        }
        for source in sources { source.cancel() }
    }
}

/// Resumes a continuation at most once, from whichever signal arrives first.
private final class ResumeOnce: Sendable {
    /// Taken by the first `resume()`; nil afterwards.
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = Mutex(continuation) }

    func resume() {
        continuation.withLock { $0.take() }?.resume()
    }
}
