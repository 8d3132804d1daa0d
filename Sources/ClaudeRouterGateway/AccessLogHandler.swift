import Foundation
import Logging
import Synchronization

/// The access log's handler: the lines of swift-log's `StreamLogHandler`
/// (`2026-11-30T01:02:03+0000 info claude-router.access: [ClaudeRouterGateway] method=POST …`)
/// on standard output, formatted by hand.
///
/// Why not `StreamLogHandler` itself: it formats the local time with `localtime` and `strftime`
/// on every line, and a gateway writes one line per request, so on a sequential non-streaming
/// call the timestamp alone was a measurable part of the gateway's CPU. This handler formats the
/// timestamp once per second and reuses it, builds the line in one string and writes it with one
/// `write(2)`.
package struct AccessLogHandler: LogHandler {
    /// The logger's label, printed after the level.
    package let label: String
    /// Lines below this level are dropped. Default `.info`.
    package var logLevel: Logger.Level = .info
    /// Metadata printed on every line (`key=value`, sorted by key), after the label.
    package var metadata: Logger.Metadata = [:]
    /// Metadata added to every line from the task's context (swift-log's metadata provider).
    package var metadataProvider: Logger.MetadataProvider?

    private let clock = TimestampCache()

    /// A handler writing to standard output.
    package init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    /// Metadata of one key.
    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes ``line(_:)`` to standard output with one `write(2)` (the CLI writes stdout
    /// unbuffered too, so nothing buffered can be overtaken; a line shorter than `PIPE_BUF`
    /// never interleaves with another on a pipe).
    package func log(event: LogEvent) {
        var line = line(event)
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // stdout closed or full: the access log is best effort, like print
                }
            }
        }
    }

    /// The line for `event`, newline included: timestamp, level, label, metadata (the handler's,
    /// the metadata provider's, the event's, and its error's, as `StreamLogHandler` merges them),
    /// `[source]`, message.
    package func line(_ event: LogEvent) -> String {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = clock.now()
        line.reserveCapacity(line.utf8.count + label.utf8.count + 160)
        line += " "
        line += "\(event.level)"
        if !label.isEmpty { line += " " }
        line += label
        line += ":"
        if !merged.isEmpty {
            line += " "
            line += merged.sorted(by: { $0.key < $1.key }).map { "\($0)=\($1)" }.joined(separator: " ")
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        return line
    }
}

/// The local time as `%Y-%m-%dT%H:%M:%S%z`, formatted once per second of wall-clock time.
final class TimestampCache: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    /// The current second's timestamp.
    func now() -> String {
        let second = time(nil)
        if let text = cached.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = Self.format(second)
        cached.withLock { $0 = (second, text) }
        return text
    }

    /// What `StreamLogHandler` prints for `second` (local time, numeric zone offset).
    static func format(_ second: Int) -> String {
        var seconds = time_t(second)
        var local = tm()
        guard localtime_r(&seconds, &local) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Pieces of the access-log line formatted by hand (no Foundation `String(format:)`).
package enum AccessLogFormat {
    /// `elapsed` in milliseconds with three decimals, as `String(format: "%.3f", ms)` prints
    /// it for a whole number of microseconds (sub-microsecond rest rounded half up).
    package static func milliseconds(_ elapsed: Duration) -> String {
        let (seconds, attoseconds) = elapsed.components
        let micros = seconds * 1_000_000 + (attoseconds + 500_000_000_000) / 1_000_000_000_000
        let negative = micros < 0
        let magnitude = micros.magnitude
        let fraction = magnitude % 1000
        let digits = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(negative ? "-" : "")\(magnitude / 1000).\(digits)"
    }
}
