import Foundation
import RouterPolicies

/// The server-tool fields of ``LedgerRecord`` in the `ledger` table: the uses by counter
/// (``TokenUsage/serverToolUse``) and their cost (``LedgerRecord/Cost/serverTools``). Like the
/// flags, they ride in the metadata JSON under reserved keys rather than new columns, so existing
/// databases (SQLite and PostgreSQL) need no migration and older rows read back without them;
/// `cost_total` already includes the cost, so spend sums and budgets count it unchanged.
extension SQLiteLedger {
    /// The uses by counter, a JSON object as text (`{"web_search_requests":3}`).
    package static let serverToolUseKey = "_router_server_tool_use"
    /// Their cost in integer picodollars, written as decimal text.
    package static let serverToolCostKey = "_router_cost_server_tools"

    /// Writes `record`'s server-tool uses and their cost into `metadata` under
    /// ``serverToolUseKey`` and ``serverToolCostKey`` (nothing when it has none).
    /// - Throws: `EncodingError` when the uses cannot be encoded as JSON.
    package static func storeServerTools(of record: LedgerRecord, in metadata: inout [String: String]) throws {
        if let uses = record.usage.serverToolUse, !uses.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            metadata[serverToolUseKey] = String(decoding: try encoder.encode(uses), as: UTF8.self)
        }
        if let cost = record.cost?.serverTools { metadata[serverToolCostKey] = String(cost.picodollars) }
    }

    /// The server-tool fields read back from a row's metadata.
    package struct ServerToolColumns {
        var uses: [String: Int]?
        var cost: USDAmount?

        /// Puts the uses on `record`, and the cost when the record is priced.
        package func apply(to record: inout LedgerRecord) {
            if let uses, !uses.isEmpty { record.usage.serverToolUse = uses }
            if let cost, cost != .zero { record.cost?.serverTools = cost }
        }
    }

    /// Removes the reserved server-tool keys from `metadata`; `nil` when there were none.
    /// - Throws: ``LedgerError`` (`corruptRecord`) for uses that are not a JSON object of
    ///   integers or a cost that is not an integer.
    package static func takeServerTools(from metadata: inout [String: String]) throws(LedgerError) -> ServerToolColumns? {
        let usesText = metadata.removeValue(forKey: serverToolUseKey)
        let costText = metadata.removeValue(forKey: serverToolCostKey)
        guard usesText != nil || costText != nil else { return nil }
        var columns = ServerToolColumns()
        if let usesText {
            guard let uses = try? JSONDecoder().decode([String: Int].self, from: Data(usesText.utf8)) else {
                throw LedgerError(code: .corruptRecord, message: "server tool uses '\(usesText)' are not a JSON object of integers")
            }
            columns.uses = uses
        }
        if let costText {
            guard let value = Int64(costText) else {
                throw LedgerError(code: .corruptRecord, message: "server tool cost '\(costText)' is not integer picodollars")
            }
            columns.cost = USDAmount(picodollars: value)
        }
        return columns
    }
}
