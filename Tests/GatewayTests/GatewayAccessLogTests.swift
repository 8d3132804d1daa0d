import ClaudeRouterGateway
import Foundation
import Logging
import Synchronization
import Testing

/// The access log's hand-formatted line is swift-log's `StreamLogHandler` line, byte for byte.
@Suite("Gateway access log")
struct GatewayAccessLogTests {
    /// Collects what a `StreamLogHandler` writes.
    final class Capture: TextOutputStream, @unchecked Sendable {
        // @unchecked Sendable: written and read by one test task only, under the lock.
        private let lines = Mutex<[String]>([])
        func write(_ string: String) { lines.withLock { $0.append(string) } }
        var text: String { lines.withLock { $0.joined() } }
    }

    /// The same event through both handlers, retried when a second boundary fell between them.
    func bothLines(_ event: LogEvent, label: String, metadata: Logger.Metadata = [:]) -> (String, String) {
        var result = ("", "")
        for _ in 0..<3 {
            let capture = Capture()
            var reference = StreamLogHandler(label: label, stream: capture, metadataProvider: nil)
            var ours = AccessLogHandler(label: label, metadataProvider: nil)
            for (key, value) in metadata {
                reference[metadataKey: key] = value
                ours[metadataKey: key] = value
            }
            let line = ours.line(event)
            reference.log(event: event)
            result = (line, capture.text)
            if result.0 == result.1 { break }
        }
        return result
    }

    @Test("a request line is StreamLogHandler's line")
    func requestLine() {
        let event = LogEvent(level: .info, message: "method=POST path=/v1/messages status=200 ms=3.412 caller=alice tier=haiku model=claude-haiku-4-5 attempts=1 cost_usd=0.000138 stream=false",
                             metadata: nil, source: "ClaudeRouterGateway", file: #fileID, function: #function, line: #line)
        let (ours, reference) = bothLines(event, label: "claude-router.access")
        #expect(ours == reference)
        #expect(ours.hasSuffix(" info claude-router.access: [ClaudeRouterGateway] method=POST path=/v1/messages status=200 ms=3.412 caller=alice tier=haiku model=claude-haiku-4-5 attempts=1 cost_usd=0.000138 stream=false\n"))
    }

    @Test("levels, metadata (handler's and event's, sorted), an empty label and non-ASCII text match too")
    func otherLines() {
        let event = LogEvent(level: .warning, message: "caf\u{e9} \u{2192} done", metadata: ["b": "2", "a": "1"],
                             source: "Src", file: #fileID, function: #function, line: #line)
        let (ours, reference) = bothLines(event, label: "claude-router.access", metadata: ["z": "handler"])
        #expect(ours == reference)
        let (bare, bareReference) = bothLines(event, label: "")
        #expect(bare == bareReference)
    }

    @Test("the request time is written as %.3f milliseconds", arguments: [
        0, 1, 999, 1_000, 1_234, 3_412, 59_999, 1_000_000, 1_234_567_891, 86_400_000_000,
    ])
    func milliseconds(micros: Int64) {
        let duration = Duration.microseconds(micros)
        #expect(AccessLogFormat.milliseconds(duration) == String(format: "%.3f", Double(micros) / 1000))
    }
}
