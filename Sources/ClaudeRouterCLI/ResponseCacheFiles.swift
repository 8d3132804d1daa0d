import Foundation
import Router
import RouterPolicies
import RouterPostgres

/// Where `send` and `serve` keep the response cache: the `--response-cache` file when given,
/// else a SQLite file beside the ledger (`LEDGER.responses.sqlite`), so repeated questions are
/// answered across runs. A PostgreSQL ledger has no "beside": without `--response-cache`,
/// `send` then keeps no cache and `serve` keeps one in memory.
enum ResponseCacheFiles {
    /// The cache file of a ledger.
    static func path(beside ledger: String) -> String { ledger + ".responses.sqlite" }

    /// Whether any task of `policy` has a `response_cache:`.
    static func used(by policy: Policy) -> Bool {
        policy.tasks.values.contains { $0.responseCache != nil }
    }

    /// The cache for `send`: only with a policy that uses one, and a file to keep answers in
    /// (`explicit`, else beside a file ledger; a single call without a file could never hit).
    static func forSend(ledger: String?, policy: Policy, explicit: String? = nil) throws -> ResponseCache? {
        guard used(by: policy) else { return nil }
        if let explicit { return try open(explicit) }
        guard let ledger, !PostgresURL.isPostgresURL(ledger) else { return nil }
        return try open(path(beside: ledger))
    }

    /// The cache for `serve`: `explicit`, else beside the ledger, else in memory for the
    /// gateway's lifetime (the policy file may gain a `response_cache:` on reload, so it is
    /// always ready).
    static func forServe(ledger: String?, explicit: String? = nil) throws -> ResponseCache {
        if let explicit { return try open(explicit) }
        return try open(ledger.flatMap { PostgresURL.isPostgresURL($0) ? nil : path(beside: $0) } ?? ":memory:")
    }

    private static func open(_ path: String) throws -> ResponseCache {
        do {
            return try ResponseCache(path: path)
        } catch {
            throw CLIError.data("error: cannot open the response cache '\(path)': \(error)")
        }
    }
}
