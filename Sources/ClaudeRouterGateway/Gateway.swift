import ClaudeClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import Router
import ServiceLifecycle
import UnixSignals
import Synchronization

/// `claude-router serve`: an Anthropic-compatible HTTP gateway in front of one ``ModelRouter``.
///
/// Point any Anthropic SDK at it by changing the base URL; `model: "auto"` (or `auto:TASK`)
/// is routed by the policy, a concrete model id passes through (still budgeted and recorded).
/// Bodies and errors keep the Messages API's shapes (https://docs.anthropic.com/en/api/messages),
/// routing facts travel in `x-router-*` response headers. Endpoints: `POST /v1/messages` (JSON
/// and SSE), `POST /v1/messages/count_tokens`, `GET /v1/models`, `GET /healthz`, `GET /readyz`,
/// `GET /metrics` (when a Prometheus registry is given), the Message Batches endpoints, and
/// `GET /dashboard` (the ledger report as one HTML page).
///
/// Stopping (``stop()`` or a configured signal) drains first: the listener stays open, `/readyz`
/// answers 503 and new API calls get 503 `overloaded_error`, while requests and streams in flight
/// finish; once none is left (or ``Configuration/drainGracePeriod`` has passed, which cancels
/// them and records what they consumed) the listener closes and the ledger is flushed.
package final class Gateway: Sendable {
    /// How the gateway listens and whom it lets in; every default is documented.
    package struct Configuration: Sendable {
        /// Interface to bind. Default `127.0.0.1` (loopback only).
        package var host: String
        /// Port; `0` picks a free one (see ``Gateway/port``). Default 8080.
        package var port: Int
        /// The callers' keys. `nil` (the default) is development mode: any key (or none) is
        /// accepted, and only a loopback ``host`` is allowed.
        package var keys: GatewayKeys?
        /// How long requests and streams in flight may take to finish after a stop. Default 30 s.
        package var drainGracePeriod: Duration
        /// The largest request body accepted (bytes). Default 32 MiB (the Messages API's limit).
        package var maxRequestBytes: Int
        /// Where `GET /metrics` reads from (the registry behind the process's swift-metrics
        /// factory). Default `nil`: `/metrics` answers 404.
        package var metricsRegistry: PrometheusCollectorRegistry?
        /// The file ``keys`` came from: ``Gateway/reload()`` re-reads it. Default `nil` (the keys
        /// stay as given).
        package var keysFile: String?

        /// Creates a configuration; see each property for its default.
        package init(host: String = "127.0.0.1", port: Int = 8080, keys: GatewayKeys? = nil,
                    drainGracePeriod: Duration = .seconds(30), maxRequestBytes: Int = 32 * 1024 * 1024,
                    metricsRegistry: PrometheusCollectorRegistry? = nil, keysFile: String? = nil) {
            self.host = host
            self.port = port
            self.keys = keys
            self.drainGracePeriod = drainGracePeriod
            self.maxRequestBytes = maxRequestBytes
            self.metricsRegistry = metricsRegistry
            self.keysFile = keysFile
        }

        /// Whether callers are let in without a keys file.
        package var isDevelopmentMode: Bool { keys == nil }
    }

    /// The configuration the gateway was created with.
    package let configuration: Configuration
    let router: ModelRouter
    let client: AnthropicClient
    let ledger: any CostLedger
    let logger: Logger
    let accessLog: Logger
    let state = SharedGatewayState()
    private let lifecycle = Mutex(Lifecycle())
    /// The callers' keys in force (``reload()`` replaces them); `nil` in development mode.
    private let keysInForce: Mutex<GatewayKeys?>
    /// Who submitted each batch created through the gateway, the metadata its results are
    /// recorded with, and its budget hold until its results settle it (``BatchRegistry``).
    let batches: any BatchRegistry
    /// Submissions the registry failed to store, kept in this process so their batches stay
    /// reachable by their submitter here and their results are still recorded and settled.
    let unsavedBatches = Mutex<[String: BatchSubmission]>([:])

    private struct Lifecycle {
        var group: ServiceGroup?
        var task: Task<(any Error)?, Never>?
    }

    /// Creates a stopped gateway.
    /// - Parameters:
    ///   - router: routes, sends and records every call.
    ///   - client: the upstream client (count_tokens, models and batches go straight to it).
    ///   - ledger: the router's ledger; flushed when the gateway stops, read by `/dashboard`.
    ///   - batches: where the submitted batches are remembered (owner, metadata, budget hold);
    ///     default in this process's memory. Share the ledger's store (``SQLiteBatchRegistry``
    ///     on its file, `PostgresBatchRegistry` on its database) so a restarted gateway, or
    ///     another one on the same ledger, knows them too.
    ///   - logger: start, stop and failures. `accessLog`: one line per request, no prompt text, no keys.
    /// - Throws: ``GatewayConfigurationError`` for development mode on a non-loopback host or a bad port.
    package init(router: ModelRouter, client: AnthropicClient, ledger: any CostLedger,
                batches: any BatchRegistry = InMemoryBatchRegistry(),
                configuration: Configuration = .init(),
                logger: Logger = Logger(label: "claude-router.gateway"),
                accessLog: Logger = Logger(label: "claude-router.access")) throws {
        guard (0...65_535).contains(configuration.port) else {
            throw GatewayConfigurationError(message: "port \(configuration.port) is not between 0 and 65535")
        }
        if configuration.isDevelopmentMode, !Self.isLoopback(configuration.host) {
            throw GatewayConfigurationError(message:
                "development mode (no keys file) accepts any caller key, so it binds loopback only; "
                + "got host '\(configuration.host)': give --keys FILE to listen on other interfaces")
        }
        self.keysInForce = Mutex(configuration.keys)
        self.router = router
        self.client = client
        self.ledger = ledger
        self.batches = batches
        self.configuration = configuration
        self.logger = logger
        self.accessLog = accessLog
    }

    /// The callers' keys now (the configured ones until a ``reload()`` replaced them).
    package var keys: GatewayKeys? { keysInForce.withLock { $0 } }

    /// What one ``reload()`` did.
    package struct ReloadReport: Sendable {
        /// Every diagnostic of a policy file that was rejected (`FILE:LINE:COLUMN: error: …`
        /// lines), `nil` when the policy file was reloaded, unchanged, or not a file.
        package var policyErrors: String?
        /// Every diagnostic of a rejected keys file, `nil` when it was reloaded or there is none.
        package var keysErrors: String?
        /// The number of keys in force after the reload (`nil` in development mode).
        package var keyCount: Int?
    }

    /// Re-reads the policy file (via the router) and the keys file now: what `SIGHUP` does.
    /// A file that fails validation keeps the previous one in force; it is logged once, with
    /// every diagnostic (`FILE:LINE:COLUMN`, source line, caret) in the entry's `errors` and in
    /// the returned report. Development mode stays development mode.
    @discardableResult
    package func reload() async -> ReloadReport {
        var report = ReloadReport()
        // A rejected policy is logged by the router's policy store (one entry, its diagnostics in
        // `errors`); the report hands them on, whole, to whoever prints them (`serve` does).
        report.policyErrors = await router.reloadPolicy()
        if let file = configuration.keysFile, keys != nil {
            do {
                let loaded = try GatewayKeys.load(file: file)
                keysInForce.withLock { $0 = loaded }
            } catch {
                report.keysErrors = error.description
                logger.error("keys reload rejected; keeping the previous keys", metadata: [
                    "file": "\(file)", "errors": "\(error.description)",
                ])
            }
        }
        report.keyCount = keys?.count
        return report
    }

    /// Whether `host` names a loopback interface (`127.0.0.0/8`, `::1`, `localhost`).
    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The bound port once started, else `nil`.
    package var port: Int? { state.withLock { $0.port } }

    /// `http://HOST:PORT` once started, else an empty string.
    package var baseURL: String {
        guard let port else { return "" }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

    /// Binds and serves in the background; returns once ``port`` is known.
    /// - Throws: ``GatewayConfigurationError`` when already started or when binding fails.
    package func start() async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let group = makeGroup(signals: [], onRunning: { port in
            continuation.yield(port)
            continuation.finish()
        })
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
        guard started else { throw GatewayConfigurationError(message: "the gateway is already started") }
        var bound: Int?
        for await port in ports { bound = port }
        guard let bound, bound > 0 else {
            let failure = await stop()
            throw GatewayConfigurationError(message:
                "cannot listen on \(configuration.host):\(configuration.port): \(failure.map { "\($0)" } ?? "no socket")")
        }
    }

    /// Drains (up to the grace period), stops and flushes the ledger.
    /// - Returns: the error the server stopped with, if any.
    @discardableResult
    package func stop() async -> (any Error)? {
        let (group, task) = lifecycle.withLock { lifecycle in
            defer { lifecycle = Lifecycle() }
            return (lifecycle.group, lifecycle.task)
        }
        guard let group, let task else { return nil }
        state.withLock { $0.draining = true }
        await group.triggerGracefulShutdown()
        let failure = await task.value
        await flushLedger()
        state.withLock { $0.port = nil }
        return failure
    }

    /// Serves until one of `signals` arrives (e.g. SIGTERM, SIGINT), then drains for the grace
    /// period and flushes the ledger. `onRunning` gets the bound port.
    /// - Throws: the server's error (e.g. the port is taken).
    /// Each of `reloadSignals` (e.g. SIGHUP) calls ``reload()`` and hands its report to `onReload`.
    package func run(until signals: [UnixSignal], reloadOn reloadSignals: [UnixSignal] = [],
                     onReload: @escaping @Sendable (ReloadReport) -> Void = { _ in },
                     onRunning: @escaping @Sendable (Int) -> Void) async throws {
        var extra: [any Service] = []
        if !reloadSignals.isEmpty {
            // Trapped before serving, so a signal sent once the port is printed never hits the
            // default action (SIGHUP would end the process).
            let trapped = await UnixSignalsSequence(trapping: reloadSignals)
            extra.append(ReloadService(gateway: self, signals: trapped, onReload: onReload))
        }
        let group = makeGroup(signals: signals, onRunning: onRunning, extra: extra)
        do {
            try await group.run()
        } catch {
            await flushLedger()
            throw error
        }
        await flushLedger()
    }

    private func flushLedger() async {
        do {
            try await ledger.flush()
        } catch {
            logger.error("ledger flush failed at stop", metadata: ["error": "\(error)"])
        }
    }

    private func makeGroup(signals: [UnixSignal], onRunning: @escaping @Sendable (Int) -> Void,
                           extra: [any Service] = []) -> ServiceGroup {
        let state = self.state
        let app = Application(
            responder: GatewayResponder(gateway: self),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "claude-router-gateway"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                state.withLock { $0.port = port }
                onRunning(port)
            },
            logger: logger)
        var config = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: signals, logger: logger)
        config.maximumGracefulShutdownDuration = configuration.drainGracePeriod
        let drainingFlag = DrainingService(state: state)
        config.services.append(.init(service: drainingFlag))
        for service in extra { config.services.append(.init(service: service)) }
        return ServiceGroup(configuration: config)
    }
}

/// The gateway's mutable state behind one lock, shared by the responder, the lifecycle and
/// the draining service (a class, so all hold the same lock).
final class SharedGatewayState: Sendable {
    private let mutex = Mutex(GatewayState())

    func withLock<T>(_ body: (inout GatewayState) -> T) -> T {
        mutex.withLock { body(&$0) }
    }

    /// One request (or stream) ended: wakes ``waitUntilIdle()`` when it was the last.
    func requestEnded() {
        let waiters = mutex.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.idleWaiters = [:] }
            return Array(state.idleWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no request is in flight, or when the calling task is cancelled.
    func waitUntilIdle() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = mutex.withLock { state -> Bool in
                    if state.inFlight <= 0 || Task.isCancelled { return true }
                    state.idleWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            mutex.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// Mutable gateway state shared by the responder and the lifecycle.
struct GatewayState {
    var port: Int?
    /// Set once shutdown began: `/readyz` answers 503 and new API calls are refused with 503, so
    /// load balancers stop sending while the listener stays open for the calls in flight.
    var draining = false
    /// Requests being handled (streams until their last byte).
    var inFlight = 0
    /// Who waits for ``inFlight`` to reach 0 (the draining service).
    var idleWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]
}

/// Drains when graceful shutdown starts (a signal included): marks the gateway draining, then
/// returns only once no request is in flight. The service group shuts its services down in
/// reverse order, each after the previous one returned, and this one is after the HTTP server:
/// so the listener stays open, answering `/readyz` with 503, until the drain is over (or the
/// group's grace period cancels it).
private struct DrainingService: Service {
    let state: SharedGatewayState

    func run() async throws {
        await withGracefulShutdownHandler {
            // Park until shutdown; `gracefulShutdown()` returns when it begins (or on cancellation).
            try? await gracefulShutdown()
        } onGracefulShutdown: {
            state.withLock { $0.draining = true }
        }
        state.withLock { $0.draining = true }
        await state.waitUntilIdle()
    }
}

/// Reloads the policy and keys files on each trapped signal until shutdown begins.
private struct ReloadService: Service {
    let gateway: Gateway
    let signals: UnixSignalsSequence
    let onReload: @Sendable (Gateway.ReloadReport) -> Void

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            onReload(await gateway.reload())
        }
    }
}

/// A gateway that cannot be configured or started as asked.
package struct GatewayConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the setting.
    package var message: String
    /// The message.
    package var description: String { message }
}
