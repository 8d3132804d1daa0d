import ClaudeClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Router
import RouterPolicies

/// The Message Batches endpoints.
extension GatewayResponder {
    // MARK: batches

    /// `POST /v1/messages/batches`: passed through. Requests with model `auto` (or `auto:TASK`)
    /// get the model the router picks first, so a batch is routed like single calls. Its worst
    /// case at the batch price is held against the budgets until its results are recorded. The
    /// batch is remembered (``BatchRegistry``) with its submitter (`user` of the caller's key),
    /// the metadata its hold was reserved under, and the hold.
    func createBatch(_ request: Request, context: Context, caller: GatewayKeys.Caller?,
                     facts: inout AccessFacts) async throws -> Response {
        var body = try await decodeBody(CreateBatchRequest.self, request, context: context)
        for index in body.requests.indices {
            var params = body.requests[index].params
            var model = params.model
            let options = try await callOptions(request.headers, model: &model, caller: caller)
            if model == "auto" || model.isEmpty {
                params.model = "auto"
                let decision = await gateway.router.decision(for: params, options: options)
                params.model = decision.model
                if params.maxTokens <= 0 { params.maxTokens = decision.maxTokens }
            }
            body.requests[index].params = params
        }
        var batchModel = ""
        let batchOptions = try await callOptions(request.headers, model: &batchModel, caller: caller)
        let hold = try await gateway.router.reserveBatch(body.requests.map(\.params), options: batchOptions)
        let created: APIResponse<MessageBatch>
        do {
            created = try await gateway.client.createBatch(body, options: batchOptions.request)
        } catch {
            await gateway.router.releaseBatch(hold)
            throw error
        }
        let submission = BatchSubmission(
            batchID: created.body.id, owner: caller?.user, metadata: batchOptions.metadata,
            hold: hold.reservation.ruleNames.isEmpty ? nil : SavedBatchHold(hold), createdAt: Date())
        do {
            try await gateway.batches.remember(submission)
        } catch {
            // The batch exists and will be billed: this process keeps it, so its submitter can
            // still reach it here and its results are recorded and settle its hold.
            gateway.unsavedBatches.withLock { $0[submission.batchID] = submission }
            gateway.logger.error("batch submission not stored; kept in this process only",
                                 metadata: ["batch": "\(submission.batchID)", "error": "\(error)"])
        }
        return try json(Self.throughGateway(created.body, base: callerBaseURL(request)),
                        headers: (created.requestID.map { [("request-id", $0)] } ?? []) + Self.rateLimitHeaders(created.rateLimit))
    }

    /// The remembered submissions among `ids` (this process's unsaved ones included).
    /// - Throws: the registry's error (the request then fails: ownership is never guessed).
    func submissions(_ ids: [String]) async throws -> [String: BatchSubmission] {
        var found = try await gateway.batches.submissions(ids)
        gateway.unsavedBatches.withLock { unsaved in
            for id in ids where found[id] == nil { found[id] = unsaved[id] }
        }
        return found
    }

    /// The submission of batch `id` when `caller` may see it. With keys, a batch another user
    /// submitted, or one the gateway does not know, is 404 `not_found_error`, the same answer
    /// as for an id that does not exist, so its existence is not revealed. Without keys
    /// (development mode) every batch is visible and the submission is returned when known.
    /// - Throws: ``GatewayAPIError/notFound(_:)``; the registry's error.
    func visibleSubmission(_ id: String, caller: GatewayKeys.Caller?) async throws -> BatchSubmission? {
        let submission = try await submissions([id])[id]
        guard let caller else { return submission }
        guard let submission, submission.owner == caller.user else {
            throw GatewayAPIError.notFound("message batch '\(id)' not found")
        }
        return submission
    }

    /// `GET /v1/messages/batches`: the API's page, each batch's `results_url` pointing at this
    /// gateway. With keys, only the caller's batches: see ``ownBatches(_:limit:beforeID:afterID:)``.
    /// - Throws: ``GatewayAPIError`` 400 for a `limit` outside 1…1000; the API's or the registry's error.
    func listBatches(_ request: Request, caller: GatewayKeys.Caller?) async throws -> Response {
        let query = request.uri.queryParameters
        var limit: Int?
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...1000).contains(value) else {
                throw GatewayAPIError.invalidRequest("limit: must be an integer between 1 and 1000")
            }
            limit = value
        }
        let beforeID = query["before_id"].map(String.init)
        let afterID = query["after_id"].map(String.init)
        var page: MessageBatchPage
        if let caller {
            page = try await ownBatches(caller, limit: limit ?? 20, beforeID: beforeID, afterID: afterID)
        } else {
            page = try await gateway.client.listBatches(limit: limit, beforeID: beforeID, afterID: afterID).body
        }
        let base = callerBaseURL(request)
        page.data = page.data.map { Self.throughGateway($0, base: base) }
        return try json(page)
    }

    /// One page of `caller`'s own batches, newest first, in the API's paging terms: up to `limit`
    /// of them after `afterID` (or before `beforeID`), read from the API's list 1,000 at a time
    /// and kept when their remembered owner is the caller's user. `first_id`/`last_id` are ids of
    /// the caller's batches only (the cursors of the next pages); `has_more` says whether the
    /// API has more batches in that direction (the next page may then hold none of the caller's).
    /// - Throws: the API's or the registry's error.
    func ownBatches(_ caller: GatewayKeys.Caller, limit: Int, beforeID: String?, afterID: String?) async throws
        -> MessageBatchPage {
        let backwards = beforeID != nil
        var cursor = beforeID ?? afterID
        var kept: [MessageBatch] = []
        var hasMore = false
        scan: while true {
            let page = try await gateway.client.listBatches(
                limit: 1000, beforeID: backwards ? cursor : nil, afterID: backwards ? nil : cursor).body
            let owners = try await submissions(page.data.map(\.id))
            // Backwards, the batches nearest the cursor are at the end of the page.
            let ordered = backwards ? Array(page.data.reversed()) : page.data
            for (index, batch) in ordered.enumerated() where owners[batch.id]?.owner == caller.user {
                kept.append(batch)
                if kept.count == limit {
                    hasMore = index < ordered.count - 1 || page.hasMore
                    break scan
                }
            }
            guard page.hasMore, let next = backwards ? page.firstID : page.lastID, next != cursor else { break }
            cursor = next
        }
        if backwards { kept.reverse() }
        return MessageBatchPage(data: kept, hasMore: hasMore, firstID: kept.first?.id, lastID: kept.last?.id)
    }

    /// `GET /v1/messages/batches/{id}`: the API's batch, its `results_url` pointing at this gateway.
    /// With keys, only the caller's own (``visibleSubmission(_:caller:)``).
    func retrieveBatch(_ id: String, _ request: Request, caller: GatewayKeys.Caller?) async throws -> Response {
        _ = try await visibleSubmission(id, caller: caller)
        return try await json(Self.throughGateway(gateway.client.retrieveBatch(id: id).body, base: callerBaseURL(request)))
    }

    /// `POST /v1/messages/batches/{id}/cancel`: the API's batch, its `results_url` pointing at
    /// this gateway. With keys, only the caller's own (``visibleSubmission(_:caller:)``).
    func cancelBatch(_ id: String, _ request: Request, caller: GatewayKeys.Caller?) async throws -> Response {
        _ = try await visibleSubmission(id, caller: caller)
        return try await json(Self.throughGateway(gateway.client.cancelBatch(id: id).body, base: callerBaseURL(request)))
    }

    // MARK: results_url

    /// `batch` as the gateway hands it to its caller: a `results_url` becomes this gateway's own
    /// `BASE/v1/messages/batches/{id}/results`, so an SDK that fetches the results from
    /// `results_url` (as the official ones do, https://docs.anthropic.com/en/api/retrieving-message-batch-results)
    /// fetches them through the gateway, which records them in the ledger and never sends the
    /// caller's gateway key to the upstream. A `null` one (the batch has not ended) stays `null`.
    static func throughGateway(_ batch: MessageBatch, base: String) -> MessageBatch {
        guard batch.resultsURL != nil else { return batch }
        var batch = batch
        batch.resultsURL = "\(base)/v1/messages/batches/\(batch.id)/results"
        return batch
    }

    /// The base URL (`SCHEME://HOST[:PORT]`, no path) the caller reached the gateway at: the
    /// request's `Host` header, with the scheme `X-Forwarded-Proto` names (`http` or `https`:
    /// a gateway behind a TLS-terminating proxy) or else the connection's (`http`). Without a
    /// usable `Host` (absent, or not a host name, IP literal and port), the address the gateway
    /// listens on. A proxy that adds a path prefix in front of the gateway is not seen here.
    func callerBaseURL(_ request: Request) -> String {
        guard let authority = request.head.authority, !authority.isEmpty,
              authority.utf8.allSatisfy({ byte in
                  (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                      || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                      || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
              }) else {
            return gateway.baseURL
        }
        var scheme = request.head.scheme == "https" ? "https" : "http"
        if let forwarded = request.headers[HTTPField.Name("x-forwarded-proto")!]?
            .split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased(),
           forwarded == "https" || forwarded == "http" {
            scheme = forwarded
        }
        return "\(scheme)://\(authority)"
    }

    /// `GET /v1/messages/batches/{id}/results`: JSON Lines, streamed as the API sends them. With
    /// keys, only the caller's own batches (``visibleSubmission(_:caller:)``). Once the lines are
    /// sent, each item is recorded in the ledger at the batch price
    /// (``ModelRouter/recordBatchResults(batchID:results:metadata:)``: once per item, however often
    /// the results are fetched) under its submitter's metadata, whoever fetches them (a batch the
    /// gateway does not know: the fetching caller's), and the batch's budget hold, taken once
    /// from the registry, is settled with what they cost; a failure to record is logged, the
    /// caller has the results.
    func batchResults(_ id: String, caller: GatewayKeys.Caller?) async throws -> Response {
        let submission = try await visibleSubmission(id, caller: caller)
        let results = try await gateway.client.batchResults(id: id)
        var fields = HTTPFields()
        fields[.contentType] = "application/binary"
        let gateway = self.gateway
        let router = gateway.router
        let logger = gateway.logger
        let metadata = submission?.metadata ?? caller?.callMetadata ?? [:]
        let body = ResponseBody { writer in
            var seen: [BatchResult] = []
            for try await result in results {
                var line = try WireEncoding.json(result)
                line.append(0x0A)
                try await writer.write(ByteBuffer(bytes: line))
                seen.append(result)
            }
            do {
                let recorded = try await router.recordBatchResults(batchID: id, results: seen, metadata: metadata)
                let unsaved = gateway.unsavedBatches.withLock { unsaved -> SavedBatchHold? in
                    defer { unsaved[id]?.hold = nil }
                    return unsaved[id]?.hold
                }
                var saved = unsaved
                if saved == nil { saved = try await gateway.batches.takeHold(batchID: id) }
                if let saved {
                    await router.settleBatch(await router.restoreBatchHold(saved), actualCost: recorded.cost)
                }
            } catch {
                logger.error("batch results not recorded in the ledger", metadata: ["batch": "\(id)", "error": "\(error)"])
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: fields, body: body)
    }
}
