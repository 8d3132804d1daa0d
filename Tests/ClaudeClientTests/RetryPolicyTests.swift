import Foundation
import Testing

@testable import ClaudeClient

/// The retry matrix of docs/ANTHROPIC-API.md "Retry policy": 2 retries by default; 408, 409, 429 and
/// >= 500 retried; `x-should-retry` overrides; server waits obeyed up to `maxRetryWait`.
@Suite("Retry policy")
struct RetryPolicyTests {
    static let statuses = Array(400...529)

    @Test("status x x-should-retry: exact attempts, backoff delays and error code", arguments: statuses, [nil, "true", "false"])
    func statusMatrix(status: Int, shouldRetry: String?) async throws {
        var headers = [("request-id", "req_\(status)")]
        if let shouldRetry { headers.append(("x-should-retry", shouldRetry)) }
        let reply = ScriptedReply.json(status, Fixtures.errorBody("some_error", "boom"), headers: headers)
        let test = TestClient([reply, reply, reply], random: 0.5)

        let error = try await #require(throws: ClaudeError.self) {
            _ = try await test.client.createMessage(Fixtures.request)
        }
        let expectRetry = switch shouldRetry {
        case "true": true
        case "false": false
        default: status == 408 || status == 409 || status == 429 || status >= 500
        }
        #expect(test.transport.requests.count == (expectRetry ? 3 : 1))
        #expect(error.attempts == (expectRetry ? 3 : 1))
        #expect(error.status == status)
        #expect(error.requestID == "req_\(status)")
        #expect(error.message == "boom")
        // random 0.5 -> jitter factor 1 - 0.25 * 0.5 = 0.875 on 0.5 s and 1 s.
        #expect(test.sleeps.seconds == (expectRetry ? [0.4375, 0.875] : []))
        #expect(error.code == ClaudeError.code(status: status, apiErrorType: nil))
    }

    @Test("API error types map to codes whatever the status")
    func errorTypes() async throws {
        let cases: [(Int, String, ClaudeError)] = [
            (400, "invalid_request_error", .invalidRequest), (401, "authentication_error", .authentication),
            (403, "permission_error", .permission), (404, "not_found_error", .notFound),
            (413, "request_too_large", .requestTooLarge), (429, "rate_limit_error", .rateLimited),
            (500, "api_error", .apiError), (529, "overloaded_error", .overloaded), (503, "overloaded_error", .overloaded),
            (418, "teapot_error", .otherStatus), (502, "bad_gateway", .apiError),
        ]
        for (status, type, expected) in cases {
            let test = TestClient([.json(status, Fixtures.errorBody(type, "msg \(type)", requestID: "req_body"))], maxRetries: 0)
            let error = try await #require(throws: ClaudeError.self) { _ = try await test.client.createMessage(Fixtures.request) }
            #expect(error == expected, "status \(status) type \(type)")
            #expect(error.apiErrorType == type)
            #expect(error.message == "msg \(type)")
            #expect(error.requestID == "req_body")  // no header: the body's request_id
        }
    }

    @Test("backoff doubles from 0.5 s, caps at 8 s, jitter removes at most 25%")
    func backoffBounds() async throws {
        let reply = ScriptedReply.json(500, Fixtures.errorBody("api_error", "x"))
        for random in [0.0, 0.999_999] {
            let test = TestClient(Array(repeating: reply, count: 7), maxRetries: 6, random: random)
            await #expect(throws: ClaudeError.apiError) { _ = try await test.client.createMessage(Fixtures.request) }
            #expect(test.transport.requests.count == 7)
            let bases = [0.5, 1, 2, 4, 8, 8]
            #expect(test.sleeps.seconds.count == 6)
            for (slept, base) in zip(test.sleeps.seconds, bases) {
                #expect(slept <= base + 1e-9 && slept >= base * 0.75 - 1e-9)
                if random == 0 { #expect(abs(slept - base) < 1e-9) }
            }
        }
    }

    struct WaitCase: Sendable, CustomTestStringConvertible {
        var name: String
        var headers: [(String, String)]
        var expectedWait: Double?  // nil: exponential backoff applies
        var testDescription: String { name }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static let waitCases: [WaitCase] = [
        WaitCase(name: "retry-after-ms", headers: [("retry-after-ms", "1500")], expectedWait: 1.5),
        WaitCase(name: "retry-after seconds", headers: [("retry-after", "2")], expectedWait: 2),
        WaitCase(name: "retry-after fractional", headers: [("retry-after", "0.25")], expectedWait: 0.25),
        WaitCase(name: "retry-after HTTP date", headers: [("retry-after", httpDate(now.addingTimeInterval(30)))], expectedWait: 30),
        WaitCase(name: "ms wins over seconds", headers: [("retry-after", "9"), ("retry-after-ms", "250")], expectedWait: 0.25),
        WaitCase(name: "zero falls back", headers: [("retry-after", "0")], expectedWait: nil),
        WaitCase(name: "negative falls back", headers: [("retry-after-ms", "-5")], expectedWait: nil),
        WaitCase(name: "garbage falls back", headers: [("retry-after", "soon")], expectedWait: nil),
        WaitCase(name: "date in the past falls back", headers: [("retry-after", httpDate(now.addingTimeInterval(-30)))], expectedWait: nil),
        WaitCase(name: "exactly the cap is obeyed", headers: [("retry-after", "60")], expectedWait: 60),
    ]

    @Test("server waits are obeyed up to maxRetryWait", arguments: waitCases, [429, 529])
    func serverWait(_ waitCase: WaitCase, status: Int) async throws {
        let reply = ScriptedReply.json(status, Fixtures.errorBody("rate_limit_error", "slow down"), headers: waitCase.headers)
        let test = TestClient([reply, reply, .json(200, Fixtures.messageJSON)], random: 0, now: Self.now)
        let response = try await test.client.createMessage(Fixtures.request)
        #expect(response.attempts == 3)
        let expected = waitCase.expectedWait.map { [$0, $0] } ?? [0.5, 1.0]
        #expect(zip(test.sleeps.seconds, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(test.sleeps.seconds.count == 2)
    }

    @Test("a server wait over the cap fails at once carrying the wait", arguments: [
        (429, "retry-after", "120", ClaudeError.rateLimited, 120.0),
        (529, "retry-after-ms", "90000", ClaudeError.overloaded, 90.0),
        (503, "retry-after", "61", ClaudeError.rateLimited, 61.0),
        (429, "retry-after", httpDate(now.addingTimeInterval(3600)), ClaudeError.rateLimited, 3600.0),
    ])
    func overCap(status: Int, header: String, value: String, expected: ClaudeError, wait: Double) async throws {
        let reply = ScriptedReply.json(status, Fixtures.errorBody("x_error", "wait"), headers: [(header, value)])
        let test = TestClient([reply, reply, reply], now: Self.now)
        let error = try await #require(throws: ClaudeError.self) { _ = try await test.client.createMessage(Fixtures.request) }
        #expect(error == expected)
        #expect(test.transport.requests.count == 1)
        #expect(test.sleeps.recorded.isEmpty)
        #expect(error.attempts == 1)
        #expect(abs((error.retryAfter?.seconds ?? -1) - wait) < 1e-6)
        #expect(error.status == status)
    }

    @Test("a larger maxRetryWait obeys a long server wait")
    func raisedCap() async throws {
        let reply = ScriptedReply.json(429, Fixtures.errorBody("rate_limit_error", "wait"), headers: [("retry-after", "120")])
        let test = TestClient([reply, .json(200, Fixtures.messageJSON)], maxRetryWait: .seconds(300))
        let response = try await test.client.createMessage(Fixtures.request)
        #expect(response.attempts == 2)
        #expect(test.sleeps.recorded == [.seconds(120)])
    }

    @Test("x-should-retry: false with a retry-after still fails at once, carrying the wait")
    func shouldRetryFalseWithWait() async throws {
        let reply = ScriptedReply.json(
            429, Fixtures.errorBody("rate_limit_error", "no"), headers: [("x-should-retry", "false"), ("retry-after", "3")])
        let test = TestClient([reply])
        let error = try await #require(throws: ClaudeError.self) { _ = try await test.client.createMessage(Fixtures.request) }
        #expect(error == .rateLimited)
        #expect(error.retryAfter == .seconds(3))
        #expect(test.transport.requests.count == 1)
    }

    @Test("connection errors and timeouts are retried; cancellation is not", arguments: [
        (TransportError.Kind.connect, ClaudeError.connection, 3),
        (.timeout, .timeout, 3),
        (.interrupted, .connection, 3),
        (.cancelled, .cancelled, 1),
        (.invalidRequest, .refusedClientSide, 1),
    ])
    func transportErrors(kind: TransportError.Kind, expected: ClaudeError, attempts: Int) async throws {
        let failure = ScriptedReply.failure(TransportError(kind: kind, detail: "libcurl said no"))
        let test = TestClient([failure, failure, failure])
        let error = try await #require(throws: ClaudeError.self) { _ = try await test.client.createMessage(Fixtures.request) }
        #expect(error == expected)
        #expect(error.attempts == attempts)
        #expect(test.transport.requests.count == attempts)
        #expect(test.sleeps.recorded.count == attempts - 1)
    }

    @Test("success after failures reports the attempts; maxRetries 0 makes one attempt")
    func attemptsReported() async throws {
        let test = TestClient([.failure(TransportError(kind: .connect, detail: "refused")), .json(200, Fixtures.messageJSON)])
        let response = try await test.client.createMessage(Fixtures.request)
        #expect(response.attempts == 2)
        #expect(response.body.text == "Hi there")

        let single = TestClient([.json(529, Fixtures.errorBody("overloaded_error", "busy")), .json(200, Fixtures.messageJSON)], maxRetries: 0)
        await #expect(throws: ClaudeError.overloaded) { _ = try await single.client.createMessage(Fixtures.request) }
        #expect(single.transport.requests.count == 1)
    }

    @Test("catch ClaudeError.rateLimited matches by code")
    func catchPattern() async {
        let test = TestClient([.json(429, Fixtures.errorBody("rate_limit_error", "slow"))], maxRetries: 0)
        var caught = "none"
        do {
            _ = try await test.client.createMessage(Fixtures.request)
        } catch ClaudeError.overloaded {
            caught = "overloaded"
        } catch ClaudeError.rateLimited {
            caught = "rateLimited"
        } catch {
            caught = "other"
        }
        #expect(caught == "rateLimited")
        #expect(ClaudeError.rateLimited.shortDescription == "rateLimited")
    }
}
