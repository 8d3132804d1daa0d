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
    /// case at the batch price is held against the budgets until its results are recorded.
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
            created = try await gateway.client.createBatch(body)
        } catch {
            await gateway.router.releaseBatch(hold)
            throw error
        }
        gateway.batchHolds.withLock { $0[created.body.id] = hold }
        return try json(Self.throughGateway(created.body, base: callerBaseURL(request)),
                        headers: created.requestID.map { [("request-id", $0)] } ?? [])
    }

    /// `GET /v1/messages/batches`: the API's page, each batch's `results_url` pointing at this gateway.
    func listBatches(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var page = try await gateway.client.listBatches(
            limit: query["limit"].flatMap { Int(String($0)) }, beforeID: query["before_id"].map(String.init),
            afterID: query["after_id"].map(String.init)).body
        let base = callerBaseURL(request)
        page.data = page.data.map { Self.throughGateway($0, base: base) }
        return try json(page)
    }

    /// `GET /v1/messages/batches/{id}`: the API's batch, its `results_url` pointing at this gateway.
    func retrieveBatch(_ id: String, _ request: Request) async throws -> Response {
        try await json(Self.throughGateway(gateway.client.retrieveBatch(id: id).body, base: callerBaseURL(request)))
    }

    /// `POST /v1/messages/batches/{id}/cancel`: the API's batch, its `results_url` pointing at this gateway.
    func cancelBatch(_ id: String, _ request: Request) async throws -> Response {
        try await json(Self.throughGateway(gateway.client.cancelBatch(id: id).body, base: callerBaseURL(request)))
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

    /// `GET /v1/messages/batches/{id}/results`: JSON Lines, streamed as the API sends them. Once
    /// the lines are sent, each item is recorded in the ledger at the batch price
    /// (``ModelRouter/recordBatchResults(batchID:results:metadata:)``: once per item, however often
    /// the results are fetched); a failure to record is logged, the caller has the results.
    func batchResults(_ id: String, caller: GatewayKeys.Caller?) async throws -> Response {
        let results = try await gateway.client.batchResults(id: id)
        var fields = HTTPFields()
        fields[.contentType] = "application/binary"
        let gateway = self.gateway
        let router = gateway.router
        let logger = gateway.logger
        let metadata = caller?.callMetadata ?? [:]
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
                if let hold = gateway.batchHolds.withLock({ $0.removeValue(forKey: id) }) {
                    await router.settleBatch(hold, actualCost: recorded.cost)
                }
            } catch {
                logger.error("batch results not recorded in the ledger", metadata: ["batch": "\(id)", "error": "\(error)"])
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: fields, body: body)
    }
}
