import Foundation
import HTTPTypes
import Hummingbird
import Logging

// This file imports Hummingbird and not ClaudeClient: both define `HTTPRequest`.

/// What the server observed, shared with the tests.
final class TransportServerProbe: @unchecked Sendable {
    // @unchecked Sendable: every field is read and written under `lock`.
    private let lock = NSLock()
    private var _slowReleased = false
    private var _slowFinished = false
    private var _endlessStarted = 0
    private var _endlessEnded = 0
    private var _lastHeaders: [String: String] = [:]

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    var slowReleased: Bool {
        get { locked { _slowReleased } }
        set { locked { _slowReleased = newValue } }
    }
    var slowFinished: Bool {
        get { locked { _slowFinished } }
        set { locked { _slowFinished = newValue } }
    }
    var endlessStarted: Int { locked { _endlessStarted } }
    var endlessEnded: Int { locked { _endlessEnded } }
    func endlessDidStart() { locked { _endlessStarted += 1 } }
    func endlessDidEnd() { locked { _endlessEnded += 1 } }
    var lastHeaders: [String: String] {
        get { locked { _lastHeaders } }
        set { locked { _lastHeaders = newValue } }
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 with a random port, for transport tests.
final class TransportTestServer: Sendable {
    let port: Int
    let probe: TransportServerProbe
    private let task: Task<Void, any Error>

    private init(port: Int, probe: TransportServerProbe, task: Task<Void, any Error>) {
        self.port = port
        self.probe = probe
        self.task = task
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> TransportTestServer {
        let probe = TransportServerProbe()
        let router = Router()
        router.get("hello") { _, _ in "hello" }
        router.get("status500") { _, _ in
            Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "boom")))
        }
        router.get("headers") { request, _ -> String in
            var seen: [String: String] = [:]
            for field in request.headers { seen[field.name.canonicalName] = field.value }
            probe.lastHeaders = seen
            return seen.keys.sorted().joined(separator: ",")
        }
        router.post("echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            var headers = HTTPFields()
            headers[HTTPField.Name("x-echo-custom")!] = request.headers[HTTPField.Name("x-custom")!] ?? "missing"
            headers[HTTPField.Name("x-echo-length")!] = String(body.readableBytes)
            headers[.contentType] = "application/octet-stream"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("slow") { _, _ -> Response in
            Response(status: .ok, body: .init { writer in
                try await writer.write(ByteBuffer(string: "first-chunk;"))
                // Wait (bounded) until the test has seen the first chunk.
                for _ in 0..<1000 where !probe.slowReleased {
                    try await Task.sleep(for: .milliseconds(10))
                }
                probe.slowFinished = true
                try await writer.write(ByteBuffer(string: "last-chunk"))
                try await writer.finish(nil)
            })
        }
        router.get("large") { request, _ -> Response in
            let total = request.uri.queryParameters.get("bytes", as: Int.self) ?? 1 << 20
            return Response(status: .ok, body: .init(contentLength: total) { writer in
                var sent = 0
                while sent < total {
                    let count = min(64 * 1024, total - sent)
                    var buffer = ByteBuffer()
                    buffer.reserveCapacity(count)
                    for index in sent..<(sent + count) { buffer.writeInteger(UInt8(truncatingIfNeeded: index % 251)) }
                    try await writer.write(buffer)
                    sent += count
                }
                try await writer.finish(nil)
            })
        }
        router.get("endless") { _, _ -> Response in
            Response(status: .ok, body: .init { writer in
                probe.endlessDidStart()
                defer { probe.endlessDidEnd() }
                let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024)
                // Ends only when a write fails because the client went away (or after ~60 s).
                for _ in 0..<60_000 {
                    try await writer.write(chunk)
                    try await Task.sleep(for: .milliseconds(1))
                }
                try await writer.finish(nil)
            })
        }
        router.get("stall") { _, _ -> String in
            try await Task.sleep(for: .seconds(30))
            return "late"
        }

        var logger = Logger(label: "transport-test-server")
        logger.logLevel = .error
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        guard let port = await portStream.first(where: { _ in true }), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return TransportTestServer(port: port, probe: probe, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
