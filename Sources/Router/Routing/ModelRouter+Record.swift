import ClaudeClient
import Foundation
import Logging
import RouterPolicies

extension ModelRouter {
    /// Prices one attempt, settles its budget reservation, writes its ledger record (awaited:
    /// durable before the call goes on) and counts its metrics.
    func recordAttempt(_ outcome: AttemptResult, decision: RoutingDecision, attempt: Int, parentID: String?,
                       trigger: EscalationTrigger?, escalating: Bool, latency: Duration,
                       request: MessageRequest, call: CallOptions, input: RoutingInput,
                       snapshot: PolicyStore.Snapshot, reservation: BudgetReservation,
                       previous: [AttemptSummary]) async throws -> AttemptSummary {
        let usage: Usage
        let requestID: String?
        let model: String
        let responseText: String?
        switch outcome {
        case .reply(let response):
            usage = response.body.usage
            requestID = response.requestID
            model = response.body.model.isEmpty ? decision.model : response.body.model
            responseText = response.body.text
        case .failure(let error):
            usage = Usage()
            requestID = error.requestID
            model = decision.model
            responseText = nil
        }
        let recordOutcome: LedgerRecord.Outcome
        if escalating, let trigger {
            recordOutcome = .escalated(reason: trigger.rawValue)
        } else if case .failure(let error) = outcome {
            recordOutcome = .error(code: error.shortDescription)
        } else {
            recordOutcome = .success
        }
        return try await finishAttempt(
            usage: usage, requestID: requestID, model: model, outcome: recordOutcome, trigger: trigger,
            decision: decision, attempt: attempt, parentID: parentID, latency: latency, stream: false,
            input: input, responseText: responseText, snapshot: snapshot, reservation: reservation,
            previous: previous, reply: { attempts in
                if case .reply(let response) = outcome {
                    return RoutedResponse(message: response.body, attempts: attempts, unresolvedTrigger: trigger)
                }
                return nil
            })
    }

    /// The part of recording shared by `send` and `stream`.
    func finishAttempt(usage apiUsage: Usage, requestID: String?, model: String, outcome: LedgerRecord.Outcome,
                       trigger: EscalationTrigger?, decision: RoutingDecision, attempt: Int, parentID: String?,
                       latency: Duration, stream: Bool, input: RoutingInput, responseText: String?,
                       snapshot: PolicyStore.Snapshot, reservation: BudgetReservation, previous: [AttemptSummary],
                       reply: ([AttemptSummary]) -> RoutedResponse?) async throws -> AttemptSummary {
        let now = options.now()
        let accounting = CostAccounting(prices: prices)
        let usage = CostAccounting.tokenUsage(apiUsage)
        let cost = accounting.cost(usage, model: model, inferenceGeo: apiUsage.inferenceGeo, at: now)
        let baselineModel = snapshot.policy.tierIndex(named: snapshot.policy.baselineTier)
            .map { snapshot.policy.tiers[$0].model }
        let baselineCost = baselineModel.flatMap {
            accounting.cost(usage, model: $0, inferenceGeo: apiUsage.inferenceGeo, at: now)?.total
        }
        // Unpriced: keep the reserved worst case as spent, so a budget is never under-counted.
        await snapshot.budgets.settle(reservation, actualCost: cost?.total ?? reservation.amount)

        let record = LedgerRecord(
            time: now, requestID: requestID ?? "", attempt: attempt, parentID: parentID, task: decision.task,
            variant: decision.variant, policyName: snapshot.policy.name, policyHash: snapshot.policy.contentHash,
            tier: decision.tier, model: model, reason: decision.reason, score: decision.score, usage: usage,
            cost: cost.map(LedgerRecord.Cost.init),
            baselineModel: baselineModel, baselineCost: baselineCost,
            latencyMs: Int(latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000),
            outcome: outcome, stream: stream, metadata: input.metadata,
            promptText: options.recordContent ? input.text : nil,
            responseText: options.recordContent ? responseText : nil)
        let summary = AttemptSummary(
            attempt: attempt, recordID: record.id, decision: decision, requestID: requestID, usage: usage,
            cost: cost, baselineCost: baselineCost, latency: latency, outcome: outcome, trigger: trigger)
        metrics.recorded(record, decision: decision)
        if cost == nil {
            logger.warning("unpriced model: the attempt's cost is unknown (recorded as unpriced, not $0)",
                           metadata: ["model": "\(model)"])
        }
        do {
            try await ledger.record(record)
        } catch {
            metrics.ledgerWriteFailed()
            logger.error("ledger write failed", metadata: ["record": "\(record.id)", "error": "\(error)"])
            throw RouterError(code: .ledgerWriteFailed,
                              message: "the attempt's ledger record could not be written: \(error)",
                              underlying: error, response: reply(previous + [summary]))
        }
        return summary
    }
}
