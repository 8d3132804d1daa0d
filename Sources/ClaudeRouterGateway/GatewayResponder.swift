import ClaudeClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Router
import RouterPolicies

/// The per-request context: Hummingbird's storage with the Messages API's upload limit.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The Messages API accepts requests up to 32 MB (https://docs.anthropic.com/en/api/overview#request-size-limits).
    var maxUploadSize: Int { 32 * 1024 * 1024 }
}

/// The endpoints, found by method and path.
enum GatewayEndpoint: Equatable {
    case messages, countTokens, listModels, retrieveModel(String)
    case createBatch, listBatches, retrieveBatch(String), cancelBatch(String), batchResults(String)
    case healthz, readyz, metrics, dashboard
    case unknown

    static func route(method: HTTPRequest.Method, path: String) -> GatewayEndpoint {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (method, parts.count) {
        case (.post, 2) where parts == ["v1", "messages"]: return .messages
        case (.post, 3) where parts == ["v1", "messages", "count_tokens"]: return .countTokens
        case (.post, 3) where parts == ["v1", "messages", "batches"]: return .createBatch
        case (.get, 3) where parts == ["v1", "messages", "batches"]: return .listBatches
        case (.get, 4) where parts[0...2] == ["v1", "messages", "batches"]: return .retrieveBatch(parts[3])
        case (.get, 5) where parts[0...2] == ["v1", "messages", "batches"] && parts[4] == "results":
            return .batchResults(parts[3])
        case (.post, 5) where parts[0...2] == ["v1", "messages", "batches"] && parts[4] == "cancel":
            return .cancelBatch(parts[3])
        case (.get, 2) where parts == ["v1", "models"]: return .listModels
        case (.get, 3) where parts[0...1] == ["v1", "models"]: return .retrieveModel(parts[2])
        case (.get, 1) where parts == ["healthz"]: return .healthz
        case (.get, 1) where parts == ["readyz"]: return .readyz
        case (.get, 1) where parts == ["metrics"]: return .metrics
        case (.get, 1) where parts == ["dashboard"]: return .dashboard
        default: return .unknown
        }
    }

    /// Whether the endpoint serves callers (and so needs a gateway key outside development mode).
    var needsKey: Bool {
        switch self {
        case .healthz, .readyz, .metrics, .unknown: return false
        default: return true
        }
    }
}

/// What the access log says about one request (never prompt text, never a key).
struct AccessFacts: Sendable {
    var status = 200
    var caller: String?
    var tier: String?
    var model: String?
    var attempts: Int?
    var costUSD: String?
    var stream = false
    var error: String?
}

/// Answers every request: authentication, dispatch, API-shaped errors, the access log.
struct GatewayResponder: HTTPResponder {
    typealias Context = GatewayRequestContext

    let gateway: Gateway

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let endpoint = GatewayEndpoint.route(method: request.method, path: request.uri.path)
        gateway.state.withLock { $0.inFlight += 1 }
        var facts = AccessFacts()
        var deferredLog = false
        defer {
            if !deferredLog {
                gateway.state.requestEnded()
                logAccess(request, facts: facts, since: started)
            }
        }
        do {
            if endpoint.needsKey, gateway.state.withLock({ $0.draining }) {
                // Draining: the calls in flight finish, new ones go to another instance.
                throw GatewayAPIError(status: 503, type: "overloaded_error",
                                      message: "the gateway is shutting down and takes no new requests; retry",
                                      logCode: "draining")
            }
            var caller: GatewayKeys.Caller?
            if endpoint.needsKey {
                caller = try authenticate(request)
                facts.caller = caller?.name
            }
            switch endpoint {
            case .messages:
                let reply = try await messages(request, context: context, caller: caller, facts: &facts, started: started)
                deferredLog = reply.streaming
                return reply.response
            case .countTokens: return try await countTokens(request, context: context, caller: caller, facts: &facts)
            case .listModels: return try await listModels(facts: &facts)
            case .retrieveModel(let id): return try await retrieveModel(id, facts: &facts)
            case .createBatch: return try await createBatch(request, context: context, caller: caller, facts: &facts)
            case .listBatches: return try await listBatches(request, caller: caller)
            case .retrieveBatch(let id): return try await retrieveBatch(id, request, caller: caller)
            case .cancelBatch(let id): return try await cancelBatch(id, request, caller: caller)
            case .batchResults(let id): return try await batchResults(id, caller: caller)
            case .healthz: return plain(200, "ok\n")
            case .readyz:
                let draining = gateway.state.withLock { $0.draining }
                facts.status = draining ? 503 : 200
                return plain(facts.status, draining ? "draining\n" : "ready\n")
            case .metrics: return try metrics(facts: &facts)
            case .dashboard: return try await dashboard(caller: caller, facts: &facts)
            case .unknown:
                throw GatewayAPIError.notFound("no endpoint \(request.method.rawValue) \(request.uri.path) on this gateway")
            }
        } catch {
            let policy = await gateway.router.currentPolicy()
            let reply = GatewayAPIError.from(error, policy: policy, now: Date())
            facts.status = reply.status
            facts.error = reply.logCode
            return errorResponse(reply)
        }
    }

    // MARK: Authentication

    /// The caller of `request`: `x-api-key` or `Authorization: Bearer`, looked up by hash.
    /// Development mode lets anyone in (no caller identity).
    func authenticate(_ request: Request) throws(GatewayAPIError) -> GatewayKeys.Caller? {
        guard let keys = gateway.keys else { return nil }
        var presented = request.headers[HTTPField.Name("x-api-key")!]
        if presented == nil, let authorization = request.headers[.authorization],
           authorization.lowercased().hasPrefix("bearer ") {
            presented = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        guard let presented, !presented.isEmpty else {
            throw GatewayAPIError.authentication("x-api-key header is required")
        }
        guard let caller = keys.caller(forKey: presented) else {
            // Never echo the presented key.
            throw GatewayAPIError.authentication("invalid x-api-key")
        }
        return caller
    }

    // MARK: Replies

    func errorResponse(_ error: GatewayAPIError) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in error.headers { Self.set(&fields, name, value) }
        if let requestID = error.requestID { Self.set(&fields, "request-id", requestID) }
        return Response(status: .init(code: error.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: error.body)))
    }

    func plain(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func json<Value: Encodable>(_ value: Value, headers: [(String, String)] = []) throws -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers { Self.set(&fields, name, value) }
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try WireEncoding.json(value))))
    }

    /// Sets a header; the value is reduced to visible ASCII so a reason with `→` or `…` stays a valid field.
    static func set(_ fields: inout HTTPFields, _ name: String, _ value: String) {
        guard let fieldName = HTTPField.Name(name) else { return }
        fields[fieldName] = headerSafe(value)
    }

    static func headerSafe(_ value: String) -> String {
        // Most values (models, tiers, costs, ASCII reasons) are visible ASCII already: keep them as they are.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return value }
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\u{2192}": result += "->"
            case "\u{2026}": result += "..."
            case "\u{2265}": result += ">="
            case "\u{2264}": result += "<="
            case "\u{2014}", "\u{2013}": result += "-"
            default:
                if scalar.value >= 0x20 && scalar.value < 0x7F { result.unicodeScalars.append(scalar) } else { result += "?" }
            }
        }
        return result
    }

    // MARK: Access log

    func logAccess(_ request: Request, facts: AccessFacts, since started: ContinuousClock.Instant) {
        Self.logAccess(gateway.accessLog, method: request.method.rawValue, path: request.uri.path, facts: facts,
                       since: started)
    }

    /// `method=POST path=/v1/messages status=200 ms=1.234 caller=alice tier=haiku model=… attempts=1 cost_usd=… stream=false`.
    static func logAccess(_ logger: Logger, method: String, path: String, facts: AccessFacts,
                          since started: ContinuousClock.Instant) {
        let ms = AccessLogFormat.milliseconds(started.duration(to: .now))
        var line = "method=\(method) path=\(headerSafe(path)) status=\(facts.status) ms=\(ms)"
        if let caller = facts.caller { line += " caller=\(headerSafe(caller))" }
        if let tier = facts.tier { line += " tier=\(headerSafe(tier))" }
        if let model = facts.model { line += " model=\(headerSafe(model))" }
        if let attempts = facts.attempts { line += " attempts=\(attempts)" }
        if let cost = facts.costUSD { line += " cost_usd=\(cost)" }
        line += " stream=\(facts.stream)"
        if let error = facts.error { line += " error=\(error)" }
        logger.info("\(line)")
    }
}
