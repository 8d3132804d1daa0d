import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection, which the mock
/// needs to count connections, to reset them and to notice a client that gave up.
struct MockRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// docs/ANTHROPIC-API.md: a Batch may be up to 256 MB.
    var maxUploadSize: Int { 256 * 1024 * 1024 }
}

/// What a handler decided to send, before it becomes a Hummingbird `Response`.
struct MockReplyOutput {
    enum Body {
        case json(MockJSON)
        case jsonLines([MockJSON])
        /// SSE frames, optionally re-chunked every `split` bytes, `slowMs` between writes.
        case events([String], split: Int?, slowMs: Int?)
    }

    var status = 200
    var headers: [(String, String)] = []
    var body: Body
    /// Cut the body to half its bytes (`malformed`).
    var truncate = false
    /// Tokens for the rate-limit headers.
    var inputTokens = 0
    var outputTokens = 0
}

/// Thrown after the mock closed a connection on purpose (`reset`, `stall` ending).
struct MockConnectionClosed: Error {}

/// The mock's single responder: routes by path, validates like the API, applies faults.
struct MockResponder: HTTPResponder {
    typealias Context = MockRequestContext

    let state: SharedMockState
    let configuration: MockAnthropicServer.Configuration

    func respond(to request: Request, context: Context) async throws -> Response {
        let (endpoint, resourceID) = Self.route(method: request.method, path: request.uri.path)
        let remote = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }
        let (sequence, enqueued) = begin(request: request, endpoint: endpoint, remote: remote)
        let token = InFlightToken(state: state)
        let requestID = mockID("req_mock_", sequence)
        do {
            let output = try await handle(
                request: request, context: context, endpoint: endpoint, resourceID: resourceID,
                sequence: sequence, requestID: requestID, enqueued: enqueued
            )
            return makeResponse(output, requestID: requestID, sequence: sequence, token: token)
        } catch let error as MockAPIError {
            let output = MockReplyOutput(status: error.status, headers: error.headers, body: .json(error.body(requestID: requestID)))
            return makeResponse(output, requestID: requestID, sequence: sequence, token: token)
        }
    }

    // MARK: Dispatch

    private func handle(
        request: Request, context: Context, endpoint: MockEndpoint, resourceID: String?,
        sequence: Int, requestID: String, enqueued: MockDirective?
    ) async throws -> MockReplyOutput {
        // Faults that do not depend on the body come first, like an overloaded front end.
        let header = request.headers[Self.name("x-mock-fault")]
        var outer = MockDirective()
        if let header {
            guard let parsed = MockDirective.parse(header: header, model: nil) else {
                throw MockAPIError.invalid("x-mock-fault: cannot parse the mock directive '\(header)'")
            }
            outer = parsed
        }
        if let enqueued { outer = outer.overriding(with: enqueued) }
        try await applyTransportFaults(outer, context: context)
        if let error = MockAPIError.scripted(by: outer) { throw error }

        let version = try validateHeaders(request)
        var bodyRequest = request
        switch endpoint {
        case .messages:
            let json = try await readJSON(&bodyRequest, limit: 32 * 1024 * 1024)
            return try await messages(json: json, version: version, outer: outer, context: context,
                                      sequence: sequence, requestID: requestID)
        case .countTokens:
            let json = try await readJSON(&bodyRequest, limit: 32 * 1024 * 1024)
            return try await countTokens(json: json, version: version, outer: outer, context: context)
        case .createBatch:
            let json = try await readJSON(&bodyRequest, limit: 256 * 1024 * 1024)
            return finish(try createBatch(json: json, version: version), outer)
        case .listBatches:
            return finish(try listBatches(query: Self.query(request.uri.query)), outer)
        case .retrieveBatch:
            return finish(try retrieveBatch(id: resourceID ?? ""), outer)
        case .batchResults:
            return finish(try batchResults(id: resourceID ?? ""), outer)
        case .cancelBatch:
            return finish(try cancelBatch(id: resourceID ?? ""), outer)
        case .listModels:
            return finish(try listModels(query: Self.query(request.uri.query)), outer)
        case .retrieveModel:
            return finish(try retrieveModel(id: resourceID ?? ""), outer)
        case .unknown:
            throw MockAPIError(status: 404, message: "Not found: \(request.method.rawValue) \(request.uri.path) (mock)")
        }
    }

    /// Applies `malformed` and `x-should-retry` from the outer faults to a successful reply.
    func finish(_ output: MockReplyOutput, _ directive: MockDirective) -> MockReplyOutput {
        var output = output
        if directive.malformed == true { output.truncate = true }
        if let shouldRetry = directive.shouldRetry { output.headers.append(("x-should-retry", String(shouldRetry))) }
        return output
    }

    /// `delay-ms`, `stall` and `reset`: the faults that happen before any byte is written.
    func applyTransportFaults(_ directive: MockDirective, context: Context) async throws {
        if let delay = directive.delayMs, delay > 0 {
            try await waitWhileOpen(context: context, until: .now + .milliseconds(delay))
        }
        if directive.reset == true {
            context.channel.close(promise: nil)
            throw MockConnectionClosed()
        }
        if directive.stall == true {
            try await waitWhileOpen(context: context, until: nil)
            context.channel.close(promise: nil)
            throw MockConnectionClosed()
        }
    }

    /// Sleeps in short slices until `deadline` (forever when `nil`), returning early when the
    /// server stops or the client has gone, so `stop()` never waits for a scripted stall.
    private func waitWhileOpen(context: Context, until deadline: ContinuousClock.Instant?) async throws {
        while true {
            if state.withLock({ $0.stopping }) || !context.channel.isActive || Task.isCancelled { return }
            let now = ContinuousClock.now
            if let deadline, now >= deadline { return }
            var slice = Duration.milliseconds(20)
            if let deadline, deadline - now < slice { slice = deadline - now }
            try? await Task.sleep(for: slice)
        }
    }

    private func readJSON(_ request: inout Request, limit: Int) async throws -> MockJSON {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw MockAPIError(status: 413, message: "Request exceeds the maximum allowed number of bytes (\(limit))")
        }
        let bytes = Array(buffer.readableBytesView)
        state.withLock { $0.stats.lastRequestBody = bytes }
        guard let json = MockJSON.parse(bytes) else {
            throw MockAPIError.invalid("Request body is not valid JSON")
        }
        return json
    }
}
