import ClaudeClient
import Foundation
import Logging
import RouterPolicies

extension ModelRouter {
    /// Prices the attempt in flight, writes its ledger record (awaited: durable before the call
    /// goes on), settles its budget reservation, counts its metrics and appends its summary to
    /// `call.attempts`.
    ///
    /// The record's id is the reservation's id: a SQLite ledger settles a shared budget in the
    /// transaction that inserts the record. The store's `settle` runs after the write, also when
    /// the write failed (the call was paid for; an in-memory budget must count it either way).
    /// - Throws: `RouterError.ledgerWriteFailed`, carrying the reply when there was one (so a
    ///   reply that was paid for is not lost).
    @discardableResult
    func record(_ end: AttemptEnd, in call: inout RoutedCall) async throws -> AttemptSummary {
        let decision = call.decision
        let snapshot = call.snapshot
        let reservation = call.current.reservation
        let model = end.model ?? decision.model
        let latency = end.ended - call.attemptStarted
        let now = options.now()
        let accounting = CostAccounting(prices: prices)
        let (check, cost) = price(end, in: call, accounting: accounting, at: now)
        let usage = check.usage
        let flags = check.flags + end.flags + call.levers.flags
        let geo = end.usage.inferenceGeo
        // A call whose caller named the model was not routed: its baseline is itself (no saving
        // claimed). A routed call's baseline is the policy's baseline tier on the same usage.
        let baselineModel = call.callerNamedModel
            ? model : snapshot.policy.tierIndex(named: snapshot.policy.baselineTier).map { snapshot.policy.tiers[$0].model }
        let baselineCost: USDAmount?
        if call.callerNamedModel {
            baselineCost = check.isPriceable ? cost?.total : nil
        } else {
            baselineCost = check.isPriceable
                ? baselineModel.flatMap { accounting.cost(usage, model: $0, inferenceGeo: geo, at: now)?.total } : nil
        }
        // Unpriced: keep the reserved worst case as spent, so a budget is never under-counted.
        let charge = cost?.total ?? reservation.amount

        var record = LedgerRecord(
            id: reservation.id, time: now, requestID: end.requestID ?? "", attempt: call.attemptNumber, parentID: call.parentID,
            task: decision.task, variant: decision.variant, policyName: snapshot.policy.name,
            policyHash: snapshot.policy.contentHash, tier: decision.tier, model: model, reason: decision.reason,
            score: decision.score, usage: usage, cost: cost.map(LedgerRecord.Cost.init),
            baselineModel: baselineModel, baselineCost: baselineCost, latencyMs: latency.whole(.milliseconds(1)),
            outcome: end.outcome, stream: call.isStream, metadata: call.input.metadata,
            promptText: options.recordContent ? call.input.text : nil,
            responseText: options.recordContent ? end.message?.text : nil, flags: flags)
        record.trimmedInputTokens = call.levers.trimmedInputTokens
        record.preflightInputTokens = call.levers.preflightInputTokens
        if cost != nil {
            record.cacheSaving = Self.cacheSaving(usage, model: model, inferenceGeo: geo, accounting: accounting, at: now)
            if let saving = record.cacheSaving { metrics.cacheSaving(saving, model: model) }
        }
        let summary = AttemptSummary(
            attempt: call.attemptNumber, recordID: record.id, decision: decision, requestID: end.requestID,
            usage: usage, cost: cost, baselineCost: baselineCost, latency: latency, outcome: end.outcome,
            trigger: end.trigger, flags: flags)
        metrics.recorded(record, decision: decision)
        if !flags.isEmpty {
            call.logger.warning("reply usage flagged", metadata: ["model": "\(model)", "flags": "\(flags.joined(separator: "; "))"])
        }
        if cost == nil, check.isPriceable {
            call.logger.warning("unpriced model: the attempt's cost is unknown (recorded as unpriced, not $0)",
                                metadata: ["model": "\(model)"])
        }
        call.attempts.append(summary)
        if case .success = end.outcome { rememberSession(call, usage: usage) }
        do {
            try await ledger.record(record)
            await settle(reservation, charge: charge, in: snapshot, logger: call.logger)
        } catch {
            await settle(reservation, charge: charge, in: snapshot, logger: call.logger)
            metrics.ledgerWriteFailed()
            call.logger.error("ledger write failed", metadata: ["record": "\(record.id)", "error": "\(error)"])
            let paid = end.message.map {
                RoutedResponse(message: $0, attempts: call.attempts, unresolvedTrigger: end.trigger)
            }
            throw RouterError(code: .ledgerWriteFailed,
                              message: "the attempt's ledger record could not be written: \(error)",
                              underlying: error, response: paid, unrecorded: record)
        }
        return summary
    }

    /// The attempt's checked usage and its cost, exactly as its record prices them. Counts from
    /// the network are checked before they are priced: impossible ones leave the cost unknown
    /// (`nil`: never $0, never negative) and the check carries the flag saying why; an unpriced
    /// model's cost is `nil` too, and so is the cost of a reply reporting uses of a server-tool
    /// counter the price book has no price for (flag `server_tool_unpriced`).
    func price(_ end: AttemptEnd, in call: RoutedCall, accounting: CostAccounting, at now: Date)
        -> (check: UsageCheck, cost: CostBreakdown?) {
        var check = UsageCheck(end.usage, maxTokens: end.message == nil ? 0 : call.decision.maxTokens)
        guard check.isPriceable else { return (check, nil) }
        let model = end.model ?? call.decision.model
        let cost = accounting.cost(check.usage, model: model, inferenceGeo: end.usage.inferenceGeo, at: now)
        if cost == nil, let flag = CostAccounting.serverToolFlag(check.usage, model: model, prices: accounting.prices, at: now) {
            check.flags.append(flag)
        }
        return (check, cost)
    }

    /// Settles with the store; a store error is logged, not thrown: the reply was paid for and
    /// recorded, and a SQLite store's accounting is the ledger row already written.
    func settle(_ reservation: BudgetReservation, charge: USDAmount, in snapshot: PolicyStore.Snapshot,
                logger: Logger) async {
        do {
            try await snapshot.budgets.settle(reservation, actualCost: charge)
        } catch {
            logger.error("budget store settle failed", metadata: ["error": "\(error)"])
        }
    }
}
