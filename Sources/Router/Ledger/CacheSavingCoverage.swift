import Foundation
import RouterPolicies

/// How many priced attempts with prompt-cache tokens carry a recorded caching saving
/// (``LedgerRecord/cacheSaving``). Records written before the ledger kept that saving have cache
/// reads and writes but no saving: summed, they would read as "$0 saved", which is unknown, not
/// zero. `claude-router report` uses this to say so.
///
/// Counted: attempts with a cost (an unpriced attempt has no saving either, and is reported as
/// unpriced) and with cache reads or writes (`cache_read`, `cache_write_5m`, `cache_write_1h` > 0).
public struct CacheSavingCoverage: Sendable, Hashable {
    /// Priced attempts that read from or wrote to the prompt cache.
    public var cachedAttempts = 0
    /// Of those, the attempts whose caching saving is recorded.
    public var recordedAttempts = 0

    /// An empty coverage.
    public init() {}

    /// Cached attempts without a recorded saving.
    public var unrecordedAttempts: Int { cachedAttempts - recordedAttempts }

    /// The coverage of `records`.
    public static func of(_ records: [LedgerRecord]) -> CacheSavingCoverage {
        var coverage = CacheSavingCoverage()
        for record in records where record.cost != nil {
            let usage = record.usage
            guard usage.cacheRead > 0 || usage.cacheWrite5m > 0 || usage.cacheWrite1h > 0 else { continue }
            coverage.cachedAttempts += 1
            if record.cacheSaving != nil { coverage.recordedAttempts += 1 }
        }
        return coverage
    }
}

extension SQLiteLedger {
    /// ``CacheSavingCoverage`` of the records matching `query`, counted inside SQLite (one scan;
    /// the metadata is only searched on rows with cache tokens). `query.limit` and
    /// `query.newestFirst` are ignored.
    /// - Throws: ``LedgerError`` (`closed`, `sqlite`).
    public func cacheSavingCoverage(_ query: LedgerQuery) async throws -> CacheSavingCoverage {
        let filter = SQLiteReportQuery(query: query, key: .all).filter
        let cached = "(cost_total IS NOT NULL AND (cache_read_tokens > 0 OR cache_write_5m_tokens > 0 OR cache_write_1h_tokens > 0))"
        let sql = """
            SELECT COUNT(*), SUM(instr(metadata, '"\(Self.cacheSavingKey)"') > 0)
            FROM ledger WHERE \(filter.sql) AND \(cached)
            """
        return try await writer.withStorage { storage throws(LedgerError) in
            let statement = try storage.connection.statement(sql)
            defer { statement.reset() }
            for (offset, binding) in filter.bindings.enumerated() {
                switch binding {
                case .integer(let value): statement.bind(value, at: Int32(offset + 1))
                case .text(let value): statement.bind(value, at: Int32(offset + 1))
                }
            }
            var coverage = CacheSavingCoverage()
            if try statement.step() {
                coverage.cachedAttempts = statement.int(0) ?? 0
                coverage.recordedAttempts = statement.int(1) ?? 0
            }
            return coverage
        }
    }
}
