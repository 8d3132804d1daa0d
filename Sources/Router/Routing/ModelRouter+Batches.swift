public import ClaudeClient
import Foundation
import Logging
public import RouterPolicies

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
    /// - Returns: how many records were written now, and their total cost (to settle a
    ///   ``BatchHold``); the cost is `nil` when an item's is unknown (an unpriced model or
    ///   server-tool counter), which ``settleBatch(_:actualCost:)`` then never reads as $0.
    /// - Throws: the ledger's read or write error.
    @discardableResult
    public func recordBatchResults(batchID: String, results: [BatchResult],
                                   metadata: [String: String] = [:]) async throws -> (written: Int, cost: USDAmount?) {
        let costs = try await recordBatchItems(batchID: batchID, results: results, metadata: metadata, items: [:])
        return (costs.count, Self.knownSum(costs.values))
    }

    /// The sum of `costs` (USD), or `nil` when one of them is unknown.
    static func knownSum(_ costs: some Sequence<USDAmount?>) -> USDAmount? {
        var total = USDAmount.zero
        for cost in costs {
            guard let cost else { return nil }
            total += cost
        }
        return total
    }

    /// ``recordBatchResults(batchID:results:metadata:)`` with what the router knew of each item
    /// when it submitted it (task, metadata, decision), keyed by custom id: those items' records
    /// carry it, and a baseline cost (the baseline tier at the standard price, so the batch
    /// discount shows as savings in reports; for an item whose caller named the model, that
    /// model at the standard price).
    /// - Returns: the cost of each record written now, by custom id (`nil`: unknown).
    /// - Throws: the ledger's read or write error.
    func recordBatchItems(batchID: String, results: [BatchResult], metadata: [String: String],
                          items: [String: DeferredItemContext]) async throws -> [String: USDAmount?] {
        await BatchRecordingGate.shared.enter(batchID)
        defer { Task { await BatchRecordingGate.shared.leave(batchID) } }
        let recorded = Set(try await ledger.records(LedgerQuery()).lazy.filter { $0.requestID == batchID }.map(\.id))
        let policy = await currentPolicy()
        let now = options.now()
        var metadata = metadata
        metadata["batch_id"] = batchID
        var written: [String: USDAmount?] = [:]
        let baselineModel = policy.tierIndex(named: policy.baselineTier).map { policy.tiers[$0].model }
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
            let context = items[item.customID]
            // An item whose caller named the model is measured against that model (the batch
            // discount is its only saving); a routed one against the baseline tier.
            let itemBaseline = context?.callerNamedModel == true ? context?.model : baselineModel
            var baselineCost: USDAmount?
            if context != nil, let itemBaseline {
                baselineCost = cost == nil ? nil : (usage == TokenUsage() ? .zero
                    : prices.cost(of: usage, model: itemBaseline, at: now)?.total)
            }
            var record = LedgerRecord(
                id: id, time: now, requestID: batchID, task: context?.task, policyName: policy.name,
                policyHash: policy.contentHash, tier: context?.tier ?? tier, model: model, reason: context?.reason,
                score: context?.score, usage: usage, cost: cost,
                baselineModel: context == nil ? nil : itemBaseline, baselineCost: baselineCost, outcome: outcome,
                metadata: context.map { metadata.merging($0.metadata) { _, own in own } } ?? metadata,
                flags: ["batch"] + (context?.flags ?? []))
            // What history trimming and pre-flight did to the item before it was submitted.
            record.trimmedInputTokens = context?.trimmedInputTokens
            record.preflightInputTokens = context?.preflightInputTokens
            if cost == nil, let flag = CostAccounting.serverToolFlag(usage, model: model, prices: prices, at: now) {
                record.flags = (record.flags ?? []) + [flag]
            }
            try await ledger.record(record)
            written[item.customID] = .some(cost?.total)
        }
        return written
    }

    /// Reserves a Message Batch's worst case against the budgets before it is submitted: each
    /// request's worst case (as for a single call: input bound at the dearest input rate plus
    /// `max_tokens` of output, ×1.1) at the batch price, summed, held as one reservation under the
    /// caller's task and metadata (`options`). A policy without budgets holds nothing.
    /// Settle the hold with ``settleBatch(_:actualCost:)`` once the results are recorded, or
    /// ``releaseBatch(_:)`` when the batch was not created. In a SQLite store the hold lasts
    /// 25 hours (the batch's longest life, not the store's per-call reservation expiry) unless
    /// settled or released first; other stores keep their own expiry.
    /// An item carrying content its bytes do not bound (a document by URL, …) is counted with
    /// `count_tokens` first when a budget applies, as a single call's is.
    /// - Throws: `RouterError` (`budgetExceeded` naming the budget, `unpricedUnderBudget`,
    ///   `unboundedUnderBudget` when such an item could not be counted), or the budget store's
    ///   own error.
    public func reserveBatch(_ requests: [MessageRequest], options: CallOptions) async throws -> BatchHold {
        try await reserveBatch(requests.map { (request: $0, countedInput: Int?.none) }, options: options)
    }

    /// ``reserveBatch(_:options:)`` where an item's input bound is its exact pre-flight count
    /// when it has one (else the byte bound), as for a single call.
    func reserveBatch(_ requests: [(request: MessageRequest, countedInput: Int?)], options: CallOptions) async throws
        -> BatchHold {
        let snapshot = await store.current()
        let budgets = snapshot.budgets
        guard !snapshot.policy.budgets.isEmpty else {
            return BatchHold(reservation: BudgetReservation(id: UUID().uuidString, amount: .zero, ruleNames: []),
                             budgets: budgets, task: options.task, metadata: options.metadata)
        }
        let accounting = CostAccounting(prices: prices)
        let now = self.options.now()
        var worst = USDAmount.zero
        let applies = !BudgetBuckets(rules: snapshot.policy.budgets)
            .applicable(task: options.task, metadata: options.metadata).isEmpty
        for (request, counted) in requests {
            var counted = counted
            if counted == nil, applies, let content = CostAccounting.unboundedContent(request) {
                // As for a single call: content the bytes do not bound is counted, or refused.
                var count = CountTokensRequest(request)
                count.model = request.model
                do {
                    counted = try await client.countTokens(count, options: options.request).body.inputTokens
                } catch {
                    throw RouterError(code: .unboundedUnderBudget, message:
                        "a batch request carries \(content), whose billed tokens its size does not bound, and a budget "
                        + "applies; count_tokens could not count it (\(Self.describe(error))), so no worst case could be "
                        + "reserved and nothing was sent; retry when count_tokens answers", underlying: error)
                }
            }
            let serverTools = try Self.serverToolBound(request, task: options.task, metadata: options.metadata,
                                                       policy: snapshot.policy)
            guard let item = accounting.worstCaseParts(inputBound: counted ?? CostAccounting.inputTokenBound(request),
                                                       maxTokens: request.maxTokens, model: request.model, at: now,
                                                       serverToolUses: serverTools) else {
                throw Self.unpricedError(model: request.model, serverTools: serverTools, at: now, prices: prices)
            }
            // The batch discount applies to tokens only: per-use server-tool fees are charged whole.
            let discount = prices.batchDiscount
            let keep = discount.denominator - discount.significand
            let tokens = item.tokens.picodollars > Int64.max / max(keep, 1)
                ? CostAccounting.saturated : min(item.tokens.scaled(by: keep, over: discount.denominator), CostAccounting.saturated)
            worst = CostAccounting.adding(worst, CostAccounting.adding(tokens, item.fees))
        }
        do {
            let reservation = try await budgets.reserve(estimatedWorstCase: worst, task: options.task,
                                                        metadata: options.metadata, id: UUID().uuidString)
            if let sqlite = budgets as? SQLiteBudgetStore {
                // Held for the batch's whole life (the API ends a batch within 24 h), not one
                // call's expiry: the results, possibly fetched by another process, settle it.
                _ = try? await sqlite.extend(reservation, until: now.addingTimeInterval(Self.batchHoldSeconds))
            }
            return BatchHold(reservation: reservation, budgets: budgets, task: options.task, metadata: options.metadata)
        } catch let error as BudgetError {
            metrics.budgetRejected(rule: error.ruleName)
            throw RouterError(code: .budgetExceeded, message: error.description, budget: error)
        }
    }

    /// How long a batch's hold lasts in a SQLite budget store that nobody settles: the API's
    /// 24-hour processing window plus an hour.
    static let batchHoldSeconds: TimeInterval = 25 * 3600

    /// Replaces a batch's hold with what its recorded results cost. Errors are logged.
    /// `actualCost` `nil` (an item's cost is unknown) keeps the whole hold, never $0: an
    /// in-memory store counts it as spend; a SQLite or PostgreSQL store keeps it held until it
    /// expires (25 hours), since their spend is the ledger's known costs.
    public func settleBatch(_ hold: BatchHold, actualCost: USDAmount?) async {
        guard !hold.reservation.ruleNames.isEmpty else { return }
        guard let actualCost else {
            do {
                try await hold.budgets.settle(hold.reservation, actualCost: hold.reservation.amount)
            } catch {
                logger.error("batch budget hold not settled", metadata: ["error": "\(error)"])
            }
            return
        }
        do {
            // An in-memory store turns the hold into spend here; a SQLite store reads spend from
            // the ledger and closes a hold when a record with its id is inserted, which a batch's
            // per-item records never are, so the release that follows drops its rows (a no-op
            // for a hold already settled).
            try await hold.budgets.settle(hold.reservation, actualCost: actualCost)
            try await hold.budgets.release(hold.reservation)
        } catch {
            logger.error("batch budget hold not settled", metadata: ["error": "\(error)"])
        }
    }

    /// Gives a batch's hold back (the batch was not created). Errors are logged.
    public func releaseBatch(_ hold: BatchHold) async {
        guard !hold.reservation.ruleNames.isEmpty else { return }
        do {
            try await hold.budgets.release(hold.reservation)
        } catch {
            logger.error("batch budget hold not released", metadata: ["error": "\(error)"])
        }
    }
}

/// A Message Batch's reservation against the budgets in force when it was submitted
/// (``ModelRouter/reserveBatch(_:options:)``); a reload of the policy does not move it.
public struct BatchHold: Sendable {
    /// The reservation (its amount is the batch's worst case at the batch price, USD).
    public let reservation: BudgetReservation
    let budgets: any BudgetStore
    /// The task the hold was reserved under (``ModelRouter/reserveBatch(_:options:)``'s options).
    public let task: String?
    /// The metadata the hold was reserved under.
    public let metadata: [String: String]
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
