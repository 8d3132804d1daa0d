import ClaudeClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Router
import RouterPolicies

/// count_tokens, models and `/metrics` (batches: GatewayResponder+Batches.swift).
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
        let counted = try await gateway.client.countTokens(body, options: options.request)
        if let requestID = counted.requestID { headers.append(("request-id", requestID)) }
        headers += Self.rateLimitHeaders(counted.rateLimit)
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
