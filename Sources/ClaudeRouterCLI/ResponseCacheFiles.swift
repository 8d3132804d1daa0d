import Foundation
import Router
import RouterPolicies
import RouterPostgres

/// Where `send` and `serve` keep the response cache: a SQLite file beside the ledger
/// (`LEDGER.responses.sqlite`), so repeated questions are answered across runs. A PostgreSQL
/// ledger has no "beside": `send` then keeps no cache and `serve` keeps one in memory.
enum ResponseCacheFiles {
    /// The cache file of a ledger.
    static func path(beside ledger: String) -> String { ledger + ".responses.sqlite" }

    /// Whether any task of `policy` has a `response_cache:`.
    static func used(by policy: Policy) -> Bool {
        policy.tasks.values.contains { $0.responseCache != nil }
    }

    /// The cache for `send`: only with a ledger and a policy that uses one (a single call
    /// without a file to keep answers in could never hit).
    static func forSend(ledger: String?, policy: Policy) throws -> ResponseCache? {
        guard let ledger, !PostgresURL.isPostgresURL(ledger), used(by: policy) else { return nil }
        return try open(path(beside: ledger))
    }

    /// The cache for `serve`: beside the ledger, or in memory for the gateway's lifetime
    /// (the policy file may gain a `response_cache:` on reload, so it is always ready).
    static func forServe(ledger: String?) throws -> ResponseCache {
        try open(ledger.flatMap { PostgresURL.isPostgresURL($0) ? nil : path(beside: $0) } ?? ":memory:")
    }

    private static func open(_ path: String) throws -> ResponseCache {
        do {
            return try ResponseCache(path: path)
        } catch {
            throw CLIError.data("error: cannot open the response cache '\(path)': \(error)")
        }
    }
}
