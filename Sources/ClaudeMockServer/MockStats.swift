/// The endpoints the mock serves, as counted in ``MockStats``.
public enum MockEndpoint: String, Sendable, CaseIterable, Hashable {
    case messages = "POST /v1/messages"
    case countTokens = "POST /v1/messages/count_tokens"
    case createBatch = "POST /v1/messages/batches"
    case listBatches = "GET /v1/messages/batches"
    case retrieveBatch = "GET /v1/messages/batches/{id}"
    case batchResults = "GET /v1/messages/batches/{id}/results"
    case cancelBatch = "POST /v1/messages/batches/{id}/cancel"
    case listModels = "GET /v1/models"
    case retrieveModel = "GET /v1/models/{id}"
    /// Any path or method the mock does not serve (answered with 404 `not_found_error`).
    case unknown = "unknown"
}

/// What the mock saw of one request. Credentials are never stored: only whether each kind was
/// sent, and the header names.
public struct MockRecordedRequest: Sendable, Equatable {
    /// Sequence number (1-based), the same number as in the reply's `request-id`.
    public var sequence: Int
    /// `GET` / `POST` / …
    public var method: String
    /// The request path without the query.
    public var path: String
    /// The endpoint the path resolved to.
    public var endpoint: MockEndpoint
    /// Lower-cased names of every header received, in order.
    public var headerNames: [String]
    /// Whether an `x-api-key` header was present (its value is never kept).
    public var hasAPIKeyHeader: Bool
    /// Whether an `authorization` header was present (its value is never kept).
    public var hasAuthorizationHeader: Bool
    /// The `anthropic-version` header, if sent (not a secret).
    public var anthropicVersion: String?
    /// The `anthropic-beta` header, if sent (not a secret).
    public var anthropicBeta: String?
    /// The `x-mock-fault` header, if sent.
    public var mockFaultHeader: String?
    /// Remote `address:port` of the TCP connection that carried the request.
    public var remoteAddress: String?
}

/// Counters of a running mock, read with ``MockAnthropicServer/stats``.
public struct MockStats: Sendable, Equatable {
    /// Requests received per endpoint.
    public var requestsByEndpoint: [MockEndpoint: Int] = [:]
    /// All requests received.
    public var totalRequests = 0
    /// Requests to `POST /v1/messages` with `"stream": true`.
    public var streamingRequests = 0
    /// Distinct TCP connections seen (distinct remote `address:port` of the requests' channels).
    public var connectionsAccepted = 0
    /// Requests in progress right now (from receipt until their response body is written).
    public var inFlightRequests = 0
    /// The most requests that were in progress at the same time.
    public var maxConcurrentRequests = 0
    /// Response body bytes written (headers not counted).
    public var bytesSent = 0
    /// Enqueued faults not yet consumed by a request.
    public var pendingFaults = 0
    /// The most recent requests, oldest first, bounded by ``MockAnthropicServer/Configuration/requestLogLimit``.
    public var recentRequests: [MockRecordedRequest] = []
    /// The raw JSON body of the most recent request that had one (messages, count_tokens,
    /// batches), exactly as received: lets a test see what a proxy in front forwarded.
    public var lastRequestBody: [UInt8]?

    /// Requests received for `endpoint` (0 when none).
    public func requests(to endpoint: MockEndpoint) -> Int {
        requestsByEndpoint[endpoint, default: 0]
    }
}
