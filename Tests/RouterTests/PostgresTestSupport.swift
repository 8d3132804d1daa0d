import Foundation
import Logging
import PostgresNIO
import Router
import RouterPostgres
import Testing

/// The PostgreSQL server of the tests: `CLAUDE_ROUTER_TEST_POSTGRES_URL` (scripts/test.sh starts
/// one with scripts/postgres.sh and exports it). Each test gets a fresh schema of its own.
///
/// Without the variable, tests that need the server fail in CI (`CI=true`, where the test
/// command always provides it) and are skipped locally with the reason printed.
enum PostgresTestServer {
    static let variable = "CLAUDE_ROUTER_TEST_POSTGRES_URL"

    static var baseURL: String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The tests' operation timeout: the whole suite runs in parallel on as few as 2 cores, where
    /// a connection (SCRAM authentication included) can take far longer than the default 10 s.
    static let operationTimeout: Duration = .seconds(120)

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether tests that need the server run: it is configured, or this is CI (where they fail
    /// loudly instead of being skipped).
    static var shouldRun: Bool {
        if baseURL != nil || isCI { return true }
        printSkipReasonOnce()
        return false
    }

    static let skipReason = "PostgreSQL tests skipped: \(variable) is not set "
        + "(run `bash scripts/postgres.sh start` and export its URL, or use scripts/test.sh)"

    private static let printed = LockedBox(false)

    static func printSkipReasonOnce() {
        let first = printed.mutate { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { print("claude-router tests: \(skipReason)") }
    }

    /// A URL on a schema no other test uses (created by the ledger at open), or `nil` after
    /// recording a test failure when the server is not configured.
    static func freshURL(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let base = baseURL else {
            Issue.record(Comment(rawValue: "\(variable) is not set: the PostgreSQL tests need a server "
                + "(scripts/postgres.sh start; scripts/test.sh starts one)"), sourceLocation: sourceLocation)
            return nil
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// Drops the schema of `url` and everything in it.
    static func dropSchema(of url: String) async {
        guard let parsed = try? PostgresURL(url), let schema = parsed.schema else { return }
        var configuration = parsed.configuration
        configuration.options.additionalStartupParameters = []
        let client = PostgresClient(configuration: configuration)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
            group.cancelAll()
        }
    }

    /// Runs one raw query on `url`'s schema and returns its rows' first column as Int64.
    static func integers(_ sql: String, on url: String) async throws -> [Int64] {
        let parsed = try PostgresURL(url)
        let client = PostgresClient(configuration: parsed.configuration)
        return try await withThrowingTaskGroup(of: [Int64]?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            var result: [Int64] = []
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int64?.self) {
                result.append(value ?? 0)
            }
            return result
        }
    }
}
