import Foundation

extension AnthropicClient {
    /// The Messages API version sent as `anthropic-version` (docs/ANTHROPIC-API.md "Wire basics").
    public struct APIVersion: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The header value.
        public var rawValue: String
        /// Wraps any version string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The current version (default): sampling parameters and some block placements are 400s.
        public static let v2026_10_21 = APIVersion(rawValue: "2026-10-21")
        /// The previous version, still accepted; allows `temperature`, `top_p`, `top_k`.
        public static let v2023_06_01 = APIVersion(rawValue: "2023-06-01")
        /// The header value.
        public var description: String { rawValue }

        /// Whether the 2026-10-21 request rules apply (every version except 2023-06-01).
        var hasStrictRequestRules: Bool { self != .v2023_06_01 }
    }

    /// How the API key is sent.
    public enum AuthScheme: Sendable, Hashable {
        /// `x-api-key: KEY` (the docs' curl examples). Default.
        case apiKeyHeader
        /// `Authorization: Bearer KEY` (the new official SDK majors).
        case bearer
    }

    /// Where the client waits for the network (its libcurl event loop). Both modes serve any
    /// number of concurrent calls without a thread per call; they differ in whether the client
    /// has a thread of its own while calls are in flight. Figures: Benchmarks/README.md.
    public enum EventLoopThreading: String, Sendable, Hashable, CaseIterable {
        /// One dispatch worker of the client's own blocks in `curl_multi_poll` while calls are
        /// in flight (none while idle): the least CPU per call. The default.
        case dedicated
        /// No thread of the client's own: libcurl's multi_socket API on dispatch sources, with
        /// handlers on the worker threads Swift's default executor already runs (a process
        /// streaming 1,000 replies keeps 4 threads on 2 cores). One more hand-off per network
        /// event costs some CPU per call; pick it when threads are the scarcer resource (many
        /// clients in one process, thread-limited containers).
        case shared
    }

    /// Client settings. Every field has a documented default; `description` hides the key.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// API key. Default: environment `ANTHROPIC_API_KEY`. Calls fail with
        /// `refusedClientSide` when it is `nil` or empty.
        public var apiKey: String?
        /// Base URL without a trailing path. Default: environment `ANTHROPIC_BASE_URL`, else
        /// `https://api.anthropic.com`.
        public var baseURL: String
        /// Time allowed to connect. Default 5 s.
        public var connectTimeout: Duration
        /// Time allowed for one whole non-streaming HTTP exchange, body included; for a stream,
        /// the longest silence (no byte received) before it fails with `timeout`, so long
        /// generations are never cut off. Default 600 s (the official SDKs' 10 minutes). Also
        /// bounds non-streaming `max_tokens` (see `createMessage`).
        public var requestTimeout: Duration
        /// Retries after the first attempt. Default 2 (3 attempts), as the official SDKs.
        public var maxRetries: Int
        /// The longest server-requested wait (`retry-after[-ms]`) obeyed. Longer waits fail at
        /// once with `rateLimited`/`overloaded` carrying the wait. Default 60 s.
        public var maxRetryWait: Duration
        /// `anthropic-version`. Default `.v2026_10_21`.
        public var apiVersion: APIVersion
        /// Beta feature names, sent joined by commas as `anthropic-beta`. Default none.
        public var betas: [String]
        /// Extra headers sent on every request (they replace a default header of the same
        /// name). Default none.
        public var extraHeaders: [String: String]
        /// How the key is sent. Default `.apiKeyHeader`.
        public var authScheme: AuthScheme
        /// Where the client waits for the network. Default `.dedicated`.
        public var eventLoop: EventLoopThreading

        /// Sleeps between retries; tests inject a recorder. Default `Task.sleep(for:)`.
        var sleep: @Sendable (Duration) async throws -> Void
        /// Uniform random number in `0..<1` for retry jitter. Default `Double.random(in:)`.
        var random: @Sendable () -> Double
        /// Current wall-clock time, for HTTP-date `retry-after`. Default `Date()`.
        var now: @Sendable () -> Date

        /// Creates a configuration; `nil` for `apiKey`/`baseURL` reads the environment.
        public init(
            apiKey: String? = nil,
            baseURL: String? = nil,
            connectTimeout: Duration = .seconds(5),
            requestTimeout: Duration = .seconds(600),
            maxRetries: Int = 2,
            maxRetryWait: Duration = .seconds(60),
            apiVersion: APIVersion = .v2026_10_21,
            betas: [String] = [],
            extraHeaders: [String: String] = [:],
            authScheme: AuthScheme = .apiKeyHeader,
            eventLoop: EventLoopThreading = .dedicated
        ) {
            let environment = ProcessInfo.processInfo.environment
            self.apiKey = apiKey ?? environment["ANTHROPIC_API_KEY"]
            let base = baseURL ?? environment["ANTHROPIC_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            self.baseURL = base ?? "https://api.anthropic.com"
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxRetries = max(0, maxRetries)
            self.maxRetryWait = maxRetryWait
            self.apiVersion = apiVersion
            self.betas = betas
            self.extraHeaders = extraHeaders
            self.authScheme = authScheme
            self.eventLoop = eventLoop
            self.sleep = { try await Task.sleep(for: $0) }
            self.random = { Double.random(in: 0..<1) }
            self.now = { Date() }
        }

        /// Settings without the key (shows only whether one is set).
        public var description: String {
            "Configuration(baseURL: \(baseURL), apiKey: \(apiKey.map { $0.isEmpty ? "empty" : "set" } ?? "nil"), "
                + "apiVersion: \(apiVersion), maxRetries: \(maxRetries), maxRetryWait: \(maxRetryWait), "
                + "connectTimeout: \(connectTimeout), requestTimeout: \(requestTimeout), betas: \(betas), "
                + "extraHeaders: \(extraHeaders.keys.sorted()), eventLoop: \(eventLoop.rawValue))"
        }

        /// Same as `description`: the key is never printed.
        public var debugDescription: String { description }

        /// What `dump` shows: every setting except the key itself.
        public var customMirror: Mirror {
            Mirror(
                self,
                children: [
                    "apiKey": apiKey.map { _ in Redaction.placeholder } as Any, "baseURL": baseURL,
                    "connectTimeout": connectTimeout, "requestTimeout": requestTimeout, "maxRetries": maxRetries,
                    "maxRetryWait": maxRetryWait, "apiVersion": apiVersion, "betas": betas,
                    "extraHeaders": extraHeaders.keys.sorted(), "authScheme": authScheme, "eventLoop": eventLoop,
                ], displayStyle: .struct)
        }
    }
}
