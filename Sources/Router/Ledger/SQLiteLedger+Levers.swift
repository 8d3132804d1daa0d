import Foundation

/// The cost-lever fields of ``LedgerRecord`` in the `ledger` table: like the flags, they ride in
/// the metadata JSON under reserved keys (integers as decimal text), so existing databases need
/// no migration and the columns of other features are untouched.
extension SQLiteLedger {
    /// Reserved metadata key of ``LedgerRecord/trimmedInputTokens``.
    package static let trimmedInputTokensKey = "_router_trimmed_input_tokens"
    /// Reserved metadata key of ``LedgerRecord/preflightInputTokens``.
    package static let preflightInputTokensKey = "_router_preflight_input_tokens"

    package static func storeLeverFields(of record: LedgerRecord, in metadata: inout [String: String]) {
        if let trimmed = record.trimmedInputTokens { metadata[trimmedInputTokensKey] = String(trimmed) }
        if let counted = record.preflightInputTokens { metadata[preflightInputTokensKey] = String(counted) }
    }

    /// Moves the lever fields out of a row's metadata.
    /// - Throws: `LedgerError` (`corruptRecord`) when a value is not an integer.
    package static func takeLeverFields(from metadata: inout [String: String]) throws -> (trimmed: Int?, preflight: Int?) {
        func take(_ key: String) throws -> Int? {
            guard let text = metadata.removeValue(forKey: key) else { return nil }
            guard let value = Int(text) else {
                throw LedgerError(code: .corruptRecord, message: "metadata '\(key)' is not an integer: \(text)")
            }
            return value
        }
        return (try take(trimmedInputTokensKey), try take(preflightInputTokensKey))
    }
}
