/// Why a call may be retried on a larger tier. Raw values are the YAML spellings.
public enum EscalationTrigger: String, Sendable, Hashable, CaseIterable, Codable {
    /// The reply stopped at `max_tokens` (`stop_reason: max_tokens`).
    case maxTokens = "max_tokens"
    /// The model refused (`stop_reason: refusal`).
    case refusal
    /// A caller's `ResponseCheck` rejected the reply.
    case failedCheck = "failed_check"
    /// The caller asked for JSON and the reply did not parse.
    case invalidJSON = "invalid_json"
    /// HTTP 529 `overloaded_error` after the client's own retries.
    case overloaded
    /// HTTP 5xx `api_error` after the client's own retries.
    case serverError = "server_error"
    /// The prompt did not fit (`model_context_window_exceeded`, or a 400 saying so).
    case contextOverflow = "context_overflow"
}
