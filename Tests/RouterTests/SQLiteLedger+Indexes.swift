import Dispatch
@testable import Router

extension SQLiteLedger {
    /// Names of the indexes on the ledger table (for migration tests).
    func indexNames() async throws -> [String] {
        try await writer.withStorage { storage throws(LedgerError) in
            let statement = try storage.connection.statement(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger' ORDER BY name")
            defer { statement.reset() }
            var names: [String] = []
            while try statement.step() { names.append(statement.string(0) ?? "") }
            return names
        }
    }
}
