import Foundation

/// One Message Batch held in memory. Results are computed when the batch is created (they are
/// deterministic) and revealed once the configured processing time has passed.
struct MockBatch: Sendable {
    var id: String
    var createdAt: Date
    var readyAt: Date
    var cancelInitiatedAt: Date?
    /// `custom_id` and its `result` object, in request order.
    var results: [(customID: String, result: MockJSON)]

    enum Phase { case inProgress, canceling, ended }

    func phase(at now: Date) -> Phase {
        if cancelInitiatedAt != nil { return .ended }
        return now >= readyAt ? .ended : .inProgress
    }

    /// The results as reported once ended: all `canceled` when a cancel came first.
    var finalResults: [(customID: String, result: MockJSON)] {
        guard cancelInitiatedAt != nil else { return results }
        return results.map { ($0.customID, MockJSON.object([("type", "canceled")])) }
    }

    func json(phase: Phase, baseURL: String) -> MockJSON {
        var counts = ["processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0]
        let status: String
        switch phase {
        case .inProgress, .canceling:
            counts["processing"] = results.count
            status = phase == .inProgress ? "in_progress" : "canceling"
        case .ended:
            for (_, result) in finalResults {
                counts[result["type"]?.stringValue ?? "errored", default: 0] += 1
            }
            status = "ended"
        }
        let endedAt = phase == .ended ? (cancelInitiatedAt ?? readyAt) : nil
        let countKeys = ["processing", "succeeded", "errored", "canceled", "expired"]
        return .object([
            ("id", .string(id)), ("type", "message_batch"), ("processing_status", .string(status)),
            ("request_counts", .object(countKeys.map { ($0, .int(counts[$0] ?? 0)) })),
            ("ended_at", endedAt.map { $0.ISO8601Format() }.json),
            ("created_at", .string(createdAt.ISO8601Format())),
            ("expires_at", .string(createdAt.addingTimeInterval(24 * 3600).ISO8601Format())),
            ("archived_at", .null),
            ("cancel_initiated_at", cancelInitiatedAt.map { $0.ISO8601Format() }.json),
            ("results_url", phase == .ended ? .string("\(baseURL)/v1/messages/batches/\(id)/results") : .null),
        ])
    }
}

/// The Message Batches endpoints.
extension MockResponder {
    func createBatch(json: MockJSON, version: String) throws(MockAPIError) -> MockReplyOutput {
        guard let requests = json["requests"]?.arrayValue else { throw .invalid("requests: Field required") }
        guard !requests.isEmpty else { throw .invalid("requests: at least one request is required") }
        guard requests.count <= 100_000 else { throw .invalid("requests: at most 100000 requests per batch") }
        let batchNumber = state.withLock { state -> Int in
            state.batchSequence += 1
            return state.batchSequence
        }
        let id = mockID("msgbatch_mock_", batchNumber)
        var seen: Set<String> = []
        var results: [(String, MockJSON)] = []
        for (index, item) in requests.enumerated() {
            guard let customID = item["custom_id"]?.stringValue, !customID.isEmpty, customID.count <= 64 else {
                throw .invalid("requests.\(index).custom_id: must be a string of 1 to 64 characters")
            }
            guard seen.insert(customID).inserted else {
                throw .invalid("requests.\(index).custom_id: duplicate custom_id '\(customID)'")
            }
            guard let params = item["params"], params.isObject else {
                throw .invalid("requests.\(index).params: Field required")
            }
            let messageID = mockID(mockID("msg_mock_b", batchNumber) + "_", index, width: 6)
            results.append((customID, batchResult(params: params, version: version, messageID: messageID, batchID: id)))
        }
        let now = Date()
        let delay = configuration.batchProcessingTime
        let seconds = delay / .seconds(1)
        let batch = MockBatch(id: id, createdAt: now, readyAt: now.addingTimeInterval(seconds),
                              cancelInitiatedAt: nil, results: results)
        let baseURL = state.withLock { state -> String in
            state.batches[id] = batch
            state.batchOrder.append(id)
            return state.baseURL ?? ""
        }
        // Create always answers `in_progress`, like the API, even with a zero processing time.
        return MockReplyOutput(body: .json(batch.json(phase: .inProgress, baseURL: baseURL)))
    }

    /// One result line's `result`, computed exactly like `POST /v1/messages` would reply.
    private func batchResult(params: MockJSON, version: String, messageID: String, batchID: String) -> MockJSON {
        let request: MockMessageRequest
        do {
            request = try MockMessageRequest(json: params, version: version)
        } catch {
            return .object([("type", "errored"), ("error", error.body(requestID: batchID))])
        }
        let directive = MockDirective.select(in: request.lastUserText, model: request.model) ?? MockDirective()
        if let error = MockAPIError.scripted(by: directive) {
            return .object([("type", "errored"), ("error", error.body(requestID: batchID))])
        }
        if let outcome = directive.batchOutcome { return .object([("type", .string(outcome))]) }
        let reply = MockReply(request: request, directive: directive, messageID: messageID,
                              toolID: messageID.replacingOccurrences(of: "msg_", with: "toolu_"))
        return .object([("type", "succeeded"), ("message", reply.message)])
    }

    private func lookup(_ id: String) throws(MockAPIError) -> (MockBatch, String) {
        let found = state.withLock { ($0.batches[id], $0.baseURL ?? "") }
        guard let batch = found.0 else { throw MockAPIError(status: 404, message: "No batch with id '\(id)' (mock)") }
        return (batch, found.1)
    }

    func retrieveBatch(id: String) throws(MockAPIError) -> MockReplyOutput {
        let (batch, baseURL) = try lookup(id)
        return MockReplyOutput(body: .json(batch.json(phase: batch.phase(at: Date()), baseURL: baseURL)))
    }

    func listBatches(query: [String: String]) throws(MockAPIError) -> MockReplyOutput {
        let (batches, baseURL) = state.withLock { state in
            (state.batchOrder.reversed().compactMap { state.batches[$0] }, state.baseURL ?? "")
        }
        let now = Date()
        let page = try Self.page(batches.map(\.id), query: query)
        let data = batches[page.range].map { $0.json(phase: $0.phase(at: now), baseURL: baseURL) }
        return MockReplyOutput(body: .json(Self.pageJSON(data: data, ids: Array(batches[page.range].map(\.id)),
                                                         hasMore: page.hasMore)))
    }

    func batchResults(id: String) throws(MockAPIError) -> MockReplyOutput {
        let (batch, _) = try lookup(id)
        guard batch.phase(at: Date()) == .ended else {
            throw .invalid("Batch '\(id)' is still processing; results are available once it has ended")
        }
        let lines = batch.finalResults.map { MockJSON.object([("custom_id", .string($0.customID)), ("result", $0.result)]) }
        return MockReplyOutput(body: .jsonLines(lines))
    }

    func cancelBatch(id: String) throws(MockAPIError) -> MockReplyOutput {
        let now = Date()
        let outcome = state.withLock { state -> (MockBatch, MockBatch.Phase, String)? in
            guard var batch = state.batches[id] else { return nil }
            if batch.phase(at: now) == .inProgress {
                batch.cancelInitiatedAt = now
                state.batches[id] = batch
                // The cancel reply itself says `canceling`; the next read finds it ended.
                return (batch, .canceling, state.baseURL ?? "")
            }
            return (batch, .ended, state.baseURL ?? "")
        }
        guard let (batch, phase, baseURL) = outcome else {
            throw MockAPIError(status: 404, message: "No batch with id '\(id)' (mock)")
        }
        return MockReplyOutput(body: .json(batch.json(phase: phase, baseURL: baseURL)))
    }

    // MARK: Paging (`limit`, `after_id`, `before_id`), shared with the models list

    static func page(_ ids: [String], query: [String: String]) throws(MockAPIError) -> (range: Range<Int>, hasMore: Bool) {
        var limit = 20
        if let text = query["limit"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw .invalid("limit: must be an integer between 1 and 1000")
            }
            limit = value
        }
        if let before = query["before_id"] {
            let end = ids.firstIndex(of: before) ?? 0
            let start = max(0, end - limit)
            return (start..<end, start > 0)
        }
        var start = 0
        if let after = query["after_id"] { start = (ids.firstIndex(of: after) ?? ids.count - 1) + 1 }
        start = min(max(start, 0), ids.count)
        let end = min(start + limit, ids.count)
        return (start..<end, end < ids.count)
    }

    static func pageJSON(data: [MockJSON], ids: [String], hasMore: Bool) -> MockJSON {
        .object([
            ("data", .array(data)), ("has_more", .bool(hasMore)),
            ("first_id", ids.first.json), ("last_id", ids.last.json),
        ])
    }
}
