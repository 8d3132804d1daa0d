import Foundation
public import PostgresNIO
public import Router

/// A PostgreSQL connection URL (`postgres://` or `postgresql://`), parsed, with a redacted form
/// for logs, errors and reports.
///
/// Form (the libpq URI form, see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS):
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable&pool_size=20&connect_timeout=10`.
/// Understood query parameters: `sslmode` (`disable`; `prefer`, the default: TLS when the server
/// offers it, without verifying its certificate, as libpq's `prefer` — a man in the middle could
/// strip TLS anyway; `require`: TLS with the certificate verified against the system's trust
/// store and the host name, stricter than libpq's `require`, which does not verify),
/// `pool_size` (the pool's maximum connections, default 20), `connect_timeout` (seconds, default 10)
/// `host` (a Unix socket directory, as libpq reads it) and `schema` (the PostgreSQL schema the
/// tables live in, created when missing: several fleets or test runs can share one database;
/// default `public`). What ``PostgresLedger/open(url:logger:)`` reads besides: `batch_records`
/// and `batch_delay_ms` (batched durability, both required together; default durable),
/// `on_unavailable` (`fail`, the default, or `queue`) and `timeout` (seconds one operation may
/// wait for the server, default 10). Percent-escapes in the user and password are decoded.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address (TCP), or `nil` for a Unix socket.
    public var host: String?
    /// The TCP port; default 5432.
    public var port: Int
    /// The Unix socket path (`DIR/.s.PGSQL.PORT`) when the URL names a socket directory.
    public var unixSocketPath: String?
    /// The user name.
    public var user: String
    /// The password, if any. Never printed: ``description`` redacts it.
    public var password: String?
    /// The database; default the user name.
    public var database: String
    /// `disable`, `prefer` or `require`.
    public var sslMode: String
    /// The pool's maximum number of connections.
    public var poolSize: Int
    /// How long a new connection may take.
    public var connectTimeout: Duration
    /// The schema of the ledger and budget tables (`nil`: the server's default, `public`);
    /// lowercase letters, digits and `_` only.
    public var schema: String?
    /// The ledger's durability: batched when `batch_records` and `batch_delay_ms` are given.
    public var durability: LedgerDurability
    /// `on_unavailable=queue`: records that cannot be written are queued and retried.
    public var queueWhenUnavailable: Bool
    /// How long one operation may wait for the server (`timeout`, seconds).
    public var operationTimeout: Duration

    /// Whether `text` is a PostgreSQL URL (`postgres://` or `postgresql://`), i.e. a ledger
    /// argument that selects the PostgreSQL ledger rather than a file.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// The query parameters this type reads; any other is an error.
    public static let parameters: Set<String> = [
        "sslmode", "pool_size", "connect_timeout", "host", "schema", "batch_records", "batch_delay_ms",
        "on_unavailable", "timeout",
    ]

    /// Parses `text`.
    /// - Throws: ``PostgresURLError`` naming the problem (an unknown query parameter too); its
    ///   message shows the redacted URL.
    public init(_ text: String) throws(PostgresURLError) {
        guard Self.isPostgresURL(text) else {
            throw PostgresURLError(message: "not a postgres:// or postgresql:// URL")
        }
        guard let components = URLComponents(string: text) else {
            throw PostgresURLError(message: "'\(Self.redact(text))' is not a valid URL")
        }
        let items = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
                               uniquingKeysWith: { _, last in last })
        // A misspelt parameter must not pass silently: `ssl_mode=require` would otherwise
        // connect with the default `prefer` (its certificate unchecked).
        if let unknown = items.keys.filter({ !Self.parameters.contains($0) }).min() {
            let hint = unknown == "sslrootcert" || unknown == "sslcert" || unknown == "sslkey"
                ? " (certificates come from the system's trust store; see sslmode)" : ""
            throw PostgresURLError(message: "unknown parameter '\(unknown)'\(hint); known: "
                + Self.parameters.sorted().joined(separator: ", "))
        }
        user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        port = components.port ?? 5432
        let hostName = components.host.flatMap { $0.removingPercentEncoding } ?? ""
        if let socketDirectory = items["host"], socketDirectory.hasPrefix("/") {
            host = nil
            unixSocketPath = socketDirectory + "/.s.PGSQL.\(port)"
        } else if hostName.hasPrefix("/") {
            host = nil
            unixSocketPath = hostName + "/.s.PGSQL.\(port)"
        } else {
            host = hostName.isEmpty ? "localhost" : hostName
            unixSocketPath = nil
        }
        sslMode = items["sslmode"] ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw PostgresURLError(message: "sslmode must be disable, prefer or require, got '\(sslMode)'")
        }
        poolSize = 20
        if let text = items["pool_size"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw PostgresURLError(message: "pool_size must be an integer from 1 to 1000, got '\(text)'")
            }
            poolSize = value
        }
        schema = nil
        if let text = items["schema"] {
            guard !text.isEmpty, text.count <= 63, text.first.map({ !$0.isNumber }) == true,
                  text.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                throw PostgresURLError(message: "schema must be 1 to 63 of a-z, 0-9 and _, not starting with a digit, got '\(text)'")
            }
            schema = text
        }
        durability = .durable
        switch (items["batch_records"], items["batch_delay_ms"]) {
        case (nil, nil): break
        case (let records?, let delay?):
            guard let count = Int(records), (1...100_000).contains(count), let ms = Int(delay), (1...600_000).contains(ms)
            else {
                throw PostgresURLError(message:
                    "batch_records must be 1 to 100000 and batch_delay_ms 1 to 600000, got '\(records)' and '\(delay)'")
            }
            durability = .batched(maxRecords: count, maxDelay: .milliseconds(ms))
        default:
            throw PostgresURLError(message: "batch_records and batch_delay_ms go together")
        }
        switch items["on_unavailable"] {
        case nil, "fail": queueWhenUnavailable = false
        case "queue": queueWhenUnavailable = true
        case let other?: throw PostgresURLError(message: "on_unavailable must be fail or queue, got '\(other)'")
        }
        operationTimeout = .seconds(10)
        if let text = items["timeout"] {
            guard let value = Double(text), value > 0, value <= 3600 else {
                throw PostgresURLError(message: "timeout must be seconds in (0, 3600], got '\(text)'")
            }
            operationTimeout = .milliseconds(Int64((value * 1000).rounded()))
        }
        connectTimeout = .seconds(10)
        if let text = items["connect_timeout"] {
            guard let value = Double(text), value > 0, value <= 3600 else {
                throw PostgresURLError(message: "connect_timeout must be seconds in (0, 3600], got '\(text)'")
            }
            connectTimeout = .milliseconds(Int64((value * 1000).rounded()))
        }
    }

    /// The URL with the password replaced by `***`: what logs, errors and reports show.
    public var description: String {
        let credentials = password == nil ? user : user + ":***"
        let place = unixSocketPath ?? "\(host ?? "localhost"):\(port)"
        return "postgres://\(credentials)@\(place)/\(database)" + (schema.map { "?schema=\($0)" } ?? "")
    }

    /// `text` with any password between `://user:` and `@` replaced by `***` (for messages about
    /// URLs that did not parse).
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"),
              let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// The postgres-nio client configuration.
    public var configuration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let unixSocketPath {
            configuration = PostgresClient.Configuration(unixSocketPath: unixSocketPath, username: user,
                                                         password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS = switch sslMode {
            case "disable": .disable
            case "require": .require(.makeClientConfiguration())
            default: .prefer(Self.preferTLS)
            }
            configuration = PostgresClient.Configuration(host: host ?? "localhost", port: port, username: user,
                                                         password: password, database: database, tls: tls)
        }
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = connectTimeout
        if let schema {
            // A startup parameter: every pooled connection resolves table names in the schema.
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        return configuration
    }

    /// `sslmode=prefer`'s TLS: encryption when offered, the certificate not verified (libpq's
    /// `prefer`, https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS).
    static var preferTLS: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return tls
    }

    /// The same server, credentials, TLS mode, connect timeout and schema as ``configuration``,
    /// for one connection outside the pool (the reachability check when a ledger opens, which
    /// must see a refused password at once rather than the pool's retries).
    /// - Throws: NIOSSL's error when the system's TLS configuration cannot be loaded.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let unixSocketPath {
            configuration = PostgresConnection.Configuration(unixSocketPath: unixSocketPath, username: user,
                                                             password: password, database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS = switch sslMode {
            case "disable": .disable
            case "require": .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: .prefer(try NIOSSLContext(configuration: Self.preferTLS))
            }
            configuration = PostgresConnection.Configuration(host: host ?? "localhost", port: port, username: user,
                                                             password: password, database: database, tls: tls)
        }
        let (seconds, attoseconds) = connectTimeout.components
        configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if let schema { configuration.options.additionalStartupParameters.append(("search_path", schema)) }
        return configuration
    }
}

/// A PostgreSQL URL that could not be parsed. The message never contains the password.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the URL.
    public var message: String
    public var description: String { "invalid PostgreSQL URL: \(message)" }
}
