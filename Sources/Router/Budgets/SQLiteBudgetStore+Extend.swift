public import Foundation

extension SQLiteBudgetStore {
    /// Keeps an open reservation held until `date` instead of ``reservationExpiry`` after it
    /// was taken: for a hold that must outlive any single call — a Message Batch's, which the
    /// API may take up to 24 hours to process and which the process fetching the results
    /// settles (https://docs.anthropic.com/en/docs/build-with-claude/batch-processing). Never
    /// shortens a hold. Returns whether any of its rows was extended (`false`: already settled,
    /// released or expired).
    /// - Throws: ``LedgerError`` (`sqlite`).
    @discardableResult
    public func extend(_ reservation: BudgetReservation, until date: Date) async throws -> Bool {
        guard !reservation.ruleNames.isEmpty else { return false }
        let until = LedgerRecord.microseconds(of: date)
        return try await onQueue { store in
            let update = try store.connection.statement(
                "UPDATE budget_reservations SET expires_us = ?2 WHERE id = ?1 AND expires_us < ?2")
            update.bind(reservation.id, at: 1)
            update.bind(until, at: 2)
            try update.run()
            return store.connection.changes > 0
        }
    }
}
