import ClaudeRouterEval
import Foundation
import RouterPolicies
import Synchronization

/// Progress of a live eval on stderr: cases done of the total, percent, elapsed time, ETA, the
/// money spent so far and the passes so far.
///
/// On a terminal it is one line redrawn in place after every case. Elsewhere (a CI log, a pipe)
/// it prints a plain line at most every `interval` seconds, when a case finishes, so a log of a
/// long run shows it is alive without a line per case; `interval` 0 turns the plain lines off.
/// Draws happen inside the lock so concurrent cases never interleave on stderr.
final class EvalProgress: Sendable {
    private struct State {
        var done = 0
        var passed = 0
        /// Cases with a verdict (passed or failed; not "not run" and not "not evaluated").
        var judged = 0
        /// Money this run spent: answers from the result cache cost nothing now.
        var spent = USDAmount.zero
        var unpriced = 0
        var fromCache = 0
        var lastPlainLine: ContinuousClock.Instant
        var drewLive = false
    }

    private let total: Int
    private let live: Bool
    private let interval: Duration?
    private let started: ContinuousClock.Instant
    private let state: Mutex<State>

    /// Progress over `total` cases; `live` redraws one line (a terminal), else plain lines every
    /// `interval` seconds (nil: none).
    init(total: Int, live: Bool, interval: Duration?) {
        let now = ContinuousClock.now
        self.total = max(total, 1)
        self.live = live
        self.interval = interval
        self.started = now
        self.state = Mutex(State(lastPlainLine: now))
    }

    /// Counts one finished case of variant `label` and draws (or prints) when it is time.
    func finished(_ outcome: CaseOutcome, label: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.done += 1
            let notRun = outcome.failures.first?.hasPrefix("not run:") ?? false
            if !notRun && !outcome.notEvaluated {
                state.judged += 1
                if outcome.passed { state.passed += 1 }
            }
            if outcome.cached {
                state.fromCache += 1
            } else if let cost = outcome.cost {
                state.spent += cost
            } else if !notRun {
                state.unpriced += 1
            }
            state.spent += outcome.judgeCost ?? .zero
            if live {
                state.drewLive = true
                Terminal.writeRaw("\r\u{1B}[2K" + line(state, now: now, label: label))
            } else if let interval, now - state.lastPlainLine >= interval {
                state.lastPlainLine = now
                Terminal.writeError("progress: " + line(state, now: now, label: label))
            }
        }
    }

    /// Clears the live line (plain lines stay in the log).
    func finish() {
        state.withLock { state in
            if state.drewLive { Terminal.writeRaw("\r\u{1B}[2K") }
        }
    }

    /// `12/40 30% [default] elapsed 0:42, ETA 1:38, spent $0.012300, passed 10/12`.
    private func line(_ state: State, now: ContinuousClock.Instant, label: String) -> String {
        let elapsed = (now - started) / .seconds(1)
        let percent = state.done * 100 / total
        var text = "\(state.done)/\(total) \(percent)% [\(label)] elapsed \(Self.clock(elapsed))"
        if state.done < total {
            let eta = elapsed / Double(max(state.done, 1)) * Double(total - state.done)
            text += ", ETA \(Self.clock(eta))"
        }
        text += ", spent \(state.spent.formatted())"
        if state.unpriced > 0 { text += " + \(state.unpriced) unpriced" }
        if state.fromCache > 0 { text += " (\(state.fromCache) from cache)" }
        text += ", passed \(state.passed)/\(state.judged)"
        return text
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
