import ArgumentParser

/// The process exit codes of `claude-router` (documented in docs/CLI.md; 65/69/77 follow BSD `sysexits.h`).
enum ExitStatus: Int32, Sendable {
    /// Everything worked (and every eval check passed).
    case success = 0
    /// `eval`: at least one case's checks failed under at least one policy.
    case checksFailed = 1
    /// Bad flags or arguments.
    case usage = 2
    /// `calibrate`: no thresholds meet the target (the message says what is reachable).
    case targetUnreachable = 3
    /// `send`: a reply came back, but it still fails a trigger no escalation resolved (a refusal
    /// or `max_tokens` stop on the top tier, a failed check): the reply is printed, flagged.
    case unresolvedTrigger = 4
    /// `send`: a budget's hard limit refused the call before any request was sent.
    case budgetExceeded = 5
    /// Bad policy, price book, fixture or JSONL input (`EX_DATAERR`).
    case dataError = 65
    /// The API (or mock) could not be reached after retries (`EX_UNAVAILABLE`).
    case unavailable = 69
    /// Authentication or permission refused (`EX_NOPERM`).
    case permission = 77
    /// Anything else: an unexpected internal or I/O failure; also a ledger that can no longer
    /// be written (the run stops before any further call).
    case failure = 70
}

/// Every error the CLI reports itself: a message (one line, or diagnostics with their carets)
/// and the exit status. Never a stack trace, never the API key or prompt text.
struct CLIError: Error, Sendable, CustomStringConvertible {
    var message: String
    var status: ExitStatus
    /// The process exit code: `status`'s, or 128 + the signal for an interrupted run.
    var exitCode: Int32

    init(_ message: String, status: ExitStatus) {
        self.message = message
        self.status = status
        self.exitCode = status.rawValue
    }

    /// A run stopped by SIGINT (exit 130) or SIGTERM (exit 143) after recording what it consumed.
    static func interrupted(by signal: Int32) -> CLIError {
        var error = CLIError("", status: .failure)
        error.exitCode = Interruption.exitCode(for: signal)
        return error
    }

    var description: String { message }

    static func data(_ message: String) -> CLIError { CLIError(message, status: .dataError) }
    static func usage(_ message: String) -> CLIError { CLIError("error: \(message)", status: .usage) }
}
