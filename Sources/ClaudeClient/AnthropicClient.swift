public import Logging

/// Client for the Anthropic Messages API (messages, streaming, token counting, batches, models).
///
/// Thread-safe and `Sendable`: share one instance. Every call retries per the official SDKs'
/// policy (see `Configuration`), throws only `ClaudeError`, and logs at debug/trace without the
/// API key or any prompt/response text.
public final class AnthropicClient: Sendable {
    /// The settings in use.
    public let configuration: Configuration
    let transport: any HTTPTransport
    let logger: Logger

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
    }

    /// Stops the transport's event loop; in-flight calls fail with `cancelled`. Idempotent.
    public func shutdown() {
        transport.shutdown()
    }

    deinit {
        transport.shutdown()
    }
}
