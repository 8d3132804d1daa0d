public import Logging
import Foundation

extension AnthropicClient {
    /// `POST /v1/messages/batches`: submits requests for asynchronous processing at 50% price.
    ///
    /// Each request is checked against the API version's rules (messages name its `custom_id`);
    /// the body may be up to 256 MB. `options` sets this call's `anthropic-version` (whose rules
    /// are checked) and extra betas.
    /// - Throws: `ClaudeError`.
    public func createBatch(_ batch: CreateBatchRequest, logger: Logger? = nil,
                            options: RequestOptions = .init()) async throws -> APIResponse<MessageBatch> {
        var batch = batch
        for index in batch.requests.indices {
            batch.requests[index].params.stream = nil
            try RequestValidation.checkVersionRules(
                batch.requests[index].params, version: version(options),
                place: "requests[\(index)] (custom_id \(batch.requests[index].customID)): ")
        }
        let body = try encodeBody(batch, what: "CreateBatchRequest")
        try RequestValidation.checkBodySize(body.count, limit: RequestValidation.batchBodyLimit, what: "Batch")
        return try await send(
            Endpoint(method: .post, path: "/v1/messages/batches", body: body, options: options), as: MessageBatch.self,
            logger: logger)
    }

    /// `GET /v1/messages/batches/{id}`.
    /// - Throws: `ClaudeError`.
    public func retrieveBatch(id: String, logger: Logger? = nil) async throws -> APIResponse<MessageBatch> {
        let segment = try Self.pathSegment(id, what: "batch id")
        return try await send(
            Endpoint(method: .get, path: "/v1/messages/batches/\(segment)"), as: MessageBatch.self, logger: logger)
    }

    /// `GET /v1/messages/batches`: one page, newest first.
    /// - Parameters:
    ///   - limit: items per page (API default 20, max 1000).
    ///   - beforeID: page backwards from this id.
    ///   - afterID: page forwards from this id (use the previous page's `lastID`).
    /// - Throws: `ClaudeError`.
    public func listBatches(
        limit: Int? = nil, beforeID: String? = nil, afterID: String? = nil, logger: Logger? = nil
    ) async throws -> APIResponse<MessageBatchPage> {
        try await send(
            Endpoint(
                method: .get, path: "/v1/messages/batches",
                query: Self.pageQuery(limit: limit, beforeID: beforeID, afterID: afterID)),
            as: MessageBatchPage.self, logger: logger)
    }

    /// `POST /v1/messages/batches/{id}/cancel`.
    /// - Throws: `ClaudeError`.
    public func cancelBatch(id: String, logger: Logger? = nil) async throws -> APIResponse<MessageBatch> {
        let segment = try Self.pathSegment(id, what: "batch id")
        return try await send(
            Endpoint(method: .post, path: "/v1/messages/batches/\(segment)/cancel"), as: MessageBatch.self,
            logger: logger)
    }

    /// `GET /v1/messages/batches/{id}/results`: the JSONL results, decoded line by line as the
    /// body streams (a large batch is never held in memory). The request is retried until the
    /// body starts; the stream's errors are `ClaudeError`s.
    /// - Throws: `ClaudeError`.
    public func batchResults(id: String, logger: Logger? = nil) async throws -> AsyncThrowingStream<BatchResult, any Error> {
        let segment = try Self.pathSegment(id, what: "batch id")
        let logger = logger ?? self.logger
        let endpoint = Endpoint(method: .get, path: "/v1/messages/batches/\(segment)/results", streaming: true)
        let request = try makeHTTPRequest(endpoint)
        let (response, attempts) = try await withRetries(endpoint, logger: logger) {
            (number: Int) async -> AttemptOutcome<HTTPStreamingResponse> in
            self.logAttempt(request, endpoint: endpoint, number: number, logger: logger)
            let response: HTTPStreamingResponse
            do {
                response = try await self.transport.stream(request)
            } catch {
                return self.transportFailure(error, number: number)
            }
            self.logResponse(response.head, endpoint: endpoint, number: number, logger: logger)
            guard (200..<300).contains(response.head.status) else {
                let body = await Self.collectErrorBody(response.body)
                return self.statusFailure(head: response.head, body: body, number: number)
            }
            return .success(response)
        }
        let reader = JSONLinesReader(
            body: response.body, requestID: sanitizedHeader(response.head, "request-id"), attempts: attempts)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    static func pageQuery(limit: Int?, beforeID: String?, afterID: String?) -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if let limit { query.append(("limit", String(limit))) }
        if let beforeID { query.append(("before_id", beforeID)) }
        if let afterID { query.append(("after_id", afterID)) }
        return query
    }
}

/// Splits a streamed JSONL body into lines and decodes each as a `BatchResult`.
///
/// An actor because `AsyncThrowingStream(unfolding:)` needs a `Sendable` closure with state.
actor JSONLinesReader {
    private let body: HTTPBodyStream
    private let requestID: String?
    private let attempts: Int
    private var buffer: [UInt8] = []
    private var lineStart = 0
    private var lineNumber = 0
    private var finished = false

    init(body: HTTPBodyStream, requestID: String?, attempts: Int) {
        self.body = body
        self.requestID = requestID
        self.attempts = attempts
    }

    deinit { body.cancel() }

    /// The next result, `nil` at the end of the body.
    func next() async throws -> BatchResult? {
        while true {
            if let line = takeLine() {
                lineNumber += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do {
                    return try JSONDecoder().decode(BatchResult.self, from: Data(line))
                } catch {
                    finish()
                    throw ClaudeError(
                        code: .decoding,
                        message: "batch results line \(lineNumber): \(MessageStreamEventDecoder.describe(error))",
                        requestID: requestID, attempts: attempts)
                }
            }
            if finished { return nil }
            let chunk: [UInt8]?
            do {
                chunk = try await body.nextChunk()
            } catch {
                finish()
                let cancelled = (error as? TransportError)?.kind == .cancelled || error is CancellationError
                throw ClaudeError(
                    code: cancelled ? .cancelled : .streamInterrupted,
                    message: "batch results broke after line \(lineNumber)", requestID: requestID, attempts: attempts)
            }
            if let chunk {
                if lineStart > 0 {
                    buffer.removeSubrange(0..<lineStart)
                    lineStart = 0
                }
                buffer.append(contentsOf: chunk)
            } else {
                finished = true
                // A last line without a trailing newline.
                if lineStart < buffer.count { buffer.append(0x0A) }
            }
        }
    }

    private func takeLine() -> ArraySlice<UInt8>? {
        guard let newline = buffer[lineStart...].firstIndex(of: 0x0A) else { return nil }
        let line = buffer[lineStart..<newline]
        lineStart = newline + 1
        return line
    }

    private func finish() {
        finished = true
        buffer = []
        lineStart = 0
        body.cancel()
    }
}
