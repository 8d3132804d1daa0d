public import ClaudeClient
import Foundation
import RouterPolicies
import Synchronization

extension ModelRouter {
    /// Records the results of a Message Batch in the ledger, each item once, at the batch price
    /// (the price book's `batch_discount`, https://docs.anthropic.com/en/docs/build-with-claude/batch-processing#pricing).
    ///
    /// Each item becomes one record with id `BATCH_ID:CUSTOM_ID` and `requestID` = the batch id:
    /// `succeeded` with its exact cost (unpriced models are recorded as unpriced, not $0);
    /// `errored`, `expired` and `canceled` with outcome `error` (`batch_errored:TYPE`,
    /// `batch_expired`, `batch_canceled`) and a cost of $0. Items already in the ledger are skipped, so
    /// fetching the results twice records nothing twice (fetches of one batch in this process are
    /// serialized; the check reads the ledger). Budgets are not reserved at submit: the recorded
    /// spend counts against them from then on (at once for a SQLite store, which reads the ledger).
    /// - Parameters:
    ///   - batchID: the API's batch id (`msgbatch_…`).
    ///   - results: the result lines read so far (all, or a prefix when the reader stopped early).
    ///   - metadata: the caller's metadata for every record (plus `batch_id`).
    /// - Returns: how many records were written now.
    /// - Throws: the ledger's read or write error.
    @discardableResult
    public func recordBatchResults(batchID: String, results: [BatchResult],
                                   metadata: [String: String] = [:]) async throws -> Int {
        await BatchRecordingGate.shared.enter(batchID)
        defer { Task { await BatchRecordingGate.shared.leave(batchID) } }
        let recorded = Set(try await ledger.records(LedgerQuery()).lazy.filter { $0.requestID == batchID }.map(\.id))
        let policy = await currentPolicy()
        let now = options.now()
        var metadata = metadata
        metadata["batch_id"] = batchID
        var written = 0
        for item in results {
            let id = "\(batchID):\(item.customID)"
            guard !recorded.contains(id) else { continue }
            var model = "unknown"
            var usage = TokenUsage()
            // Only succeeded items are billed (the API charges nothing for the rest).
            var cost: LedgerRecord.Cost? = LedgerRecord.Cost()
            let outcome: LedgerRecord.Outcome
            switch item.result {
            case .succeeded(let message):
                model = message.model
                usage = CostAccounting.tokenUsage(message.usage)
                cost = prices.cost(of: usage, model: model, at: now, batch: true,
                                   inferenceGeo: message.usage.inferenceGeo).map(LedgerRecord.Cost.init)
                outcome = .success
            case .errored(let detail): outcome = .error(code: "batch_errored:\(detail.type)")
            case .expired: outcome = .error(code: "batch_expired")
            case .canceled: outcome = .error(code: "batch_canceled")
            case .unknown(let type, _): outcome = .error(code: "batch_\(type)")
            }
            let tier = policy.tiers.first { model == $0.model || model.hasPrefix($0.model + "-") }?.name
            try await ledger.record(LedgerRecord(
                id: id, time: now, requestID: batchID, policyName: policy.name, policyHash: policy.contentHash,
                tier: tier, model: model, usage: usage, cost: cost, outcome: outcome, metadata: metadata,
                flags: ["batch"]))
            written += 1
        }
        return written
    }
}

/// Serializes the recording of one batch's results in this process, so two concurrent fetches
/// of the same batch cannot both find an item unrecorded.
private actor BatchRecordingGate {
    static let shared = BatchRecordingGate()
    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func enter(_ id: String) async {
        if busy.insert(id).inserted { return }
        await withCheckedContinuation { waiters[id, default: []].append($0) }
    }

    func leave(_ id: String) {
        if var queue = waiters[id], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[id] = queue.isEmpty ? nil : queue
            next.resume()  // the batch stays busy, handed to the next waiter
        } else {
            busy.remove(id)
        }
    }
}
