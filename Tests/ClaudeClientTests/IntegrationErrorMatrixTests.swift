import ClaudeMockServer
import Foundation
import Testing

@testable import ClaudeClient

/// The retry headers a scripted error reply can carry.
enum RetryHeaders: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case none
    case retryAfterSeconds
    case retryAfterFractional
    case retryAfterMs
    case shouldRetryTrue
    case shouldRetryFalse
    case waitAboveMaximum

    var testDescription: String { rawValue }

    func fault(status: Int) -> MockFault {
        switch self {
        case .none: .status(status)
        case .retryAfterSeconds: .status(status, retryAfter: 2)
        case .retryAfterFractional: .status(status, retryAfter: 0.5)
        case .retryAfterMs: .status(status, retryAfterMs: 250)
        case .shouldRetryTrue: .status(status, shouldRetry: true)
        case .shouldRetryFalse: .status(status, shouldRetry: false)
        case .waitAboveMaximum: .status(status, retryAfter: 120)
        }
    }

    /// The wait the server asks for, in seconds.
    var serverWait: Double? {
        switch self {
        case .retryAfterSeconds: 2
        case .retryAfterFractional: 0.5
        case .retryAfterMs: 0.25
        case .waitAboveMaximum: 120
        case .none, .shouldRetryTrue, .shouldRetryFalse: nil
        }
    }
}

/// What the client must do for one status × header combination (docs/ANTHROPIC-API.md "Retry policy":
/// 408, 409, 429 and >= 500 are retried, `x-should-retry` overrides, 2 retries by default,
/// backoff 0.5 s * 2^n minus up to 25% jitter, server waits obeyed up to `maxRetryWait`).
struct ExpectedOutcome: Equatable {
    var code: ClaudeError.Code
    var attempts: Int
    var sleeps: [Double]
    var retryAfter: Double?

    static let maxRetries = 2
    static let maxRetryWaitSeconds = 60.0
    /// Backoff with the injected jitter 0.5: factor 1 - 0.25 * 0.5 = 0.875 on 0.5 s and 1 s.
    static let backoff = [0.4375, 0.875]

    /// The code for a mock error reply: by the body's `error.type` (the mock sends `api_error`
    /// for 408, 409 and 5xx other than 529), per docs/ANTHROPIC-API.md "Errors".
    static func baseCode(status: Int) -> ClaudeError.Code {
        switch status {
        case 400: .invalidRequest
        case 401: .authentication
        case 403: .permission
        case 404: .notFound
        case 413: .requestTooLarge
        case 429: .rateLimited
        case 529: .overloaded
        default: .apiError
        }
    }

    init(code: ClaudeError.Code, attempts: Int, sleeps: [Double], retryAfter: Double?) {
        self.code = code
        self.attempts = attempts
        self.sleeps = sleeps
        self.retryAfter = retryAfter
    }

    init(status: Int, headers: RetryHeaders) {
        let base = Self.baseCode(status: status)
        let retryable: Bool
        switch headers {
        case .shouldRetryTrue: retryable = true
        case .shouldRetryFalse: retryable = false
        default: retryable = [408, 409, 429].contains(status) || status >= 500
        }
        let wait = headers.serverWait
        guard retryable else {
            self.init(code: base, attempts: 1, sleeps: [], retryAfter: wait)
            return
        }
        if let wait, wait > Self.maxRetryWaitSeconds {
            // Longer than maxRetryWait: fail at once, as rateLimited unless overloaded.
            self.init(code: base == .overloaded ? .overloaded : .rateLimited, attempts: 1, sleeps: [], retryAfter: wait)
            return
        }
        let sleeps = wait.map { Array(repeating: $0, count: Self.maxRetries) } ?? Self.backoff
        self.init(code: base, attempts: Self.maxRetries + 1, sleeps: sleeps, retryAfter: wait)
    }
}

func secondsClose(_ lhs: [Double], _ rhs: [Double]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { abs($0 - $1) < 1e-6 }
}

extension IntegrationTests {
    @Suite("Error matrix over real sockets")
    struct ErrorMatrix {
        static let statuses = [400, 401, 403, 404, 408, 409, 413, 429, 500, 502, 503, 529]

        @Test("createMessage: status × retry headers -> code, exact attempts, server-seen requests, delays",
              arguments: statuses, RetryHeaders.allCases)
        func matrix(status: Int, headers: RetryHeaders) async throws {
            let harness = try await IntegrationHarness.start()
            let fault = headers.fault(status: status)
            harness.server.enqueue(fault, fault, fault)
            let error = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
            await harness.stop()
            let expected = ExpectedOutcome(status: status, headers: headers)
            let failure = try #require(error)

            #expect(failure.code == expected.code, "\(failure)")
            #expect(failure.status == status)
            #expect(failure.attempts == expected.attempts)
            #expect(harness.received == expected.attempts, "the mock must see exactly one request per attempt")
            #expect(harness.server.stats.pendingFaults == 3 - expected.attempts)
            #expect(secondsClose(harness.sleeps.seconds, expected.sleeps), "slept \(harness.sleeps.seconds)")
            #expect(failure.retryAfter.map(\.seconds) == expected.retryAfter)
            #expect(failure.requestID == String(format: "req_mock_%08d", expected.attempts))
            #expect(failure.apiErrorType == MockErrorTypes.type(for: status))
        }

        @Test("streamMessage: an error status before the first event follows the same policy",
              arguments: [400, 408, 429, 529])
        func streaming(status: Int) async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.status(status), .status(status), .status(status))
            let error = await claudeError { try await harness.client.streamMessage(IntegrationFixtures.request()) }
            await harness.stop()
            let expected = ExpectedOutcome(status: status, headers: .none)
            #expect(error?.code == expected.code)
            #expect(error?.attempts == expected.attempts)
            #expect(harness.received == expected.attempts)
            #expect(secondsClose(harness.sleeps.seconds, expected.sleeps))
        }

        @Test("fail twice, then succeed: three attempts, the waits the server asked for, then the message")
        func failTwiceThenSucceed() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.overloaded, .status(500, retryAfterMs: 100))
            let response = try await harness.client.createMessage(IntegrationFixtures.request())
            await harness.stop()
            #expect(response.attempts == 3)
            #expect(response.status == 200)
            #expect(response.requestID == "req_mock_00000003")
            #expect(harness.received == 3)
            #expect(secondsClose(harness.sleeps.seconds, [0.4375, 0.1]))
        }

        @Test("streaming: rate limited once with retry-after, then the stream opens on attempt 2")
        func streamingRetryThenSucceed() async throws {
            let harness = try await IntegrationHarness.start()
            harness.server.enqueue(.rateLimited(retryAfter: 1))
            let message = try await harness.client.streamMessage(IntegrationFixtures.request())
            #expect(message.attempts == 2)
            let final = try await message.finalMessage()
            await harness.stop()
            #expect(final.stopReason == .endTurn)
            #expect(secondsClose(harness.sleeps.seconds, [1]))
            #expect(harness.received == 2)
        }

        @Test("maxRetries 0 makes one attempt; maxRetries 4 makes five")
        func retryBudget() async throws {
            for maxRetries in [0, 4] {
                let harness = try await IntegrationHarness.start { $0.maxRetries = maxRetries }
                harness.server.enqueue(contentsOf: Array(repeating: .overloaded, count: 6))
                let error = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
                await harness.stop()
                #expect(error?.code == .overloaded)
                #expect(error?.attempts == maxRetries + 1)
                #expect(harness.received == maxRetries + 1)
                #expect(harness.sleeps.recorded.count == maxRetries)
            }
        }

        @Test("prompt directive and x-mock-fault header script failures too")
        func directiveAndHeader() async throws {
            let harness = try await IntegrationHarness.start { $0.extraHeaders = ["x-mock-fault": "status=503 should-retry=false"] }
            let byHeader = await claudeError { try await harness.client.createMessage(IntegrationFixtures.request()) }
            #expect(byHeader?.code == .apiError)
            #expect(byHeader?.status == 503)
            #expect(byHeader?.attempts == 1)
            await harness.stop()

            let prompted = try await IntegrationHarness.start()
            let byPrompt = await claudeError {
                try await prompted.client.createMessage(IntegrationFixtures.request("hi [[mock: status=429 retry-after-ms=5]]"))
            }
            await prompted.stop()
            #expect(byPrompt?.code == .rateLimited)
            #expect(byPrompt?.attempts == 3)
            #expect(prompted.received == 3)
            #expect(secondsClose(prompted.sleeps.seconds, [0.005, 0.005]))
        }
    }
}

/// The `error.type` the API (and so the mock) sends per status (docs/ANTHROPIC-API.md "Errors").
enum MockErrorTypes {
    static func type(for status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        default: "api_error"
        }
    }
}
