import Metrics
import RouterPolicies

/// Caching instruments (prefixed `claude_router_`): `cache_breakpoints_placed_total`,
/// `cache_saving_usd_total` / `cache_overspend_usd_total` (prompt caching's saving per attempt,
/// negative amounts apart), `response_cache_hits_total`, `response_cache_misses_total`,
/// `response_cache_stores_total` (dimension `task`) and `response_cache_avoided_usd_total`.
extension RouterMetrics {
    func cacheBreakpointsPlaced(_ count: Int) {
        Counter(label: "claude_router_cache_breakpoints_placed_total").increment(by: Int64(count))
    }

    func cacheSaving(_ saving: USDAmount, model: String) {
        let label = saving >= .zero ? "claude_router_cache_saving_usd_total" : "claude_router_cache_overspend_usd_total"
        FloatingPointCounter(label: label, dimensions: [("model", model)]).increment(by: abs(saving.dollars))
    }

    func responseCacheHit(task: String, avoided: USDAmount?) {
        Counter(label: "claude_router_response_cache_hits_total", dimensions: [("task", task)]).increment()
        if let avoided {
            FloatingPointCounter(label: "claude_router_response_cache_avoided_usd_total", dimensions: [("task", task)])
                .increment(by: avoided.dollars)
        }
    }

    func responseCacheMiss(task: String) {
        Counter(label: "claude_router_response_cache_misses_total", dimensions: [("task", task)]).increment()
    }

    func responseCacheStored(task: String) {
        Counter(label: "claude_router_response_cache_stores_total", dimensions: [("task", task)]).increment()
    }
}
