import ArgumentParser
import ClaudeClient
import ClaudeRouterGateway
import Foundation
import Logging
import Metrics
import Prometheus
import Router
import RouterPolicies
import RouterPostgres
import ServiceLifecycle
import UnixSignals

/// `claude-router serve`: the Anthropic-compatible gateway (docs/GATEWAY.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run an Anthropic-compatible HTTP gateway: point any SDK's base URL at it; model `auto` is routed.",
        discussion: """
        POST /v1/messages (JSON and SSE), /v1/messages/count_tokens, GET /v1/models, the Message Batches \
        endpoints, /healthz, /readyz, /metrics (Prometheus), /dashboard. Model `auto` (or `auto:TASK`) is routed \
        by the policy; a concrete model id passes through, budgeted and recorded. The upstream key comes from \
        ANTHROPIC_API_KEY or --api-key-file only. Without --keys the gateway runs in development mode: loopback \
        only, any caller key accepted. SIGHUP re-reads the policy and keys files (a broken file keeps the previous \
        one and logs every error). SIGTERM/SIGINT drain requests in flight (--drain-seconds; meanwhile /readyz \
        answers 503 and new calls 503), flush the ledger and exit 0. Access log: one line per request on stdout (no prompt text, no keys).
        """)

    @Option(help: ArgumentHelp("Policy file (`default` for the bundled policy). A file is re-read when it changes and on SIGHUP.", valueName: "file"))
    var policy: String

    @Option(help: "Interface to bind (development mode allows loopback only).")
    var host: String = "127.0.0.1"

    @Option(help: "Port (0 picks a free port, printed at start).")
    var port: Int = 8080

    @Option(help: ArgumentHelp("Record every call in this ledger (SQLite; JSON Lines if it ends in .jsonl; PostgreSQL for a postgres:// URL, shared by several gateways); default: in memory.", valueName: "path"))
    var ledger: String?

    @Option(name: .customLong("response-cache"), help: ArgumentHelp(
        "Keep the policy's response cache in this SQLite file (default: beside a file ledger, else in memory).",
        valueName: "path"))
    var responseCache: String?

    @Option(help: ArgumentHelp("Callers' keys (YAML: SHA-256 hashes mapped to users/teams); without it: development mode.", valueName: "file"))
    var keys: String?

    @Option(name: .customLong("api-key-file"), help: ArgumentHelp(
        "Read the upstream Anthropic key from this file (default: $ANTHROPIC_API_KEY).", valueName: "file"))
    var apiKeyFile: String?

    @Option(help: ArgumentHelp("Price book (default: the policy's prices, else the bundled book).", valueName: "file"))
    var prices: String?

    @Option(name: .customLong("upstream-retries"), help: "Retries of a failed upstream request (429, 5xx, 529, connection) before the error is returned.")
    var upstreamRetries: Int = 2

    @Option(name: .customLong("drain-seconds"), help: "On SIGTERM/SIGINT, how long requests and streams in flight may take to finish.")
    var drainSeconds: Double = 30

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if !(0...10).contains(upstreamRetries) { throw ValidationError("--upstream-retries must be between 0 and 10") }
        guard drainSeconds.isFinite, (0...3600).contains(drainSeconds) else {
            throw ValidationError("--drain-seconds must be between 0 and 3600")
        }
    }

    func run() async throws {
        Self.bootstrapLogging()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let loaded = try Inputs.policy(policy)
        let book = try Inputs.prices(explicit: prices, policy: loaded)
        let gatewayKeys: GatewayKeys?
        do {
            gatewayKeys = try keys.map { try GatewayKeys.load(file: $0) }
        } catch {
            throw CLIError.data("\(error)")
        }
        let apiKey = try upstreamKey()
        let client = AnthropicClient(configuration: .init(apiKey: apiKey, baseURL: connection.baseURL, maxRetries: upstreamRetries))
        defer { client.shutdown() }
        let store: any CostLedger = try await LedgerFiles.open(ledger, postgresLogLevel: .info)
        // A policy file is watched (checked on calls, at most once a second); the bundled one is fixed.
        let source: ModelRouter.PolicySource = FileManager.default.fileExists(atPath: policy) ? .file(policy) : .policy(loaded)
        let logger = Logger(label: "claude-router.gateway")
        var routerOptions = budget.routerOptions(ledger: store)
        routerOptions.responseCache = try ResponseCacheFiles.forServe(ledger: ledger, explicit: responseCache)
        let router = try ModelRouter(policy: source, client: client, ledger: store, prices: book,
                                     options: routerOptions, logger: logger)
        try await router.restoreBudgets()
        let batchRegistry = try await Self.batchRegistry(ledger: store, path: ledger)
        var hummingbirdLogger = Logger(label: "claude-router.gateway.http")
        hummingbirdLogger.logLevel = .warning
        let gateway: Gateway
        do {
            gateway = try Gateway(
                router: router, client: client, ledger: store, batches: batchRegistry,
                configuration: .init(host: host, port: port, keys: gatewayKeys,
                                     drainGracePeriod: .milliseconds(Int64((drainSeconds * 1000).rounded())),
                                     metricsRegistry: registry, keysFile: keys),
                logger: hummingbirdLogger)
        } catch {
            throw CLIError("error: \(error)", status: .usage)
        }
        let banner = startBanner(policy: loaded, keys: gatewayKeys, ledgerPath: ledger.map(LedgerFiles.displayName))
        let host = self.host
        let keysFile = self.keys
        do {
            try await gateway.run(until: [.sigterm, .sigint], reloadOn: [.sighup], onReload: { report in
                // The summary, then each rejected file's diagnostics as written (no log prefix,
                // so every caret stays under its column).
                var parts = [report.policyErrors == nil ? "policy ok" : "policy edit rejected (previous policy kept)"]
                if keysFile != nil {
                    parts.append(report.keysErrors == nil
                        ? "keys ok (\(report.keyCount ?? 0) key(s))" : "keys file rejected (previous keys kept)")
                }
                Terminal.writeError("claude-router serve: SIGHUP: " + parts.joined(separator: ", "))
                for errors in [report.policyErrors, report.keysErrors].compactMap({ $0 }) { Terminal.writeError(errors) }
            }) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                Terminal.writeError(banner + "\nlistening on http://\(shown):\(bound)")
            }
        } catch {
            try? await store.close()
            // NIO's bind error reads "bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)";
            // say which address, as `mock-server` does (exit 70, like a port the mock cannot bind).
            if "\(error)".contains("(errno: \(EADDRINUSE))") {
                throw CLIError("error: cannot listen on \(host):\(port): the address is already in use", status: .failure)
            }
            throw CLIError("error: the gateway stopped: \(error)", status: .unavailable)
        }
        do {
            try await store.close()
        } catch {
            throw CLIError("error: closing the ledger failed: \(error)", status: .failure)
        }
        Terminal.writeError("claude-router serve: drained, ledger flushed, stopped")
    }

    /// The upstream key: `--api-key-file` (trimmed), else `ANTHROPIC_API_KEY`. Never printed.
    func upstreamKey() throws -> String {
        if let apiKeyFile {
            guard let data = FileManager.default.contents(atPath: apiKeyFile) else {
                throw CLIError("error: cannot read the API key file '\(apiKeyFile)'", status: .permission)
            }
            let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if key.isEmpty { throw CLIError("error: the API key file '\(apiKeyFile)' is empty", status: .permission) }
            return key
        }
        let key = ProcessInfo.processInfo.environment["ANTHROPIC_API_KEY"] ?? ""
        if key.isEmpty {
            throw CLIError("error: no upstream API key: set ANTHROPIC_API_KEY or give --api-key-file", status: .permission)
        }
        return key
    }

    /// Where the gateway remembers its batches (who submitted each, the metadata its results
    /// are recorded with, its budget hold): beside the ledger's records, so a restart or another
    /// gateway on the same ledger knows them — a table in a SQLite ledger file or PostgreSQL
    /// database, `LEDGER.batches.sqlite` beside a JSON Lines ledger, memory without a ledger.
    /// - Throws: ``CLIError`` (exit 65) when the table cannot be opened or created.
    static func batchRegistry(ledger: any CostLedger, path: String?) async throws -> any BatchRegistry {
        do {
            if let sqlite = ledger as? SQLiteLedger { return try SQLiteBatchRegistry(path: sqlite.path) }
            if let postgres = ledger as? PostgresLedger { return try await PostgresBatchRegistry(ledger: postgres) }
            if let path { return try SQLiteBatchRegistry(path: path + ".batches.sqlite") }
            return InMemoryBatchRegistry()
        } catch {
            throw CLIError.data("error: cannot open the batch table of the ledger '\(path.map(LedgerFiles.displayName) ?? "")': \(error)")
        }
    }

    func startBanner(policy: Policy, keys: GatewayKeys?, ledgerPath: String?) -> String {
        var lines = ["claude-router serve: policy '\(policy.name)', upstream \(connection.baseURL ?? ProcessInfo.processInfo.environment["ANTHROPIC_BASE_URL"] ?? "https://api.anthropic.com")"]
        lines.append("ledger: \(ledgerPath ?? "in memory (lost at exit; give --ledger PATH to keep records)")")
        if let keys {
            lines.append("keys: \(keys.count) caller key(s) from \(self.keys ?? "")")
        } else {
            lines.append("DEVELOPMENT MODE: no --keys file, so any caller key is accepted; bound to loopback only")
        }
        return lines.joined(separator: "\n")
    }

    /// Access log lines on stdout (one per request); everything else on stderr.
    static func bootstrapLogging() {
        LoggingSystem.bootstrap { label -> any LogHandler in
            // The access log writes one line per request: its handler formats the same line as
            // StreamLogHandler at a fraction of the cost (AccessLogHandler says why).
            if label == "claude-router.access" { return AccessLogHandler(label: label) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
    }
}
