import Foundation
import Logging
import PostgresNIO
import Router

/// The connection pool shared by a ``PostgresLedger`` and its ``PostgresBudgetStore``: a
/// postgres-nio `PostgresClient` (its pool reconnects with exponential backoff on its own), the
/// task that runs it, and the operation timeout that turns an unreachable server into a prompt,
/// clear ``LedgerError`` (`database_unavailable`) instead of a call that waits forever.
final class PostgresStore: Sendable {
    let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    /// How long one operation (lease + statements) may take before it fails as unavailable.
    let operationTimeout: Duration
    private let runTask: Task<Void, Never>

    init(url: PostgresURL, operationTimeout: Duration, logger: Logger) {
        self.url = url
        self.logger = logger
        self.operationTimeout = operationTimeout
        let client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task { await client.run() }
    }

    /// Stops the pool (open connections close; later operations fail as unavailable).
    func shutdown() {
        runTask.cancel()
    }

    /// Runs `body` with the operation timeout, mapping every failure to a ``LedgerError`` whose
    /// message names the server by its redacted URL (never the password).
    /// A deadlock or serialization failure (the transaction was rolled back) is retried up to
    /// 8 times.
    /// - Parameter timeout: this operation's limit instead of ``operationTimeout``.
    func run<T: Sendable>(_ what: String, timeout: Duration? = nil,
                          _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await runOnce(what, timeout: timeout ?? operationTimeout, body)
            } catch where Self.isRetryable(error) && attempt < 8 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int64.random(in: 1...(5 << min(attempt, 5)))))
            } catch {
                throw Self.unwrapped(error) ?? mapped(error, what: what)
            }
        }
    }

    private func runOnce<T: Sendable>(_ what: String, timeout: Duration,
                                      _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = self.client
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body(client) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TimedOut()
            }
            return value
        }
    }

    private struct TimedOut: Error {}

    /// An error of this library's own that ``run(_:_:)`` passes through unmapped.
    protocol PassThrough: Error {}

    /// The router's own error (``LedgerError``, ``BudgetError``) when `error` is one or wraps
    /// one (a transaction rolled back because its body threw it).
    static func unwrapped(_ error: any Error) -> (any Error)? {
        if error is LedgerError || error is BudgetError || error is any PassThrough { return error }
        if let error = error as? PostgresTransactionError, let inner = error.closureError {
            return unwrapped(inner)
        }
        return nil
    }

    /// A ``LedgerError`` for a postgres-nio (or timeout) error: `database_unavailable` for
    /// connection problems, `postgres` with the SQLSTATE and server message otherwise.
    func mapped(_ error: any Error, what: String) -> LedgerError {
        let place = "\(url)"
        if error is TimedOut {
            return LedgerError(code: .unavailable, message:
                "\(what): PostgreSQL at \(place) did not answer in time", file: place)
        }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "server error"
                // Class 08 is a connection exception; 57P0x is an administrator shutdown.
                let code: LedgerError.Code = state.hasPrefix("08") || state.hasPrefix("57P") ? .unavailable : .postgres
                return LedgerError(code: code, message: "\(what): \(message) (SQLSTATE \(state))", file: place)
            }
            return LedgerError(code: .unavailable, message:
                "\(what): PostgreSQL at \(place) is unreachable (\(error.code))", file: place)
        }
        if let error = error as? PostgresTransactionError {
            for inner in [error.beginError, error.closureError, error.commitError].compactMap({ $0 }) {
                return mapped(inner, what: what)
            }
        }
        if error is CancellationError {
            return LedgerError(code: .unavailable, message: "\(what): cancelled", file: place)
        }
        return LedgerError(code: .unavailable, message:
            "\(what): PostgreSQL at \(place) is unreachable (\(String(describing: type(of: error))))", file: place)
    }

    /// Whether `error` is worth retrying the whole transaction for: a deadlock or a
    /// serialization failure (SQLSTATE 40P01, 40001).
    static func isRetryable(_ error: any Error) -> Bool {
        func state(_ error: any Error) -> String? {
            if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
            if let error = error as? PostgresTransactionError {
                return [error.closureError, error.commitError, error.beginError].compactMap { $0 }.first.flatMap(state)
            }
            return nil
        }
        return state(error).map { $0 == "40P01" || $0 == "40001" } ?? false
    }
}
