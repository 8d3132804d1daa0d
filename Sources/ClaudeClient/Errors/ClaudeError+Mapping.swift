import Foundation

extension ClaudeError {
    /// The code for an API error: by `error.type` first (it is more specific, e.g. a 503 with
    /// `overloaded_error`), else by status (docs/ANTHROPIC-API.md "Errors").
    static func code(status: Int?, apiErrorType: String?) -> Code {
        switch apiErrorType {
        case "invalid_request_error": return .invalidRequest
        case "authentication_error": return .authentication
        case "permission_error": return .permission
        case "not_found_error": return .notFound
        case "request_too_large": return .requestTooLarge
        case "rate_limit_error": return .rateLimited
        case "api_error": return .apiError
        case "overloaded_error": return .overloaded
        default: break
        }
        switch status {
        case 400: return .invalidRequest
        case 401: return .authentication
        case 403: return .permission
        case 404: return .notFound
        case 408: return .timeout
        case 413: return .requestTooLarge
        case 429: return .rateLimited
        case 529: return .overloaded
        case .some(let status) where status >= 500: return .apiError
        case nil: return .apiError  // an SSE error event of an unknown type
        default: return .otherStatus
        }
    }

    /// Maps a non-2xx response to an error, reading `{"type":"error","error":{…},"request_id":…}`
    /// when the body has that shape.
    static func fromResponse(
        head: HTTPResponseHead, body: Data, attempts: Int, retryAfter: Duration?, secrets: [String]
    ) -> ClaudeError {
        struct Envelope: Decodable {
            var error: APIErrorDetail
            var requestID: String?
            enum CodingKeys: String, CodingKey {
                case error
                case requestID = "request_id"
            }
        }
        let envelope = try? JSONDecoder().decode(Envelope.self, from: body)
        let message: String
        if let envelope {
            message = envelope.error.message
        } else {
            // Not the API's JSON (a proxy page?): keep a short, printable prefix.
            let text = String(decoding: body.prefix(200), as: UTF8.self)
                .filter { !$0.isNewline }
            message = text.isEmpty ? "HTTP \(head.status) with an empty body" : "HTTP \(head.status): \(text)"
        }
        return ClaudeError(
            code: code(status: head.status, apiErrorType: envelope?.error.type),
            status: head.status,
            message: Redaction.redact(message, secrets: secrets),
            apiErrorType: envelope?.error.type,
            requestID: Redaction.headerValue(head.value("request-id") ?? envelope?.requestID, secrets: secrets),
            retryAfter: retryAfter,
            attempts: attempts)
    }

    /// Maps a transport failure.
    static func fromTransport(_ error: TransportError, attempts: Int, secrets: [String]) -> ClaudeError {
        let code: Code
        switch error.kind {
        case .connect, .other: code = .connection
        case .timeout: code = .timeout
        case .cancelled: code = .cancelled
        case .interrupted: code = .connection
        case .invalidRequest: code = .refusedClientSide
        }
        return ClaudeError(
            code: code, message: Redaction.redact(error.detail, secrets: secrets), attempts: attempts)
    }

    /// Whether a transport failure is worth another attempt (connection errors and timeouts).
    static func isRetryable(_ error: TransportError) -> Bool {
        switch error.kind {
        case .connect, .timeout, .interrupted, .other: true
        case .cancelled, .invalidRequest: false
        }
    }
}
