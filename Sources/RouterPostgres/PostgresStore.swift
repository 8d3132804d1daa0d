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
        return try await Self.withTimeout(timeout) { try await body(client) }
    }

    /// Opens one connection outside the pool, runs `SELECT 1` and closes it: whether the server
    /// answers and takes the credentials, told at once. The pool would retry a refused password
    /// or a missing database with backoff until the operation timeout and then report only that
    /// the server "did not answer". Errors of the connection itself (refused, reset, timed out,
    /// SQLSTATE 57P03 "starting up") are retried until the operation timeout, so a server still
    /// starting is waited for; the error then carries the last attempt's reason.
    /// - Throws: ``LedgerError``: `database_unavailable` (with the reason: "Connection refused",
    ///   a host that does not resolve, …), `database_access_denied` (SQLSTATE class 28 or 42501, a
    ///   refused password or role, a password the server's method needs), `postgres` (another
    ///   server error, e.g. 3D000 for a missing database; TLS the server lacks or that fails).
    func checkReachable(_ what: String) async throws {
        let place = "\(url)"
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try url.connectionConfiguration()
        } catch {
            // A local configuration problem, not the server's.
            throw LedgerError(code: .postgres, message: "\(what): cannot set up TLS: \(error)", file: place)
        }
        let logger = self.logger
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: operationTimeout)
        var pause = Duration.milliseconds(50)
        var lastReason: String?
        func gaveUp() -> LedgerError {
            let tenths = (started.duration(to: clock.now) / .milliseconds(100)).rounded()
            return LedgerError(code: .unavailable, message: "\(what): \(lastReason ?? "no answer") (after "
                + "\(tenths / 10) s of the \(operationTimeout / .seconds(1)) s timeout)", file: place)
        }
        while true {
            do {
                try await Self.withTimeout(clock.now.duration(to: deadline)) {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                    do {
                        _ = try await connection.query("SELECT 1", logger: logger)
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    // The check passed; a failure to say goodbye is not the server's answer.
                    try? await connection.close()
                }
                return
            } catch is TimedOut {
                throw gaveUp()
            } catch let error as PSQLError where Self.isConnectionFailure(error) {
                lastReason = Self.reason(error)
                guard clock.now.advanced(by: pause) < deadline else { throw gaveUp() }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            } catch {
                throw mapped(error, what: what)
            }
        }
    }

    /// `body`, or ``TimedOut`` once `timeout` has passed (`body` is then cancelled).
    static func withTimeout<T: Sendable>(_ timeout: Duration,
                                         _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
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

    /// Whether `error` is about reaching the server rather than an answer from it: worth
    /// retrying while a server starts.
    /// 57P03 is "the database system is starting up", 53300 "too many connections"; a TLS
    /// failure (postgres-nio reports it as a connection error too) is not retried: it will not
    /// change while the server runs.
    static func isConnectionFailure(_ error: PSQLError) -> Bool {
        if let state = error.serverInfo?[.sqlState] { return state == "57P03" || state == "53300" }
        if error.underlying.flatMap(fatalTLSReason) != nil { return false }
        return error.code == .connectionError || error.code == .serverClosedConnection
            || error.code == .uncleanShutdown
    }

    /// Why TLS with the server cannot work, for a failure that retrying will not change: a
    /// certificate or protocol error in the handshake, a certificate that does not match the host
    /// name, TLS that cannot be set up here. `nil` for everything else, including a connection
    /// that drops during or after the handshake (`uncleanShutdown`, an end of file): those are the
    /// server or the network being unavailable, and are retried as such.
    static func fatalTLSReason(_ underlying: any Error) -> String? {
        let verification = "sslmode=require checks it against the system's trust store and the host name; "
            + "sslmode=prefer encrypts without checking"
        if let error = underlying as? NIOSSLExtraError {
            return "the server's certificate does not match the host name (\(verification)): \(error)"
        }
        guard let error = underlying as? NIOSSLError else { return nil }
        switch error {
        case .handshakeFailed(let cause):
            switch cause {
            case .sslError, .unknownError, .invalidSNIName, .failedToSetALPN:
                // BoringSSL's own text names its source files; say what it means instead.
                return "\(cause)".contains("CERTIFICATE_VERIFY_FAILED")
                    ? "the server's certificate failed verification (\(verification))"
                    : "the TLS handshake failed (a protocol or certificate error)"
            default:
                return nil
            }
        case .failedToLoadCertificate, .failedToLoadPrivateKey, .noSuchFilesystemObject, .unableToAllocateBoringSSLObject,
             .cannotMatchULabel, .noCertificateToValidate, .unableToValidateCertificate:
            return "TLS cannot be set up: \(error)"
        default:
            return nil
        }
    }

    /// A short reason for a failed connection: the system's words for the socket error
    /// ("Connection refused"), "cannot resolve host …", or the server's message and SQLSTATE.
    static func reason(_ error: PSQLError) -> String {
        if let state = error.serverInfo?[.sqlState] {
            return "\(error.serverInfo?[.message] ?? "server error") (SQLSTATE \(state))"
        }
        func describe(_ error: any Error) -> String {
            if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
            if let error = error as? ChannelError, case .connectTimeout(let after) = error {
                return "no connection within \(Double(after.nanoseconds) / 1e9) s"
            }
            if let error = error as? NIOConnectionError {
                if let failure = error.connectionErrors.last { return describe(failure.error) }
                if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve host '\(error.host)'" }
            }
            return String(describing: error)
        }
        return error.underlying.map(describe) ?? "\(error.code)"
    }

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
            return LedgerError(code: .unavailable, message: "\(what): no answer in time", file: place)
        }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "server error"
                // Class 08 is a connection exception; 57P0x is an administrator shutdown; class
                // 28 is a refused authorization (password, role), 42501 a missing privilege
                // (https://www.postgresql.org/docs/current/errcodes-appendix.html).
                let code: LedgerError.Code =
                    state.hasPrefix("08") || state.hasPrefix("57P") ? .unavailable
                    : state.hasPrefix("28") || state == "42501" ? .accessDenied : .postgres
                // 3D000: the database named in the URL does not exist.
                let hint = state == "3D000" ? "; create it first (createdb, or CREATE DATABASE)" : ""
                return LedgerError(code: code, message: "\(what): \(message) (SQLSTATE \(state))\(hint)", file: place)
            }
            // Failures of the client's side of the handshake: credentials the server's method
            // needs or rejects, and TLS the server does not offer or the certificate fails.
            let authentication: String? = switch error.code {
            case .authMechanismRequiresPassword: "the server asks for a password and the URL has none"
            case .unsupportedAuthMechanism: "the server asks for an authentication method this client does not support"
            case .saslError: "SCRAM authentication failed"
            default: nil
            }
            if let authentication {
                return LedgerError(code: .accessDenied, message: "\(what): \(authentication)", file: place)
            }
            if error.code == .sslUnsupported {
                return LedgerError(code: .postgres, message: "\(what): the server does not offer TLS (sslmode=require)",
                                   file: place)
            }
            if let reason = error.underlying.flatMap(Self.fatalTLSReason) {
                return LedgerError(code: .postgres, message: "\(what): \(reason)", file: place)
            }
            return LedgerError(code: .unavailable, message: "\(what): unreachable: \(Self.reason(error))", file: place)
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
            "\(what): unreachable (\(String(describing: type(of: error))))", file: place)
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
