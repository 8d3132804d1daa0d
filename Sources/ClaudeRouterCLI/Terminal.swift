import Foundation

/// stdout/stderr helpers. Output is written unbuffered with `FileHandle` so that text and
/// exit codes stay in order when the process exits with `exit(_:)`.
enum Terminal {
    static func writeOut(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` and a newline to stderr.
    static func writeError(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Writes `text` to stderr as is (progress bars redraw a line with `\r`).
    static func writeRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether stderr is an interactive terminal (progress bars only then).
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }
}

/// `YYYY-MM-DD` of the UTC day containing `date`.
func utcDay(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
}
