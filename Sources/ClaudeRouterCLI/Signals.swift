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

/// SIGINT/SIGTERM handling for commands that make paid calls (`send`, `eval`).
///
/// The first signal does not kill the process: it runs `onSignal` (e.g. "start no new calls")
/// and cancels the work, so calls in flight are aborted and recorded with what they consumed,
/// the ledger is flushed and closed, and the command prints its partial result. A second signal
/// exits at once with the same code (nothing more is recorded).
enum Interruption {
    /// The conventional exit code for a process stopped by `signal`: 128 + its number
    /// (130 for SIGINT, 143 for SIGTERM).
    static func exitCode(for signal: Int32) -> Int32 { 128 + signal }

    /// Runs `work` in a task that SIGINT or SIGTERM cancels.
    /// - Returns: the work's result and the first signal that arrived (nil when none did).
    static func run<T: Sendable>(
        onSignal: @escaping @Sendable (Int32) -> Void = { _ in },
        _ work: @escaping @Sendable () async throws -> T
    ) async -> (result: Result<T, any Error>, signal: Int32?) {
        let task = Task { try await work() }
        let received = SignalLatch()
        let queue = DispatchQueue(label: "claude-router.interruption")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN) // the dispatch source, not the default handler, sees it
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let first = received.value.withLock { current -> Bool in
                    guard current == nil else { return false }
                    current = number
                    return true
                }
                guard first else {
                    // A second signal: the user insists; leave without further recording.
                    Terminal.writeError("interrupted again: exiting without waiting")
                    exit(Interruption.exitCode(for: number))
                }
                onSignal(number)
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        let result = await task.result
        for source in sources { source.cancel() }
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
        return (result, received.value.withLock { $0 })
    }

    /// `SIGINT` or `SIGTERM`, for messages.
    static func name(of signal: Int32) -> String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }
}

/// The first signal received, shared by the signal handlers (a class: a `Mutex` cannot be
/// captured by the escaping handlers themselves).
private final class SignalLatch: Sendable {
    let value = Mutex<Int32?>(nil)
}
