public import Logging

/// Client for the Anthropic Messages API (messages, streaming, token counting, batches, models).
///
/// Thread-safe and `Sendable`: share one instance. Every call retries per the official SDKs'
/// policy (see `Configuration`), throws only `ClaudeError`, and logs at debug/trace without the
/// API key or any prompt/response text.
///
/// Its async methods run on the executor of the task that calls them (`nonisolated(nonsending)`,
/// SE-0461, https://github.com/swiftlang/swift-evolution/blob/main/proposals/0461-async-function-isolation.md):
/// called from an actor, the request is encoded and the reply decoded on that actor (tens of
/// microseconds for a typical reply, growing with its size); the network wait never holds it.
/// A stream read with `for try await` goes through `AsyncIteratorProtocol.next()`, which runs
/// on the generic executor.
public final class AnthropicClient: Sendable {
    /// The settings in use.
    public let configuration: Configuration
    let transport: any HTTPTransport
    let logger: Logger
    /// Header fields and base URL shared by every request (``RequestHeaders``).
    let requestHeaders: RequestHeaders

    /// Creates a client over libcurl.
    /// - Parameters:
    ///   - configuration: settings; the default reads `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL`.
    ///   - logger: where debug/trace lines go; the default discards them.
    public convenience init(
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "claude-client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        var transportConfiguration = CurlTransport.Configuration()
        transportConfiguration.eventLoop = configuration.eventLoop == .shared ? .shared : .dedicated
        self.init(
            configuration: configuration, transport: CurlTransport(configuration: transportConfiguration, logger: logger),
            logger: logger)
    }

    /// Creates a client over any transport (tests use an in-memory one).
    init(configuration: Configuration, transport: any HTTPTransport, logger: Logger) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.requestHeaders = RequestHeaders(configuration)
    }

    /// The executor of the client's network thread, for tasks that make many calls.
    ///
    /// A task that prefers it (`Task(executorPreference: client.taskExecutor) { … }`, or
    /// `withTaskExecutorPreference(client.taskExecutor) { … }` around a loop of calls) runs on
    /// the thread that drives libcurl: a request is attached, and its reply or each stream event
    /// handed back, without waking another thread — about a quarter less client CPU per call
    /// and per streamed reply (Benchmarks/README.md, "Task executor preference"). The trade: that
    /// task's own code runs on the network thread and delays every other call of this client
    /// while it runs, so keep heavy work (a large decode, file I/O, a long loop) in other tasks.
    /// Behaviour is otherwise the same: cancellation, retries, errors and back-pressure are
    /// unchanged. With ``EventLoopThreading/shared`` the jobs run on the default global dispatch
    /// queue, as without the preference (no hand-off saved). After ``shutdown()`` such tasks
    /// still run, so none is stranded, and their calls fail with `ClaudeError.cancelled`; call
    /// `shutdown()` (or drop the client) only once they are done with it.
    /// Keep the client alive while tasks prefer its executor.
    /// Source: SE-0417, "Task Executor Preference"
    /// (https://github.com/swiftlang/swift-evolution/blob/main/proposals/0417-task-executor-preference.md).
    public var taskExecutor: any TaskExecutor {
        transport.taskExecutor ?? globalConcurrentExecutor
    }

    /// Stops the transport's event loop; in-flight calls fail with `cancelled`. Idempotent.
    public func shutdown() {
        transport.shutdown()
    }

    deinit {
        transport.shutdown()
    }
}
