import ClaudeClient
import Foundation
import Router
import RouterPolicies

/// An error reply in the API's shape and status semantics, so the official SDKs raise their
/// typed errors and apply their retry rules unchanged
/// (https://docs.anthropic.com/en/api/errors: 400 `invalid_request_error`, 401
/// `authentication_error`, 403 `permission_error`, 404 `not_found_error`, 413
/// `request_too_large`, 429 `rate_limit_error`, 500 `api_error`, 504 `timeout_error`,
/// 529 `overloaded_error`; other 5xx statuses carry `api_error`).
struct GatewayAPIError: Error, Sendable {
    /// HTTP status.
    var status: Int
    /// The API's `error.type`.
    var type: String
    /// One line for the caller; never a key or prompt text.
    var message: String
    /// Extra response headers (`retry-after`, `x-should-retry`, `request-id`).
    var headers: [(String, String)] = []
    /// The upstream request id, when the error came from the API.
    var requestID: String?
    /// A stable label for the access log (`budget_exceeded`, `upstream`, …).
    var logCode: String

    static func invalidRequest(_ message: String) -> GatewayAPIError {
        GatewayAPIError(status: 400, type: "invalid_request_error", message: message, logCode: "invalid_request")
    }

    static func notFound(_ message: String) -> GatewayAPIError {
        GatewayAPIError(status: 404, type: "not_found_error", message: message, logCode: "not_found")
    }

    static func authentication(_ message: String) -> GatewayAPIError {
        GatewayAPIError(status: 401, type: "authentication_error", message: message, logCode: "authentication")
    }

    static func permission(_ message: String) -> GatewayAPIError {
        GatewayAPIError(status: 403, type: "permission_error", message: message, logCode: "permission")
    }

    /// The API's error body.
    var body: [UInt8] {
        let reply = WireEncoding.ErrorBody(error: .init(type: type, message: message), requestID: requestID)
        return (try? WireEncoding.json(reply)) ?? Array(#"{"type":"error","error":{"type":"api_error","message":""}}"#.utf8)
    }

    /// The `error.type` the API uses for `status`.
    static func apiType(forStatus status: Int) -> String {
        switch status {
        case 400: return "invalid_request_error"
        case 401: return "authentication_error"
        case 402: return "billing_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 504: return "timeout_error"
        case 529: return "overloaded_error"
        default: return "api_error"
        }
    }

    /// Maps what a routed call threw to the reply the caller gets.
    ///
    /// - An API error (it has a status) passes through: status, `error.type`, message, request id,
    ///   `retry-after`, the API's `x-should-retry` (so an SDK does not retry what the API said
    ///   cannot succeed) and its `anthropic-ratelimit-*` headers.
    /// - A request the client refuses before sending (`refusedClientSide`) is a 400 saying why.
    /// - A budget refusal is a 429 `rate_limit_error` naming the budget, its limit and spend and
    ///   when its period resets, with `x-should-retry: false` (retrying at once cannot succeed)
    ///   and `retry-after` set to the seconds until the reset.
    /// - An unpriced model under a budget is a 400: the caller can pick a priced model.
    /// - Transport failures upstream are 502 `api_error` (504 `timeout_error` for timeouts).
    /// - The budget or ledger database unreachable (``LedgerError`` `database_unavailable`, e.g.
    ///   PostgreSQL down) is 503 `api_error`: the gateway cannot serve now, a retry later can
    ///   succeed. Budgets fail closed, so for a reservation nothing was sent upstream.
    static func from(_ error: any Error, policy: Policy?, now: Date) -> GatewayAPIError {
        if let error = error as? GatewayAPIError { return error }
        if let error = error as? ClaudeError { return from(error) }
        // A reservation's store error reaches the gateway as it is; a ledger write's is wrapped.
        if let error = error as? LedgerError, error.code == .unavailable { return databaseUnavailable(budget: true) }
        if let error = error as? RouterError, error.code == .ledgerWriteFailed,
           let underlying = error.underlying as? LedgerError, underlying.code == .unavailable {
            return databaseUnavailable(budget: false)
        }
        if let error = error as? RouterError { return from(error, policy: policy, now: now) }
        // Another ledger failure (e.g. the dashboard's `integer_overflow`): the caller sees a plain
        // 500, the access log the ledger's code.
        if let error = error as? LedgerError {
            return GatewayAPIError(status: 500, type: "api_error", message: "internal gateway error", logCode: "ledger_\(error.code)")
        }
        return GatewayAPIError(status: 500, type: "api_error", message: "internal gateway error", logCode: "internal")
    }

    /// 503 `api_error` for an unreachable database: before the call (`budget`: a reservation, or
    /// a read such as the dashboard's) or when the call's ledger record could not be written. The message
    /// never names the database: its URL is the operator's, not the caller's.
    static func databaseUnavailable(budget: Bool) -> GatewayAPIError {
        let message = budget
            ? "the budget/ledger database is unavailable: no budget could be reserved, so the request was not sent upstream; retry later"
            : "the ledger database is unavailable: this call's cost record could not be written; retry later"
        return GatewayAPIError(status: 503, type: "api_error", message: message,
                               logCode: budget ? "budget_database_unavailable" : "ledger_database_unavailable")
    }

    static func from(_ error: ClaudeError) -> GatewayAPIError {
        var headers: [(String, String)] = []
        if let wait = error.retryAfter {
            let seconds = max(0, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            headers.append(("retry-after", String(seconds)))
        }
        if let shouldRetry = error.shouldRetry { headers.append(("x-should-retry", shouldRetry ? "true" : "false")) }
        headers += GatewayResponder.rateLimitHeaders(error.rateLimit)
        if let status = error.status {
            return GatewayAPIError(status: status, type: error.apiErrorType ?? apiType(forStatus: status),
                                   message: error.message, headers: headers, requestID: error.requestID,
                                   logCode: "upstream_\(status)")
        }
        switch error.code {
        case .refusedClientSide, .invalidRequest:
            return GatewayAPIError(status: 400, type: "invalid_request_error", message: error.message,
                                   logCode: "refused_client_side")
        case .timeout:
            return GatewayAPIError(status: 504, type: "timeout_error",
                                   message: "the upstream API did not answer in time: \(error.message)",
                                   logCode: "upstream_timeout")
        case .overloaded:
            return GatewayAPIError(status: 529, type: "overloaded_error", message: error.message, headers: headers,
                                   requestID: error.requestID, logCode: "upstream_overloaded")
        case .rateLimited:
            return GatewayAPIError(status: 429, type: "rate_limit_error", message: error.message, headers: headers,
                                   requestID: error.requestID, logCode: "upstream_rate_limited")
        case .cancelled:
            return GatewayAPIError(status: 499, type: "api_error", message: "the request was cancelled",
                                   logCode: "cancelled")
        default:
            return GatewayAPIError(status: 502, type: "api_error",
                                   message: "the upstream API failed: \(error.code): \(error.message)",
                                   requestID: error.requestID, logCode: "upstream_\(error.code)")
        }
    }

    static func from(_ error: RouterError, policy: Policy?, now: Date) -> GatewayAPIError {
        switch error.code {
        case .budgetExceeded:
            guard let budget = error.budget else {
                return GatewayAPIError(status: 429, type: "rate_limit_error", message: error.message,
                                       headers: [("x-should-retry", "false")], logCode: "budget_exceeded")
            }
            let rule = policy?.budgets.first { $0.name == budget.ruleName }
            let reset = rule.flatMap { BudgetPeriods.nextReset(of: $0.period, after: now) }
            var message = "budget '\(budget.ruleName)'"
            if let key = budget.scopeKey { message += " [\(key)]" }
            message += " would be exceeded: hard limit \(budget.limit), spent \(budget.spent), "
                + "reserved by calls in flight \(budget.reserved), this request's worst case \(budget.requested); "
            var headers = [("x-should-retry", "false"), ("x-router-budget", budget.ruleName)]
            if let reset {
                message += "it resets at \(BudgetPeriods.rfc3339(reset))"
                headers.append(("retry-after", String(max(1, Int(reset.timeIntervalSince(now).rounded(.up))))))
                headers.append(("x-router-budget-reset", BudgetPeriods.rfc3339(reset)))
            } else {
                message += "its period is 'total', so it never resets"
            }
            return GatewayAPIError(status: 429, type: "rate_limit_error", message: message, headers: headers,
                                   logCode: "budget_exceeded")
        case .unpricedUnderBudget:
            return GatewayAPIError(status: 400, type: "invalid_request_error", message: error.message,
                                   logCode: "unpriced_under_budget")
        case .unboundedUnderBudget:
            // The count's own failure decides the status (a 400 for content the API refuses, a
            // 429/529/5xx the caller may retry); the message says why nothing was sent.
            // Without one, the request itself leaves the cost unbounded (a server tool without
            // `max_uses`): the caller can fix it.
            guard let upstream = error.underlying as? ClaudeError else {
                return GatewayAPIError(status: 400, type: "invalid_request_error", message: error.message,
                                       logCode: "unbounded_under_budget")
            }
            var reply = from(upstream)
            reply.message = error.message
            reply.logCode = "unbounded_under_budget"
            return reply
        case .incompleteStream:
            return GatewayAPIError(status: 502, type: "api_error", message: error.message, logCode: "incomplete_stream")
        default:
            return GatewayAPIError(status: 500, type: "api_error", message: "router error: \(error.code)",
                                   logCode: "router_\(error.code)")
        }
    }
}

/// Budget period boundaries (UTC calendar periods, as the router's budgets use).
enum BudgetPeriods {
    /// When the current `period` ends: the next UTC midnight for `day`, the first of the next
    /// month for `month`, `nil` for `total` (it never resets).
    static func nextReset(of period: BudgetRule.Period, after now: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        switch period {
        case .day:
            let start = calendar.startOfDay(for: now)
            return calendar.date(byAdding: .day, value: 1, to: start)
        case .month:
            let parts = calendar.dateComponents([.year, .month], from: now)
            guard let start = calendar.date(from: parts) else { return nil }
            return calendar.date(byAdding: .month, value: 1, to: start)
        case .total:
            return nil
        }
    }

    /// `2026-12-01T00:00:00Z`.
    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}
