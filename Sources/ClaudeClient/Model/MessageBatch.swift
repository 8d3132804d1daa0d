/// One entry of a batch: `{"custom_id":…,"params":{Messages request}}`.
public struct BatchRequestItem: Sendable, Hashable, Codable {
    /// Caller's id, echoed in the result line.
    public var customID: String
    /// The Messages request (without `stream`).
    public var params: MessageRequest

    /// Creates an item.
    public init(customID: String, params: MessageRequest) {
        self.customID = customID
        self.params = params
    }

    enum CodingKeys: String, CodingKey {
        case params
        case customID = "custom_id"
    }
}

/// The body of `POST /v1/messages/batches`.
public struct CreateBatchRequest: Sendable, Hashable, Codable {
    /// The requests (processed at 50% of the normal price per docs/ANTHROPIC-API.md).
    public var requests: [BatchRequestItem]
    /// Creates a batch body.
    public init(requests: [BatchRequestItem]) { self.requests = requests }
}

/// A Message Batch as the API reports it. Timestamps are kept as RFC 3339 strings.
public struct MessageBatch: Sendable, Hashable, Codable {
    /// `in_progress`, `canceling`, `ended`, or a newer value.
    public struct ProcessingStatus: RawRepresentable, Sendable, Hashable, Codable {
        /// The wire value.
        public var rawValue: String
        /// Wraps any wire value.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Still processing.
        public static let inProgress = ProcessingStatus(rawValue: "in_progress")
        /// Cancel requested.
        public static let canceling = ProcessingStatus(rawValue: "canceling")
        /// Done; results are available.
        public static let ended = ProcessingStatus(rawValue: "ended")

        // Codable: the standard library encodes a String-backed RawRepresentable as the bare string.
    }

    /// Per-outcome request counts.
    public struct RequestCounts: Sendable, Hashable, Codable {
        /// Not finished yet.
        public var processing: Int
        /// Finished with a message.
        public var succeeded: Int
        /// Finished with an error.
        public var errored: Int
        /// Canceled before processing.
        public var canceled: Int
        /// Not processed before the batch expired.
        public var expired: Int

        /// Creates counts (all 0 by default).
        public init(processing: Int = 0, succeeded: Int = 0, errored: Int = 0, canceled: Int = 0, expired: Int = 0) {
            self.processing = processing
            self.succeeded = succeeded
            self.errored = errored
            self.canceled = canceled
            self.expired = expired
        }
    }

    /// Batch id (`msgbatch_…`).
    public var id: String
    /// Always `message_batch`.
    public var type: String
    /// Processing state.
    public var processingStatus: ProcessingStatus
    /// Counts per outcome.
    public var requestCounts: RequestCounts
    /// When processing ended.
    public var endedAt: String?
    /// When the batch was created.
    public var createdAt: String
    /// When unprocessed requests expire.
    public var expiresAt: String?
    /// When results were archived.
    public var archivedAt: String?
    /// When cancellation was requested.
    public var cancelInitiatedAt: String?
    /// URL of the JSONL results, once ended.
    public var resultsURL: String?

    /// Creates a batch description.
    public init(
        id: String, type: String = "message_batch", processingStatus: ProcessingStatus,
        requestCounts: RequestCounts = RequestCounts(), endedAt: String? = nil, createdAt: String,
        expiresAt: String? = nil, archivedAt: String? = nil, cancelInitiatedAt: String? = nil, resultsURL: String? = nil
    ) {
        self.id = id
        self.type = type
        self.processingStatus = processingStatus
        self.requestCounts = requestCounts
        self.endedAt = endedAt
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.archivedAt = archivedAt
        self.cancelInitiatedAt = cancelInitiatedAt
        self.resultsURL = resultsURL
    }

    enum CodingKeys: String, CodingKey {
        case id, type
        case processingStatus = "processing_status"
        case requestCounts = "request_counts"
        case endedAt = "ended_at"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case archivedAt = "archived_at"
        case cancelInitiatedAt = "cancel_initiated_at"
        case resultsURL = "results_url"
    }
}

/// A page of `GET /v1/messages/batches` (or `/v1/models`): `{data, has_more, first_id, last_id}`.
public struct Page<Item: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    /// Items, newest first.
    public var data: [Item]
    /// Whether another page exists.
    public var hasMore: Bool
    /// Id of the first item (pass as `beforeID` to page backwards).
    public var firstID: String?
    /// Id of the last item (pass as `afterID` for the next page).
    public var lastID: String?

    /// Creates a page.
    public init(data: [Item], hasMore: Bool, firstID: String? = nil, lastID: String? = nil) {
        self.data = data
        self.hasMore = hasMore
        self.firstID = firstID
        self.lastID = lastID
    }

    enum CodingKeys: String, CodingKey {
        case data
        case hasMore = "has_more"
        case firstID = "first_id"
        case lastID = "last_id"
    }
}

/// A page of batches.
public typealias MessageBatchPage = Page<MessageBatch>

/// The error object of an API error body or a failed batch entry: `{"type":…,"message":…}`.
public struct APIErrorDetail: Sendable, Hashable, Codable {
    /// e.g. `overloaded_error`.
    public var type: String
    /// Human-readable message from the API.
    public var message: String
    /// Creates a detail.
    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }
}

/// One line of a batch's JSONL results: `{"custom_id":…,"result":{"type":…,…}}`.
public struct BatchResult: Sendable, Hashable, Codable {
    /// What happened to one request.
    public enum Outcome: Sendable, Hashable {
        case succeeded(Message)
        case errored(APIErrorDetail)
        case canceled
        case expired
        /// A newer result type, kept raw.
        case unknown(type: String, raw: JSONValue)
    }

    /// The caller's `custom_id`.
    public var customID: String
    /// The outcome.
    public var result: Outcome

    /// Creates a result.
    public init(customID: String, result: Outcome) {
        self.customID = customID
        self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case result
        case customID = "custom_id"
    }
}

extension BatchResult.Outcome: Codable {
    private enum CodingKeys: String, CodingKey { case type, message, error }
    // Errored entries wrap the API error body: {"type":"errored","error":{"type":"error","error":{…}}}.
    private struct ErrorEnvelope: Codable {
        var type: String?
        var error: APIErrorDetail
    }

    /// Decodes by the result's `type`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "succeeded":
            self = .succeeded(try container.decode(Message.self, forKey: .message))
        case "errored":
            if let envelope = try? container.decode(ErrorEnvelope.self, forKey: .error) {
                self = .errored(envelope.error)
            } else {
                self = .errored(try container.decode(APIErrorDetail.self, forKey: .error))
            }
        case "canceled": self = .canceled
        case "expired": self = .expired
        default: self = .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }

    /// Encodes with the result's `type`.
    public func encode(to encoder: any Encoder) throws {
        if case .unknown(_, let raw) = self {
            try raw.encode(to: encoder)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .succeeded(let message):
            try container.encode("succeeded", forKey: .type)
            try container.encode(message, forKey: .message)
        case .errored(let detail):
            try container.encode("errored", forKey: .type)
            try container.encode(ErrorEnvelope(type: "error", error: detail), forKey: .error)
        case .canceled: try container.encode("canceled", forKey: .type)
        case .expired: try container.encode("expired", forKey: .type)
        case .unknown: break
        }
    }
}

/// A model from `GET /v1/models`.
public struct ModelInfo: Sendable, Hashable, Codable {
    /// Model id, e.g. `claude-sonnet-4-5-20250929`.
    public var id: String
    /// Always `model`.
    public var type: String
    /// Human-readable name.
    public var displayName: String
    /// RFC 3339 release time.
    public var createdAt: String

    /// Creates a model description.
    public init(id: String, type: String = "model", displayName: String, createdAt: String) {
        self.id = id
        self.type = type
        self.displayName = displayName
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, type
        case displayName = "display_name"
        case createdAt = "created_at"
    }
}

/// A page of models.
public typealias ModelPage = Page<ModelInfo>
