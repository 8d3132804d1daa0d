import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

// This file imports Hummingbird and not ClaudeClient: both define `HTTPRequest`.

/// What the server observed, shared with the tests.
final class TransportServerProbe: Sendable {
    private struct Observed {
        var slowReleased = false
        var slowFinished = false
        var endlessStarted = 0
        var endlessEnded = 0
        var lastHeaders: [String: String] = [:]
        var stopping = false
    }

    private let observed = Mutex(Observed())

    var slowReleased: Bool {
        get { observed.withLock { $0.slowReleased } }
        set { observed.withLock { $0.slowReleased = newValue } }
    }
    var slowFinished: Bool {
        get { observed.withLock { $0.slowFinished } }
        set { observed.withLock { $0.slowFinished = newValue } }
    }
    var endlessStarted: Int { observed.withLock { $0.endlessStarted } }
    var endlessEnded: Int { observed.withLock { $0.endlessEnded } }
    func endlessDidStart() { observed.withLock { $0.endlessStarted += 1 } }
    func endlessDidEnd() { observed.withLock { $0.endlessEnded += 1 } }
    var lastHeaders: [String: String] {
        get { observed.withLock { $0.lastHeaders } }
        set { observed.withLock { $0.lastHeaders = newValue } }
    }
    /// Set when the server is asked to stop: long-running handlers end so a graceful shutdown
    /// does not wait for them.
    var stopping: Bool {
        get { observed.withLock { $0.stopping } }
        set { observed.withLock { $0.stopping = newValue } }
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 with a random port, for transport tests.
final class TransportTestServer: Sendable {
    let port: Int
    let probe: TransportServerProbe
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, probe: TransportServerProbe, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.probe = probe
        self.group = group
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
                for _ in 0..<1000 where !probe.slowReleased && !probe.stopping {
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
                // Byte i of the body is i % 251; the block length is a multiple of 251 so
                // consecutive blocks continue the pattern.
                let block = ByteBuffer(bytes: (0..<(251 * 256)).map { UInt8($0 % 251) })
                var sent = 0
                while sent < total {
                    let count = min(block.readableBytes, total - sent)
                    try await writer.write(block.getSlice(at: 0, length: count)!)
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
                for _ in 0..<60_000 where !probe.stopping {
                    try await writer.write(chunk)
                    try await Task.sleep(for: .milliseconds(1))
                }
                try await writer.finish(nil)
            })
        }
        router.get("stall") { _, _ -> String in
            for _ in 0..<3_000 where !probe.stopping {
                try await Task.sleep(for: .milliseconds(10))
            }
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
        // Stopped by graceful shutdown, never by cancelling the serving task: cancelling it can
        // leave an accepted connection that no one closes, and NIO traps on that
        // ("Deinited NIOAsyncWriter without calling finish()", a precondition in swift-nio).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        guard let port = await portStream.first(where: { _ in true }), port > 0 else {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw CancellationError()
        }
        return TransportTestServer(port: port, probe: probe, group: group, task: task)
    }

    func stop() async {
        probe.stopping = true
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}
