import Foundation
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local MOCK of the Anthropic API for tests, benchmarks and `claude-router mock-server`.
///
/// It speaks the wire format on its own (it shares no code with AnthropicClient), replies
/// deterministically, labels every reply as a mock (`server: claude-router-mock`, reply text),
/// and can be scripted per request with prompt directives (`[[mock: status=529]]`), the
/// `x-mock-fault` header, or ``enqueue(_:)``. Many servers may run in one process.
///
/// ```swift
/// let server = MockAnthropicServer()
/// try await server.start()
/// server.enqueue(.status(529), .status(529))   // the next two requests fail, the third succeeds
/// // … point a client at server.baseURL …
/// await server.stop()
/// ```
public final class MockAnthropicServer: Sendable {
    /// How the mock listens and behaves. Every default is documented on its property.
    public struct Configuration: Sendable {
        /// Interface to bind. Default `127.0.0.1` (loopback only).
        public var host: String
        /// Port to bind; `0` (the default) picks a free port, readable from ``MockAnthropicServer/port``.
        public var port: Int
        /// When set, requests must present exactly this key (`x-api-key` or `Authorization: Bearer`).
        /// Default `nil`: any key is accepted, but one must be present.
        public var requiredAPIKey: String?
        /// How long a batch stays `in_progress` before it is `ended`. Default `.zero`, so tests
        /// never wait (the create reply still says `in_progress`).
        public var batchProcessingTime: Duration
        /// How many recent requests ``MockStats/recentRequests`` keeps. Default 256.
        public var requestLogLimit: Int
        /// The shortest prompt prefix, in tokens, the mock's prompt cache accepts per model id
        /// prefix (the longest matching prefix wins; a dated id matches its base). Default: the
        /// public minimums (docs/ANTHROPIC-API.md "Prompt caching"); unlisted models use 1,024.
        public var minimumCacheableTokens: [String: Int] = [
            "claude-haiku-4-5": 4096, "claude-opus-4-5": 4096, "claude-opus-4-6": 4096, "claude-opus-4-7": 2048,
            "claude-opus-4-8": 1024, "claude-sonnet-4": 1024, "claude-sonnet-5": 1024, "claude-opus-5": 512,
        ]

        /// The mock's minimum cacheable prefix for `model`.
        func minimumCacheableTokens(for model: String) -> Int {
            minimumCacheableTokens.filter { model.hasPrefix($0.key) }.max { $0.key.count < $1.key.count }?.value ?? 1024
        }

        /// Creates a configuration; see each property for its default.
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            requiredAPIKey: String? = nil,
            batchProcessingTime: Duration = .zero,
            requestLogLimit: Int = 256
        ) {
            self.host = host
            self.port = port
            self.requiredAPIKey = requiredAPIKey
            self.batchProcessingTime = batchProcessingTime
            self.requestLogLimit = requestLogLimit
        }
    }

    /// The value of the `server` header on every reply.
    public static let serverName = "claude-router-mock"

    /// The configuration the server was created with.
    public let configuration: Configuration
    private let logger: Logger
    private let state = SharedMockState()
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var group: ServiceGroup?
        /// Runs the service group; its value is the error the group stopped with, if any.
        var task: Task<(any Error)?, Never>?
    }

    /// Creates a stopped server; call ``start()``.
    /// - Parameter logger: receives Hummingbird's server logs; default level `warning`.
    public init(configuration: Configuration = .init(), logger: Logger? = nil) {
        self.configuration = configuration
        if let logger {
            self.logger = logger
        } else {
            var logger = Logger(label: Self.serverName)
            logger.logLevel = .warning
            self.logger = logger
        }
    }

    /// The bound port; `nil` before ``start()`` returns.
    public var port: Int? { state.withLock { $0.port } }

    /// `http://HOST:PORT` once started (an empty string before).
    public var baseURL: String { state.withLock { $0.baseURL ?? "" } }

    /// A snapshot of the counters.
    public var stats: MockStats { state.withLock { $0.stats } }

    /// Scripts the next requests: each request (to any endpoint) takes the next fault in FIFO
    /// order, e.g. `enqueue(.status(529), .status(529))` for "overloaded twice, then success".
    public func enqueue(_ faults: MockFault...) {
        enqueue(contentsOf: faults)
    }

    /// Array form of ``enqueue(_:)``.
    public func enqueue(contentsOf faults: [MockFault]) {
        state.withLock {
            $0.faults += faults.map(\.directive)
            $0.stats.pendingFaults = $0.faults.count
        }
    }

    /// Drops faults not yet consumed.
    public func clearFaults() {
        state.withLock {
            $0.faults.removeAll()
            $0.stats.pendingFaults = 0
        }
    }

    /// Binds and starts serving; returns once ``port`` and ``baseURL`` are known.
    /// - Throws: ``MockServerError`` when already started or when binding fails.
    public func start() async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: MockResponder(state: state, configuration: configuration),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: Self.serverName
            ),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let started = lifecycle.withLock { lifecycle -> Bool in
            guard lifecycle.group == nil else { return false }
            lifecycle.group = group
            lifecycle.task = Task {
                defer { continuation.finish() }
                do {
                    try await group.run()
                    return nil
                } catch {
                    return error
                }
            }
            return true
        }
        guard started else { throw MockServerError(message: "the mock server is already started") }
        state.withLock { $0.stopping = false }
        var bound: Int?
        for await port in ports { bound = port }
        guard let bound, bound > 0 else {
            let failure = await shutDown()
            // The system's words for a socket error ("Address already in use"), not NIO's call description.
            let reason = failure.map { ($0 as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\($0)" }
                ?? "no listening socket"
            throw MockServerError(message: "could not bind \(configuration.host):\(configuration.port): \(reason)")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        state.withLock {
            $0.port = bound
            $0.baseURL = "http://\(host):\(bound)"
        }
    }

    /// Stops accepting connections, ends scripted stalls, lets in-flight replies finish, and
    /// returns once the listener is closed. The server may be started again afterwards.
    public func stop() async {
        await shutDown()
    }

    /// Stops the service group if it runs; returns the error it stopped with.
    @discardableResult
    private func shutDown() async -> (any Error)? {
        let (group, task) = lifecycle.withLock { lifecycle in
            defer { lifecycle = Lifecycle() }
            return (lifecycle.group, lifecycle.task)
        }
        guard let group, let task else { return nil }
        state.withLock { $0.stopping = true }
        await group.triggerGracefulShutdown()
        let failure = await task.value
        state.withLock {
            $0.port = nil
            $0.baseURL = nil
        }
        return failure
    }
}

/// A failure to start the mock server.
public struct MockServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}
