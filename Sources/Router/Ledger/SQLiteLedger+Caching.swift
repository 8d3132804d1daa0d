import Foundation
import RouterPolicies

/// The caching fields of ``LedgerRecord`` in the `ledger` table. Like the flags, they ride in
/// the metadata JSON under reserved keys rather than new columns, so existing databases need no
/// migration; `decodeRow` moves them back. Amounts are integer picodollars written as decimal text.
extension SQLiteLedger {
    /// Prompt caching's saving on the attempt (``LedgerRecord/cacheSaving``).
    package static let cacheSavingKey = "_router_cache_saving"
    /// `"1"` on a response-cache hit (``LedgerRecord/responseCacheHit``).
    package static let responseCacheHitKey = "_router_response_cache_hit"
    /// What a response-cache hit avoided (``LedgerRecord/avoidedCost``).
    package static let avoidedCostKey = "_router_avoided_cost"

    /// The caching fields read back from a row's metadata.
    package struct CachingColumns {
        var cacheSaving: USDAmount?
        var responseCacheHit: Bool?
        var avoidedCost: USDAmount?

        package func apply(to record: inout LedgerRecord) {
            record.cacheSaving = cacheSaving
            record.responseCacheHit = responseCacheHit
            record.avoidedCost = avoidedCost
        }
    }

    package static func storeCaching(of record: LedgerRecord, in metadata: inout [String: String]) {
        if let saving = record.cacheSaving { metadata[cacheSavingKey] = String(saving.picodollars) }
        if record.responseCacheHit == true { metadata[responseCacheHitKey] = "1" }
        if let avoided = record.avoidedCost { metadata[avoidedCostKey] = String(avoided.picodollars) }
    }

    /// Removes the reserved caching keys from `metadata`; `nil` when there were none.
    /// - Throws: ``LedgerError`` (`corruptRecord`) for an amount that is not an integer.
    package static func takeCaching(from metadata: inout [String: String]) throws(LedgerError) -> CachingColumns? {
        let saving = metadata.removeValue(forKey: cacheSavingKey)
        let hit = metadata.removeValue(forKey: responseCacheHitKey)
        let avoided = metadata.removeValue(forKey: avoidedCostKey)
        guard saving != nil || hit != nil || avoided != nil else { return nil }
        func amount(_ text: String?) throws(LedgerError) -> USDAmount? {
            guard let text else { return nil }
            guard let value = Int64(text) else {
                throw LedgerError(code: .corruptRecord, message: "caching amount '\(text)' is not integer picodollars")
            }
            return USDAmount(picodollars: value)
        }
        return CachingColumns(cacheSaving: try amount(saving), responseCacheHit: hit == "1" ? true : nil,
                              avoidedCost: try amount(avoided))
    }
}
