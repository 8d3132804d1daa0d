/// An error reply in the API's shape: `{"type":"error","error":{"type":T,"message":M},"request_id":R}`.
struct MockAPIError: Error, Sendable {
    var status: Int
    var message: String
    /// Extra response headers (`retry-after`, `x-should-retry`, …).
    var headers: [(String, String)] = []

    /// The error type the real API uses for `status` (docs/ANTHROPIC-API.md, "Errors").
    static func errorType(for status: Int) -> String {
        switch status {
        case 400: return "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 529: return "overloaded_error"
        default: return "api_error"
        }
    }

    var errorType: String { Self.errorType(for: status) }

    static func invalid(_ message: String) -> MockAPIError {
        MockAPIError(status: 400, message: message)
    }

    /// The `error` object (also used inside errored batch results and SSE `error` events).
    var errorObject: MockJSON {
        .object([("type", .string(errorType)), ("message", .string(message))])
    }

    func body(requestID: String) -> MockJSON {
        .object([("type", "error"), ("error", errorObject), ("request_id", .string(requestID))])
    }

    /// The error a `status=` directive asks for, with its retry headers.
    static func scripted(by directive: MockDirective) -> MockAPIError? {
        guard let status = directive.status else { return nil }
        var error = MockAPIError(
            status: status,
            message: "Mock \(errorType(for: status)) (status \(status)) scripted by a mock directive"
        )
        if let retryAfter = directive.retryAfter { error.headers.append(("retry-after", retryAfter)) }
        if let retryAfterMs = directive.retryAfterMs { error.headers.append(("retry-after-ms", String(retryAfterMs))) }
        if let shouldRetry = directive.shouldRetry { error.headers.append(("x-should-retry", String(shouldRetry))) }
        return error
    }
}

/// `prefix` followed by `number` zero-padded to `width` digits (deterministic ids like `req_mock_00000001`).
func mockID(_ prefix: String, _ number: Int, width: Int = 8) -> String {
    let digits = String(number)
    return prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits
}
