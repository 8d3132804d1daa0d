import ClaudeMockServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a mock on a free loopback port, runs `body`, and always stops it.
func withMockServer<T: Sendable>(
    _ configuration: MockAnthropicServer.Configuration = .init(),
    _ body: (MockAnthropicServer) async throws -> T
) async throws -> T {
    let server = MockAnthropicServer(configuration: configuration)
    try await server.start()
    do {
        let value = try await body(server)
        await server.stop()
        return value
    } catch {
        await server.stop()
        throw error
    }
}

/// A reply read over a real socket.
struct MockHTTPReply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }

    /// The body as a JSON object (fails the test when it is not one).
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8))
        return try #require(object as? [String: Any], "body is not a JSON object: \(body)")
    }

    /// The SSE events of the body, in order.
    func events() throws -> [SSEEvent] { try SSEEvent.parse(body) }
}

/// One parsed server-sent event.
struct SSEEvent: @unchecked Sendable {
    // @unchecked: `data` holds JSONSerialization output (immutable Foundation values), only read.
    var name: String
    var data: [String: Any]

    static func parse(_ text: String) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        for frame in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            var name: String?
            var data = ""
            for line in frame.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard let name else { continue }
            let object = try JSONSerialization.jsonObject(with: Data(data.utf8))
            events.append(SSEEvent(name: name, data: try #require(object as? [String: Any])))
        }
        return events
    }
}

enum MockHTTP {
    static let defaultHeaders: [String: String] = [
        "x-api-key": "sk-test-not-a-real-key",
        "anthropic-version": "2026-10-21",
        "content-type": "application/json",
    ]

    /// Sends one request on a fresh connection. `headers` override the defaults; a `nil` value
    /// removes a default header.
    static func send(
        _ server: MockAnthropicServer, _ method: HTTPRequest.Method, _ path: String,
        body: String? = nil, headers: [String: String?] = [:], timeout: Duration = .seconds(20)
    ) async throws -> MockHTTPReply {
        var merged: [String: String?] = defaultHeaders
        for (name, value) in headers { merged[name] = value }
        var fields = HTTPFields()
        for (name, value) in merged.sorted(by: { $0.key < $1.key }) {
            if let value, let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        let port = try #require(server.port)
        let request = TestClient.Request(path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
        let response = try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(timeout: timeout)
        ) { client in
            try await client.execute(request)
        }
        return MockHTTPReply(
            status: Int(response.status.code), headers: response.headers,
            body: response.body.map { String(buffer: $0) } ?? ""
        )
    }

    /// `POST /v1/messages` with a one-message prompt.
    static func message(
        _ server: MockAnthropicServer, prompt: String, model: String = "claude-haiku-4-5",
        maxTokens: Int = 1024, stream: Bool = false, system: String? = nil, headers: [String: String?] = [:]
    ) async throws -> MockHTTPReply {
        let body = messageBody(prompt: prompt, model: model, maxTokens: maxTokens, stream: stream, system: system)
        return try await send(server, .post, "/v1/messages", body: body, headers: headers)
    }

    static func messageBody(
        prompt: String, model: String = "claude-haiku-4-5", maxTokens: Int = 1024, stream: Bool = false,
        system: String? = nil
    ) -> String {
        var object: [String: Any] = [
            "model": model, "max_tokens": maxTokens,
            "messages": [["role": "user", "content": prompt]],
        ]
        if stream { object["stream"] = true }
        if let system { object["system"] = system }
        return jsonText(object)
    }

    static func jsonText(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The API's token rule the mock implements: ceil(characters / 4).
func tokens(_ text: String) -> Int { (text.count + 3) / 4 }

/// A raw HTTP/1.1 exchange on a plain socket (with `Connection: close`), returning every byte the
/// server wrote. Used where the bytes on the wire matter (chunking, resets). The blocking socket
/// calls run on a dedicated thread: blocking the small cooperative pool could starve the server.
func rawExchange(port: Int, request: String) async throws -> [UInt8] {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try blockingRawExchange(port: port, request: request) })
        }
        thread.start()
    }
}

private func blockingRawExchange(port: Int, request: String) throws -> [UInt8] {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(connected == 0)
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(request.utf8)
    let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    try #require(written == bytes.count)
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        received += buffer[0..<count]
    }
    return received
}

/// A raw `POST /v1/messages` request text.
func rawMessageRequest(body: String) -> String {
    "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-api-key: sk-test\r\n"
        + "anthropic-version: 2026-10-21\r\ncontent-type: application/json\r\n"
        + "content-length: \(body.utf8.count)\r\n\r\n\(body)"
}

/// Splits a raw chunked HTTP response into its head and its chunk payloads.
func decodeChunked(_ raw: [UInt8]) throws -> (head: String, chunks: [[UInt8]]) {
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    try #require(raw.count >= 4, "no HTTP response received")
    let headEnd = try #require((0...(raw.count - 4)).first { Array(raw[$0..<$0 + 4]) == separator })
    let head = String(decoding: raw[0..<headEnd], as: UTF8.self)
    var index = headEnd + 4
    var chunks: [[UInt8]] = []
    while index < raw.count {
        let lineEnd = try #require((index..<(raw.count - 1)).first { raw[$0] == 13 && raw[$0 + 1] == 10 })
        let size = try #require(Int(String(decoding: raw[index..<lineEnd], as: UTF8.self), radix: 16))
        index = lineEnd + 2
        if size == 0 { break }
        chunks.append(Array(raw[index..<index + size]))
        index += size + 2
    }
    return (head, chunks)
}
