import Foundation
import Logging
import Synchronization

@testable import ClaudeClient

/// One scripted reply of `FakeHTTPTransport`.
enum ScriptedReply: Sendable {
    /// A complete response (served to `execute`, or as one chunk to `stream`).
    case response(status: Int, headers: [(String, String)] = [], body: Data = Data())
    /// A streaming response: chunks, then the end of the body or a failure.
    case streaming(status: Int = 200, headers: [(String, String)] = [], chunks: [Data], endsWith: TransportError? = nil)
    /// The transport fails before any response.
    case failure(TransportError)

    static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> ScriptedReply {
        .response(status: status, headers: headers, body: Data(text.utf8))
    }
}

/// In-memory `HTTPTransport`: serves scripted replies in order and records every request.
final class FakeHTTPTransport: HTTPTransport {
    private struct State {
        var replies: [ScriptedReply]
        var requests: [HTTPRequest] = []
        var shutdownCount = 0
        var cancelledStreams = 0
    }
    private let state: Mutex<State>

    init(_ replies: [ScriptedReply]) { state = Mutex(State(replies: replies)) }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }
    var shutdownCount: Int { state.withLock { $0.shutdownCount } }
    var cancelledStreams: Int { state.withLock { $0.cancelledStreams } }

    private func nextReply(for request: HTTPRequest) throws -> ScriptedReply {
        try state.withLock { state in
            state.requests.append(request)
            guard !state.replies.isEmpty else {
                throw TransportError(kind: .other, detail: "fake transport: no scripted reply left")
            }
            return state.replies.removeFirst()
        }
    }

    func execute(_ request: HTTPRequest) async throws -> (HTTPResponseHead, Data) {
        switch try nextReply(for: request) {
        case .response(let status, let headers, let body):
            return (Self.head(status, headers), body)
        case .streaming(let status, let headers, let chunks, let end):
            if let end { throw end }
            return (Self.head(status, headers), chunks.reduce(Data(), +))
        case .failure(let error):
            throw error
        }
    }

    func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        switch try nextReply(for: request) {
        case .response(let status, let headers, let body):
            return HTTPStreamingResponse(head: Self.head(status, headers), body: makeBody([body], end: nil))
        case .streaming(let status, let headers, let chunks, let end):
            return HTTPStreamingResponse(head: Self.head(status, headers), body: makeBody(chunks, end: end))
        case .failure(let error):
            throw error
        }
    }

    func shutdown() { state.withLock { $0.shutdownCount += 1 } }

    private func makeBody(_ chunks: [Data], end: TransportError?) -> HTTPBodyStream {
        let queue = Mutex((chunks: chunks.map { [UInt8]($0) }, end: end, cancelled: false))
        return HTTPBodyStream(
            nextChunk: {
                try queue.withLock { queue -> [UInt8]? in
                    if queue.cancelled { throw TransportError(kind: .cancelled, detail: "cancelled") }
                    if !queue.chunks.isEmpty { return queue.chunks.removeFirst() }
                    if let end = queue.end { throw end }
                    return nil
                }
            },
            cancel: { [weak self] in
                let first = queue.withLock { queue in
                    defer { queue.cancelled = true }
                    return !queue.cancelled
                }
                if first { self?.state.withLock { $0.cancelledStreams += 1 } }
            })
    }

    private static func head(_ status: Int, _ headers: [(String, String)]) -> HTTPResponseHead {
        HTTPResponseHead(status: status, headers: headers.map { (name: $0.0.lowercased(), value: $0.1) })
    }
}

/// Records the retry sleeps the client asks for (they return at once).
final class SleepRecorder: Sendable {
    private let sleeps = Mutex<[Duration]>([])
    var recorded: [Duration] { sleeps.withLock { $0 } }
    var seconds: [Double] { recorded.map { $0 / .seconds(1) } }
    func sleep(_ duration: Duration) async throws { sleeps.withLock { $0.append(duration) } }
}

/// Captures every log line (message and metadata) at trace level.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let error = event.error.map { " error=\($0)" } ?? ""
            capture.append("\(event.level) \(event.message) \(rendered)\(error)")
        }
    }
}

/// Builds clients over a fake transport with recorded sleeps and a fixed jitter.
struct TestClient {
    let client: AnthropicClient
    let transport: FakeHTTPTransport
    let sleeps: SleepRecorder
    let logs: LogCapture

    init(
        _ replies: [ScriptedReply], apiKey: String = "sk-ant-test-key", maxRetries: Int = 2,
        maxRetryWait: Duration = .seconds(60), apiVersion: AnthropicClient.APIVersion = .v2026_10_21,
        random: Double = 0.5, now: Date = Date(timeIntervalSince1970: 1_800_000_000),
        configure: (inout AnthropicClient.Configuration) -> Void = { _ in }
    ) {
        let transport = FakeHTTPTransport(replies)
        let sleeps = SleepRecorder()
        let logs = LogCapture()
        var configuration = AnthropicClient.Configuration(
            apiKey: apiKey, baseURL: "https://api.example.test", maxRetries: maxRetries, maxRetryWait: maxRetryWait,
            apiVersion: apiVersion)
        configuration.sleep = { try await sleeps.sleep($0) }
        configuration.random = { random }
        configuration.now = { now }
        configure(&configuration)
        self.client = AnthropicClient(configuration: configuration, transport: transport, logger: logs.logger)
        self.transport = transport
        self.sleeps = sleeps
        self.logs = logs
    }
}

enum Fixtures {
    static let request = MessageRequest(model: "claude-haiku-4-5", maxTokens: 256, messages: [.user("Hello")])

    static let messageJSON = """
        {"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5",
         "content":[{"type":"text","text":"Hi there"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":12,"output_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}
        """

    static func errorBody(_ type: String, _ message: String, requestID: String = "req_err") -> String {
        #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"\#(requestID)"}"#
    }

    /// A realistic stream: text block, tool_use block assembled from partial JSON, pings, a
    /// comment, an unknown event, and two cumulative message_delta events.
    static let streamText = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_s1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1,"cache_creation_input_tokens":7,"cache_read_input_tokens":100,"cache_creation":{"ephemeral_5m_input_tokens":3,"ephemeral_1h_input_tokens":4}}}}

        : a comment line

        event: ping
        data: {"type": "ping"}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", wörld ✓"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"cityName\\": \\"Par"}}

        event: future_event_type
        data: {"type":"future_event_type","anything":[1,2,3]}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\\", \\"days\\": 3}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":10}}

        event: ping
        data: {"type": "ping"}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    static func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }
}
