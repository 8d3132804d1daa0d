import ClaudeClient
import Foundation
import Logging
import RouterPolicies

extension ModelRouter {
    /// Prices the attempt in flight, settles its budget reservation, writes its ledger record
    /// (awaited: durable before the call goes on), counts its metrics and appends its summary to
    /// `call.attempts`.
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
        // Counts from the network are checked before they are priced: impossible ones leave the
        // cost unknown (never $0, never negative) and flag the record with the reason.
        let check = UsageCheck(end.usage, maxTokens: end.message == nil ? 0 : decision.maxTokens)
        let usage = check.usage
        let flags = check.flags + end.flags
        let geo = end.usage.inferenceGeo
        let cost = check.isPriceable ? accounting.cost(usage, model: model, inferenceGeo: geo, at: now) : nil
        let baselineModel = snapshot.policy.tierIndex(named: snapshot.policy.baselineTier)
            .map { snapshot.policy.tiers[$0].model }
        let baselineCost = check.isPriceable
            ? baselineModel.flatMap { accounting.cost(usage, model: $0, inferenceGeo: geo, at: now)?.total } : nil
        // Unpriced: keep the reserved worst case as spent, so a budget is never under-counted.
        await snapshot.budgets.settle(reservation, actualCost: cost?.total ?? reservation.amount)

        let record = LedgerRecord(
            time: now, requestID: end.requestID ?? "", attempt: call.attemptNumber, parentID: call.parentID,
            task: decision.task, variant: decision.variant, policyName: snapshot.policy.name,
            policyHash: snapshot.policy.contentHash, tier: decision.tier, model: model, reason: decision.reason,
            score: decision.score, usage: usage, cost: cost.map(LedgerRecord.Cost.init),
            baselineModel: baselineModel, baselineCost: baselineCost, latencyMs: latency.whole(.milliseconds(1)),
            outcome: end.outcome, stream: call.isStream, metadata: call.input.metadata,
            promptText: options.recordContent ? call.input.text : nil,
            responseText: options.recordContent ? end.message?.text : nil, flags: flags)
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
        do {
            try await ledger.record(record)
        } catch {
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
}
