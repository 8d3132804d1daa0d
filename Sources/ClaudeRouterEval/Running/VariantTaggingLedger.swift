package import Router

/// Forwards records to another ledger with `variant` set, so an A/B eval's calls can be told
/// apart in one ledger (`claude-router report --by variant`).
package struct VariantTaggingLedger: CostLedger {
    /// The ledger records go to.
    package let base: any CostLedger
    /// The variant written into every record.
    package let variant: String

    /// Tags records for `base` with `variant`.
    package init(base: any CostLedger, variant: String) {
        self.base = base
        self.variant = variant
    }

    /// Records `record` in `base` with `variant` set.
    package func record(_ record: LedgerRecord) async throws {
        var tagged = record
        // Keep a policy's own A/B arm, if it had one, next to the eval variant.
        if let arm = record.variant, arm != variant { tagged.metadata["policy_variant"] = arm }
        tagged.variant = variant
        try await base.record(tagged)
    }

    /// Reads from `base`.
    package func records(_ query: LedgerQuery) async throws -> [LedgerRecord] { try await base.records(query) }
    /// Flushes `base`.
    package func flush() async throws { try await base.flush() }
    /// Does not close the shared base ledger; its owner does.
    package func close() async throws { try await base.flush() }
}
