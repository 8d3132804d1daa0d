import Metrics
import RouterPolicies

/// swift-metrics instruments, dimensioned by model, tier, task and variant.
///
/// Names (all prefixed `claude_router_`): `attempts_total`, `tokens_total` (dimension `kind`:
/// input, output, cache_write_5m, cache_write_1h, cache_read), `cost_usd_total`,
/// `baseline_usd_total`, `savings_usd_total`, `escalations_total` (dimension `trigger`),
/// `budget_rejections_total`, `budget_downgrades_total`, `budget_soft_limit_total` (dimension
/// `budget`), `unpriced_records_total`, `ledger_write_failures_total`, and the timer
/// `attempt_duration`. Money gauges are `Double` dollars for dashboards only; accounting is
/// exact in the ledger.
struct RouterMetrics: Sendable {
    private static func tokenKinds(_ usage: TokenUsage) -> [(String, Int)] {
        [("input", usage.input), ("output", usage.output), ("cache_write_5m", usage.cacheWrite5m),
         ("cache_write_1h", usage.cacheWrite1h), ("cache_read", usage.cacheRead)]
    }

    private static func dimensions(_ decision: RoutingDecision, model: String) -> [(String, String)] {
        [("model", model), ("tier", decision.tier), ("task", decision.task), ("variant", decision.variant ?? "none")]
    }

    func recorded(_ record: LedgerRecord, decision: RoutingDecision) {
        let dimensions = Self.dimensions(decision, model: record.model)
        Counter(label: "claude_router_attempts_total", dimensions: dimensions + [("outcome", record.outcome.kind)])
            .increment()
        for (kind, tokens) in Self.tokenKinds(record.usage) where tokens > 0 {
            Counter(label: "claude_router_tokens_total", dimensions: dimensions + [("kind", kind)])
                .increment(by: Int64(tokens))
        }
        if let cost = record.cost {
            FloatingPointCounter(label: "claude_router_cost_usd_total", dimensions: dimensions)
                .increment(by: cost.total.dollars)
        } else {
            Counter(label: "claude_router_unpriced_records_total", dimensions: dimensions).increment()
        }
        Timer(label: "claude_router_attempt_duration", dimensions: dimensions)
            .recordMilliseconds(record.latencyMs)
    }

    /// A logical call finished: its baseline and savings (only when every attempt was priced).
    func completed(_ response: RoutedResponse) {
        let decision = response.decision
        let dimensions = Self.dimensions(decision, model: decision.model)
        if let baseline = response.baselineCost, let savings = response.savings {
            FloatingPointCounter(label: "claude_router_baseline_usd_total", dimensions: dimensions)
                .increment(by: baseline.dollars)
            // FloatingPointCounter only grows; negative savings (routing cost more) are counted apart.
            let label = savings >= .zero ? "claude_router_savings_usd_total" : "claude_router_overspend_usd_total"
            FloatingPointCounter(label: label, dimensions: dimensions).increment(by: abs(savings.dollars))
        }
    }

    func escalated(from decision: RoutingDecision, trigger: EscalationTrigger) {
        Counter(label: "claude_router_escalations_total",
                dimensions: Self.dimensions(decision, model: decision.model) + [("trigger", trigger.rawValue)])
            .increment()
    }

    func budgetRejected(rule: String) {
        Counter(label: "claude_router_budget_rejections_total", dimensions: [("budget", rule)]).increment()
    }

    func budgetDowngraded(rule: String) {
        Counter(label: "claude_router_budget_downgrades_total", dimensions: [("budget", rule)]).increment()
    }

    func softLimitReached(rule: String) {
        Counter(label: "claude_router_budget_soft_limit_total", dimensions: [("budget", rule)]).increment()
    }

    func ledgerWriteFailed() {
        Counter(label: "claude_router_ledger_write_failures_total").increment()
    }
}
