import ClaudeClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Router
import RouterPolicies

/// count_tokens, models, batches and `/metrics`.
extension GatewayResponder {
    // MARK: count_tokens

    /// `POST /v1/messages/count_tokens`: `auto` (or `auto:TASK`) counts with the model the
    /// router would pick first; the count itself comes from the API.
    func countTokens(_ request: Request, context: Context, caller: GatewayKeys.Caller?,
                     facts: inout AccessFacts) async throws -> Response {
        var body = try await decodeBody(CountTokensRequest.self, request, context: context)
        try GatewayRequestShape.checkMessages(body.messages)
        var model = body.model
        let options = try await callOptions(request.headers, model: &model, caller: caller)
        var headers: [(String, String)] = []
        if model == "auto" || model.isEmpty {
            let preview = MessageRequest(model: "auto", maxTokens: 0, messages: body.messages, system: body.system,
                                         tools: body.tools, toolChoice: body.toolChoice, thinking: body.thinking)
            let decision = await gateway.router.decision(for: preview, options: options)
            body.model = decision.model
            headers = [("x-router-tier", decision.tier), ("x-router-model", decision.model),
                       ("x-router-task", decision.task)]
            facts.tier = decision.tier
        }
        facts.model = body.model
        let counted = try await gateway.client.countTokens(body)
        if let requestID = counted.requestID { headers.append(("request-id", requestID)) }
        return try json(counted.body, headers: headers)
    }

    // MARK: models

    /// The gateway's own model ids: `auto` and `auto:TASK` per policy task.
    func gatewayModels() async -> [ModelInfo] {
        let policy = await gateway.router.currentPolicy()
        let epoch = "1970-01-01T00:00:00Z"
        var models = [ModelInfo(id: "auto", displayName: "Routed by policy '\(policy.name)'", createdAt: epoch)]
        for task in policy.tasks.keys.sorted() {
            models.append(ModelInfo(id: Self.taskAliasPrefix + task,
                                    displayName: "Routed by policy '\(policy.name)' as task '\(task)'", createdAt: epoch))
        }
        return models
    }

    /// `GET /v1/models`: `auto` and the task aliases first, then the API's models (or, when the
    /// API cannot be reached, the policy's tier models).
    func listModels(facts: inout AccessFacts) async throws -> Response {
        var models = await gatewayModels()
        var seen = Set(models.map(\.id))
        do {
            let page = try await gateway.client.listModels(limit: 1000)
            for model in page.body.data where seen.insert(model.id).inserted { models.append(model) }
        } catch {
            facts.error = "upstream_models_unavailable"
            let policy = await gateway.router.currentPolicy()
            for tier in policy.tiers where seen.insert(tier.model).inserted {
                models.append(ModelInfo(id: tier.model, displayName: tier.model, createdAt: "1970-01-01T00:00:00Z"))
            }
        }
        return try json(ModelPage(data: models, hasMore: false, firstID: models.first?.id, lastID: models.last?.id))
    }

    /// `GET /v1/models/{id}`.
    func retrieveModel(_ id: String, facts: inout AccessFacts) async throws -> Response {
        let gatewayModels = await gatewayModels()
        if let model = gatewayModels.first(where: { $0.id == id }) { return try json(model) }
        let page = try await gateway.client.listModels(limit: 1000)
        guard let model = page.body.data.first(where: { $0.id == id }) else {
            throw GatewayAPIError.notFound("model: \(id)")
        }
        return try json(model)
    }

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
        return try json(created.body, headers: created.requestID.map { [("request-id", $0)] } ?? [])
    }

    /// `GET /v1/messages/batches`.
    func listBatches(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let page = try await gateway.client.listBatches(
            limit: query["limit"].flatMap { Int(String($0)) }, beforeID: query["before_id"].map(String.init),
            afterID: query["after_id"].map(String.init))
        return try json(page.body)
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

    // MARK: metrics

    /// `GET /metrics`: the Prometheus text exposition format, version 0.0.4
    /// (https://prometheus.io/docs/instrumenting/exposition_formats/).
    func metrics(facts: inout AccessFacts) throws -> Response {
        guard let registry = gateway.configuration.metricsRegistry else {
            throw GatewayAPIError.notFound("metrics are not enabled on this gateway")
        }
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
