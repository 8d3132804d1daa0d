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
    /// Bad policy, price book, fixture or JSONL input (`EX_DATAERR`).
    case dataError = 65
    /// The API (or mock) could not be reached after retries (`EX_UNAVAILABLE`).
    case unavailable = 69
    /// Authentication or permission refused (`EX_NOPERM`).
    case permission = 77
    /// Anything else: an unexpected internal or I/O failure.
    case failure = 70
}

/// Every error the CLI reports itself: a message (one line, or diagnostics with their carets)
/// and the exit status. Never a stack trace, never the API key or prompt text.
struct CLIError: Error, Sendable, CustomStringConvertible {
    var message: String
    var status: ExitStatus

    init(_ message: String, status: ExitStatus) {
        self.message = message
        self.status = status
    }

    var description: String { message }

    static func data(_ message: String) -> CLIError { CLIError(message, status: .dataError) }
    static func usage(_ message: String) -> CLIError { CLIError("error: \(message)", status: .usage) }
}
