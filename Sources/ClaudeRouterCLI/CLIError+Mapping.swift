import ClaudeClient
import Router
import RouterPolicies

extension CLIError {
    /// Maps library errors to one clear line and an exit status (docs/CLI.md).
    static func mapping(_ error: any Error) -> CLIError? {
        switch error {
        case let error as PolicyError:
            return .data(error.description)
        case let error as ClaudeError:
            return CLIError("error: \(error.description)", status: status(for: error))
        case let error as RouterError:
            if let underlying = error.underlying as? ClaudeError {
                return CLIError("error: \(error.description) (\(underlying.description))", status: status(for: underlying))
            }
            if error.code == .budgetExceeded, let budget = error.budget {
                // The budget error already names the rule, limit, spend and reservations.
                return CLIError("error: budget_exceeded: refused before any request was sent: \(budget.description)", status: .budgetExceeded)
            }
            return CLIError("error: \(error.description)", status: error.code == .invalidPolicy ? .dataError : .failure)
        case let error as LedgerError:
            return CLIError("error: ledger: \(error.description)", status: error.code == .accessDenied ? .permission : .failure)
        default:
            return nil
        }
    }

    /// 77 for refused credentials, 69 for an API that stayed unreachable or overloaded after
    /// the client's retries, 65 for requests the API rejected as invalid.
    static func status(for error: ClaudeError) -> ExitStatus {
        switch error.code {
        case .authentication, .permission: return .permission
        case .connection, .timeout, .overloaded, .rateLimited, .apiError, .streamInterrupted: return .unavailable
        case .invalidRequest, .notFound, .requestTooLarge: return .dataError
        case .refusedClientSide: return error.message.contains("API key") ? .permission : .dataError
        default: return (error.status ?? 0) >= 500 ? .unavailable : .failure
        }
    }
}
