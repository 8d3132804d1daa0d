import ClaudeClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Router
import RouterPolicies
import Synchronization

/// `POST /v1/messages`: routed JSON replies and SSE streams passed through as they arrive.
extension GatewayResponder {
    /// A reply, and whether its access-log line is written by the stream when it ends.
    struct MessagesReply {
        var response: Response
        var streaming: Bool
    }

    /// The prefix of a model alias that routes with a fixed task: `auto:extraction`.
    static let taskAliasPrefix = "auto:"

    func messages(_ request: Request, context: Context, caller: GatewayKeys.Caller?, facts: inout AccessFacts,
                  started: ContinuousClock.Instant) async throws -> MessagesReply {
        let (decoded, bytes) = try await decodeBodyKeepingBytes(MessageRequest.self, request, context: context)
        var body = decoded
        try GatewayRequestShape.check(body)
        // Forward the caller's own bytes: fields this client does not model reach the API intact,
        // and only `model`, `max_tokens` and `stream` are rewritten.
        body.originalJSON = OriginalRequestJSON(bytes)
        let options = try await callOptions(request.headers, model: &body.model, caller: caller)
        let streaming = body.stream == true
        // The router's client sets `stream` itself.
        body.stream = nil
        facts.stream = streaming
        if streaming {
            return MessagesReply(response: try await stream(body, options: options, facts: facts, started: started,
                                                            request: request),
                                 streaming: true)
        }
        do {
            let routed = try await gateway.router.send(body, options: options)
            Self.describe(routed, into: &facts)
            return MessagesReply(response: try reply(routed), streaming: false)
        } catch let error as RouterError where error.code == .ledgerWriteFailed && error.response != nil {
            // The reply was paid for: hand it over, and say the record is missing.
            let paid = error.response!
            Self.describe(paid, into: &facts)
            facts.error = "ledger_write_failed"
            return MessagesReply(response: try reply(paid, extra: [("x-router-ledger", "write_failed")]), streaming: false)
        }
    }

    /// The routing inputs of a request: `x-router-task`, `x-router-metadata-KEY` headers, the
    /// `auto:TASK` alias, and the caller's identity (which wins over headers); and the wire
    /// settings forwarded upstream on every attempt: the caller's `anthropic-version` and
    /// `anthropic-beta` names (``requestOptions(_:)``).
    /// - Throws: ``GatewayAPIError`` 400 `invalid_request_error` when `x-router-task` or the
    ///   `auto:TASK` alias names a task the policy does not have (the message lists its tasks),
    ///   or `anthropic-version` is not a version the client knows.
    func callOptions(_ headers: HTTPFields, model: inout String, caller: GatewayKeys.Caller?) async throws -> CallOptions {
        var options = CallOptions()
        options.request = try Self.requestOptions(headers)
        let metadataPrefix = "x-router-metadata-"
        for field in headers {
            let name = field.name.canonicalName
            if name == "x-router-task" {
                options.task = field.value
            } else if name.hasPrefix(metadataPrefix), name.count > metadataPrefix.count {
                options.metadata[String(name.dropFirst(metadataPrefix.count))] = field.value
            }
        }
        if let task = options.task {
            let policy = await gateway.router.currentPolicy()
            guard policy.tasks[task] != nil else {
                let known = policy.tasks.keys.sorted().joined(separator: ", ")
                throw GatewayAPIError.invalidRequest(
                    "x-router-task: '\(task)' names no task of policy '\(policy.name)' (tasks: \(known))")
            }
        }
        if model.hasPrefix(Self.taskAliasPrefix) {
            let task = String(model.dropFirst(Self.taskAliasPrefix.count))
            let policy = await gateway.router.currentPolicy()
            guard policy.tasks[task] != nil else {
                let known = policy.tasks.keys.sorted().map { "auto:\($0)" }.joined(separator: ", ")
                throw GatewayAPIError.invalidRequest(
                    "model: '\(model)' names no task of policy '\(policy.name)' (aliases: auto, \(known))")
            }
            options.task = task
            model = "auto"
        }
        if let caller {
            options.metadata.merge(caller.callMetadata) { _, identity in identity }
        }
        return options
    }

    /// The caller's `anthropic-version` and `anthropic-beta` headers as the client's per-call
    /// options, forwarded upstream (https://docs.anthropic.com/en/api/versioning,
    /// https://docs.anthropic.com/en/api/beta-headers). No `anthropic-version` leaves the client's
    /// default; beta names may be comma-separated and the header repeated (empty names dropped).
    /// - Throws: ``GatewayAPIError`` 400 `invalid_request_error` for a version not in
    ///   ``AnthropicClient/APIVersion/known``, naming the versions accepted.
    static func requestOptions(_ headers: HTTPFields) throws -> AnthropicClient.RequestOptions {
        var options = AnthropicClient.RequestOptions()
        if let version = headers[HTTPField.Name("anthropic-version")!] {
            let trimmed = version.trimmingCharacters(in: .whitespaces)
            guard let known = AnthropicClient.APIVersion.known.first(where: { $0.rawValue == trimmed }) else {
                let accepted = AnthropicClient.APIVersion.known.map(\.rawValue).joined(separator: ", ")
                throw GatewayAPIError.invalidRequest(
                    "anthropic-version: '\(headerSafe(trimmed))' is not a version this gateway accepts (accepted: \(accepted))")
            }
            options.apiVersion = known
        }
        for value in headers[values: HTTPField.Name("anthropic-beta")!] {
            for name in value.split(separator: ",") {
                let beta = name.trimmingCharacters(in: .whitespaces)
                if !beta.isEmpty, !options.betas.contains(beta) { options.betas.append(beta) }
            }
        }
        return options
    }

    /// Decodes a JSON body; a malformed one is the API's 400 naming the field.
    func decodeBody<Body: Decodable>(_ type: Body.Type, _ request: Request, context: Context) async throws -> Body {
        try await decodeBodyKeepingBytes(type, request, context: context).0
    }

    /// Decodes a JSON body and hands back its bytes as received; a malformed one is the API's
    /// 400 naming the field.
    func decodeBodyKeepingBytes<Body: Decodable>(_ type: Body.Type, _ request: Request,
                                                 context: Context) async throws -> (Body, [UInt8]) {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: gateway.configuration.maxRequestBytes)
        } catch {
            throw GatewayAPIError(status: 413, type: "request_too_large",
                                  message: "request exceeds the maximum size of \(gateway.configuration.maxRequestBytes) bytes",
                                  logCode: "request_too_large")
        }
        let bytes = Array(buffer.readableBytesView)
        // A Messages request is read without JSONDecoder when the fast reader mirrors it exactly;
        // anything unusual (and every malformed body, for its error message) takes JSONDecoder.
        if Body.self == MessageRequest.self, let request = MessageRequest.fastDecoded(json: bytes) as? Body {
            return (request, bytes)
        }
        do {
            return (try JSONDecoder().decode(Body.self, from: Data(bytes)), bytes)
        } catch let error as DecodingError {
            throw GatewayAPIError.invalidRequest(Self.describe(error))
        } catch {
            throw GatewayAPIError.invalidRequest("the body is not valid JSON")
        }
    }

    /// A decoding error's field path and reason, without echoing the body (it holds prompt text).
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ extra: String? = nil) -> String {
            let parts = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } + (extra.map { [$0] } ?? [])
            return parts.isEmpty ? "body" : parts.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context, key.stringValue)): Field required"
        case .typeMismatch(_, let context): return "\(path(context)): wrong type"
        case .valueNotFound(_, let context): return "\(path(context)): must not be null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)): invalid value"
        @unknown default: return "invalid request body"
        }
    }

    static func describe(_ routed: RoutedResponse, into facts: inout AccessFacts) {
        facts.tier = routed.decision.tier
        facts.model = routed.message.model
        facts.attempts = routed.attempts.count
        facts.costUSD = routed.unpricedAttempts > 0 ? "unknown" : routed.totalCost.exactDecimal
    }

    /// The reply's JSON body with the `x-router-*` headers.
    func reply(_ routed: RoutedResponse, extra: [(String, String)] = []) throws -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in Self.routerHeaders(routed) + extra { Self.set(&fields, name, value) }
        // The API's own bytes when the reply came straight from it: the body stays exactly the API's.
        if let raw = routed.messageJSON {
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: raw)))
        }
        let bytes = try WireEncoding.messageJSON(routed.message)
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `x-router-tier`, `-model`, `-task`, `-attempts`, `-cost-usd`, `-baseline-usd`, `-savings-usd`,
    /// `-reason`, `-unresolved`, and the API's `request-id` and `anthropic-ratelimit-*` headers of
    /// the response that carried the reply.
    static func routerHeaders(_ routed: RoutedResponse) -> [(String, String)] {
        let decision = routed.decision
        var headers: [(String, String)] = [
            ("x-router-tier", decision.tier), ("x-router-model", decision.model), ("x-router-task", decision.task),
            ("x-router-attempts", String(routed.attempts.count)),
            ("x-router-cost-usd", routed.unpricedAttempts > 0 ? "unknown" : routed.totalCost.exactDecimal),
            ("x-router-reason", decision.reason),
        ]
        if let baseline = routed.baselineCost { headers.append(("x-router-baseline-usd", baseline.exactDecimal)) }
        if let savings = routed.savings { headers.append(("x-router-savings-usd", savings.exactDecimal)) }
        if let trigger = routed.unresolvedTrigger { headers.append(("x-router-unresolved", trigger.rawValue)) }
        if let requestID = routed.attempts[routed.replyAttempt - 1].requestID { headers.append(("request-id", requestID)) }
        headers += rateLimitHeaders(routed.rateLimit)
        return headers
    }

    /// The upstream's `anthropic-ratelimit-*` headers as it sent them, so a caller (or its SDK)
    /// sees the API's limits through the gateway
    /// (https://docs.anthropic.com/en/api/rate-limits#response-headers); none for `nil`.
    static func rateLimitHeaders(_ info: RateLimitInfo?) -> [(String, String)] {
        info?.headerFields.map { ($0.name, $0.value) } ?? []
    }

    /// An SSE reply: the routed stream's events written one at a time as they arrive.
    ///
    /// Buffering is bounded by construction: the next event is pulled from the upstream only
    /// after the previous one was handed to the connection, whose writes wait while the client
    /// is not reading (the upstream transfer pauses in turn). A failure after the first event is
    /// sent as the API's `error` event; a client that goes away cancels the upstream transfer,
    /// and the router records what was consumed. Trailers carry the cost once it is known.
    func stream(_ body: MessageRequest, options: CallOptions, facts: AccessFacts, started: ContinuousClock.Instant,
                request: Request) async throws -> Response {
        let routed = try await gateway.router.stream(body, options: options)
        var facts = facts
        facts.tier = routed.decision.tier
        facts.model = routed.decision.model
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-cache"
        let decision = routed.decision
        for (name, value) in [("x-router-tier", decision.tier), ("x-router-model", decision.model),
                              ("x-router-task", decision.task), ("x-router-reason", decision.reason)] {
            Self.set(&fields, name, value)
        }
        if let requestID = routed.requestID { Self.set(&fields, "request-id", requestID) }
        for (name, value) in Self.rateLimitHeaders(routed.rateLimit) { Self.set(&fields, name, value) }
        Self.set(&fields, "trailer", "x-router-cost-usd, x-router-attempts")
        let gateway = self.gateway
        let method = request.method.rawValue
        let path = request.uri.path
        let startFacts = facts
        // Ends the request once: when the body finishes, or, when the server never runs the body
        // (the client left before the head could be written), when the body is dropped — so the
        // in-flight count a drain waits for never leaks.
        let ending = StreamedRequestEnd { facts in
            gateway.state.requestEnded()
            Self.logAccess(gateway.accessLog, method: method, path: path, facts: facts, since: started)
        }
        ending.setFallback(startFacts)
        let responseBody = ResponseBody { writer in
            var facts = startFacts
            defer { ending.end(facts) }
            var iterator = routed.makeAsyncIterator()
            var trailers = HTTPFields()
            var held: MessageStreamEvent?
            while true {
                var event: MessageStreamEvent?
                do {
                    event = try await iterator.next()
                    if case .messageStop? = event {
                        // Hold `message_stop` until the stream's end is read, which writes its
                        // ledger record: a client that has the whole reply has a committed record.
                        held = event
                        event = try await iterator.next()
                    }
                } catch let error as RouterError where error.code == .ledgerWriteFailed {
                    facts.error = "ledger_write_failed"
                    Self.set(&trailers, "x-router-ledger", "write_failed")
                    event = nil
                } catch {
                    // After HTTP 200 a failure can only be told in the stream, as the API does.
                    let reply = GatewayAPIError.from(error, policy: nil, now: Date())
                    facts.error = reply.logCode
                    try await writer.write(ByteBuffer(bytes: WireEncoding.errorFrame(type: reply.type, message: reply.message)))
                    try await writer.finish(nil)
                    return
                }
                for next in [held, event].compactMap({ $0 }) {
                    do {
                        try await writer.write(ByteBuffer(bytes: try WireEncoding.frame(next)))
                    } catch {
                        facts.error = "client_gone"
                        await routed.cancel()
                        throw error
                    }
                }
                if event == nil { break }
                held = nil
            }
            if let result = try? await routed.result() {
                Self.describe(result, into: &facts)
                Self.set(&trailers, "x-router-cost-usd", facts.costUSD ?? "unknown")
                Self.set(&trailers, "x-router-attempts", String(result.attempts.count))
            }
            try await writer.finish(trailers)
        }
        return Response(status: .ok, headers: fields, body: responseBody)
    }
}

/// A streamed request's end, run exactly once: by its body when it finishes, else when the last
/// reference goes (the server dropped the body unrun), with the facts known before the body and
/// `error=client_gone`.
final class StreamedRequestEnd: Sendable {
    private let done = Mutex(false)
    private let action: @Sendable (AccessFacts) -> Void
    private let fallback: Mutex<AccessFacts?> = Mutex(nil)

    init(_ action: @escaping @Sendable (AccessFacts) -> Void) {
        self.action = action
    }

    /// Runs the end with `facts` unless it already ran.
    func end(_ facts: AccessFacts) {
        guard done.withLock({ was in defer { was = true }; return !was }) else { return }
        action(facts)
    }

    /// The facts to log if the body never runs.
    func setFallback(_ facts: AccessFacts) { fallback.withLock { $0 = facts } }

    deinit {
        var facts = fallback.withLock { $0 } ?? AccessFacts()
        facts.error = facts.error ?? "client_gone"
        end(facts)
    }
}
