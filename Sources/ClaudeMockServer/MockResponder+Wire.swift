import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Routing, header validation, bookkeeping and the response envelope shared by every endpoint.
extension MockResponder {
    static func name(_ text: String) -> HTTPField.Name {
        // Only called with literal lower-case token names, which are always valid.
        HTTPField.Name(text) ?? .contentType
    }

    static func route(method: HTTPRequest.Method, path: String) -> (MockEndpoint, String?) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (method, parts.count) {
        case (.post, 2) where parts == ["v1", "messages"]: return (.messages, nil)
        case (.post, 3) where parts == ["v1", "messages", "count_tokens"]: return (.countTokens, nil)
        case (.post, 3) where parts == ["v1", "messages", "batches"]: return (.createBatch, nil)
        case (.get, 3) where parts == ["v1", "messages", "batches"]: return (.listBatches, nil)
        case (.get, 4) where parts[0...2] == ["v1", "messages", "batches"]: return (.retrieveBatch, parts[3])
        case (.get, 5) where parts[0...2] == ["v1", "messages", "batches"] && parts[4] == "results":
            return (.batchResults, parts[3])
        case (.post, 5) where parts[0...2] == ["v1", "messages", "batches"] && parts[4] == "cancel":
            return (.cancelBatch, parts[3])
        case (.get, 2) where parts == ["v1", "models"]: return (.listModels, nil)
        case (.get, 3) where parts[0...1] == ["v1", "models"]: return (.retrieveModel, parts[2])
        default: return (.unknown, nil)
        }
    }

    static func query(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = parts.first?.removingPercentEncoding else { continue }
            result[key] = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
        }
        return result
    }

    /// Counts the request, records its headers (never credential values) and takes the next
    /// enqueued fault, which every request consumes in arrival order.
    func begin(request: Request, endpoint: MockEndpoint, remote: String?) -> (Int, MockDirective?) {
        let headerNames = request.headers.map { $0.name.canonicalName }
        let limit = configuration.requestLogLimit
        return state.withLock { state in
            state.sequence += 1
            state.stats.totalRequests += 1
            state.stats.requestsByEndpoint[endpoint, default: 0] += 1
            if let remote, state.connections.insert(remote).inserted {
                state.stats.connectionsAccepted += 1
            }
            state.stats.inFlightRequests += 1
            state.stats.maxConcurrentRequests = max(state.stats.maxConcurrentRequests, state.stats.inFlightRequests)
            if limit > 0 {
                state.stats.recentRequests.append(MockRecordedRequest(
                    sequence: state.sequence, method: request.method.rawValue, path: request.uri.path,
                    endpoint: endpoint, headerNames: headerNames,
                    hasAPIKeyHeader: request.headers[Self.name("x-api-key")] != nil,
                    hasAuthorizationHeader: request.headers[.authorization] != nil,
                    anthropicVersion: request.headers[Self.name("anthropic-version")],
                    anthropicBeta: request.headers[Self.name("anthropic-beta")],
                    mockFaultHeader: request.headers[Self.name("x-mock-fault")],
                    remoteAddress: remote
                ))
                if state.stats.recentRequests.count > limit {
                    state.stats.recentRequests.removeFirst(state.stats.recentRequests.count - limit)
                }
            }
            let fault = state.faults.isEmpty ? nil : state.faults.removeFirst()
            state.stats.pendingFaults = state.faults.count
            return (state.sequence, fault)
        }
    }

    /// Authentication, then `anthropic-version`, in the order the API checks them.
    /// Returns the version.
    func validateHeaders(_ request: Request) throws(MockAPIError) -> String {
        let apiKey = request.headers[Self.name("x-api-key")]
        let authorization = request.headers[.authorization]
        guard apiKey != nil || authorization != nil else {
            throw MockAPIError(status: 401, message: "x-api-key header is required")
        }
        var presented = apiKey
        if presented == nil, let authorization {
            guard authorization.lowercased().hasPrefix("bearer ") else {
                throw MockAPIError(status: 401, message: "authorization header must use the Bearer scheme")
            }
            presented = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        if let required = configuration.requiredAPIKey, presented != required {
            // Never echo the key: neither the expected one nor the presented one.
            throw MockAPIError(status: 401, message: "invalid x-api-key")
        }
        guard let version = request.headers[Self.name("anthropic-version")] else {
            throw MockAPIError.invalid("anthropic-version: header is required")
        }
        guard MockMessageRequest.knownVersions.contains(version) else {
            throw MockAPIError.invalid("anthropic-version: unknown version '\(version)'")
        }
        return version
    }

    // MARK: Response envelope

    func makeResponse(_ output: MockReplyOutput, requestID: String, sequence: Int, token: InFlightToken) -> Response {
        var fields = HTTPFields()
        func set(_ name: String, _ value: String) { fields[Self.name(name)] = value }
        set("request-id", requestID)
        for (name, value) in rateLimitHeaders(output, sequence: sequence) { set(name, value) }
        for (name, value) in output.headers { set(name, value) }

        var chunks: [[UInt8]]
        var slowMs: Int?
        switch output.body {
        case .json(let json):
            set("content-type", "application/json")
            chunks = [Array(json.serialized.utf8)]
        case .jsonLines(let lines):
            set("content-type", "application/binary")
            chunks = [Array(lines.map { $0.serialized + "\n" }.joined().utf8)]
        case .events(let frames, let split, let slow):
            set("content-type", "text/event-stream; charset=utf-8")
            set("cache-control", "no-cache")
            slowMs = slow
            if let split {
                let bytes = Array(frames.joined().utf8)
                chunks = stride(from: 0, to: bytes.count, by: split).map { Array(bytes[$0..<min($0 + split, bytes.count)]) }
            } else {
                chunks = frames.map { Array($0.utf8) }
            }
        }
        if output.truncate {
            var all = Array(chunks.joined())
            all.removeLast(all.count / 2)
            chunks = [all]
        }
        let isEvents: Bool
        if case .events = output.body { isEvents = true } else { isEvents = false }
        let length: Int? = isEvents ? nil : chunks.reduce(0) { $0 + $1.count }
        let state = self.state
        let finalChunks = chunks
        let pause = slowMs ?? 0
        let body = ResponseBody(contentLength: length) { writer in
            for (index, chunk) in finalChunks.enumerated() {
                if index > 0, pause > 0 { try await Task.sleep(for: .milliseconds(pause)) }
                try await writer.write(ByteBuffer(bytes: chunk))
                state.withLock { $0.stats.bytesSent += chunk.count }
            }
            try await writer.finish(nil)
            withExtendedLifetime(token) {}
        }
        let status = HTTPResponse.Status(code: output.status, reasonPhrase: output.status == 529 ? "Overloaded" : "")
        return Response(status: status, headers: fields, body: body)
    }

    /// `anthropic-ratelimit-*` headers (docs/ANTHROPIC-API.md, "Errors"): fixed limits, the request counter
    /// drives `requests-remaining`, and a 429 reports nothing remaining.
    private func rateLimitHeaders(_ output: MockReplyOutput, sequence: Int) -> [(String, String)] {
        let reset = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.up) * 60)
            .ISO8601Format()
        let limited = output.status == 429
        let requestsLimit = 4_000
        let requestsRemaining = limited ? 0 : requestsLimit - 1 - (sequence - 1) % requestsLimit
        let limits: [(String, Int, Int)] = [
            ("requests", requestsLimit, requestsRemaining),
            ("tokens", 2_000_000, limited ? 0 : 2_000_000 - min(2_000_000, output.inputTokens + output.outputTokens)),
            ("input-tokens", 1_600_000, limited ? 0 : 1_600_000 - min(1_600_000, output.inputTokens)),
            ("output-tokens", 400_000, limited ? 0 : 400_000 - min(400_000, output.outputTokens)),
        ]
        var headers: [(String, String)] = []
        for (kind, limit, remaining) in limits {
            headers.append(("anthropic-ratelimit-\(kind)-limit", String(limit)))
            headers.append(("anthropic-ratelimit-\(kind)-remaining", String(remaining)))
            headers.append(("anthropic-ratelimit-\(kind)-reset", reset))
        }
        return headers
    }
}
