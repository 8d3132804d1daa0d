import Foundation
import RouterPolicies

extension ExplainCommand {
    /// The caching lines of a decision: the task's prompt-caching settings with the model's
    /// minimum cacheable prefix and the TTL break-even at its prices, and its response cache.
    /// Empty when the task uses neither.
    static func cachingText(_ d: RoutingDecision, policy: Policy, prices: PriceBook, now: Date = Date()) -> String {
        var lines: [String] = []
        if let caching = policy.caching(forTask: d.task), caching.enabled {
            let listed = prices.minimumCacheableTokens(for: d.model)
            let minimum = listed ?? CachingPolicy.fallbackMinimumCacheableTokens
            let prefixes = CachingPolicy.Prefix.allCases.filter(caching.prefixes.contains).map(\.rawValue)
            lines.append("caching:    ttl \(caching.ttl.rawValue), prefixes \(prefixes.joined(separator: ", ")); "
                         + "\(d.model) caches prefixes of ≥ \(minimum) tokens"
                         + (listed == nil ? " (not in the price book: assumed)" : ""))
            let estimate = d.estimatedInputTokens
            lines.append("            this prompt: ~\(estimate) tokens "
                         + (estimate >= minimum ? "(long enough to cache)" : "(below the minimum: nothing is cached)"))
            if let price = prices.price(for: d.model, at: now) {
                let breakEven = CacheEconomics.ttlBreakEven(price.rates(forPromptTokens: estimate).rates)
                lines.append("ttl:        \(breakEven.explanation)")
            }
            if let key = caching.sessionKey {
                lines.append("session:    metadata '\(key)' keeps a conversation on its tier unless switching "
                             + "saves more than re-writing its cache")
            }
        }
        if let cache = policy.tasks[d.task]?.responseCache {
            let partition = cache.partitionBy.map { "partitioned by metadata '\($0)' (calls without it are not cached)" }
                ?? "shared by every caller (partition_by: none)"
            lines.append("response:   replies cached for \(cache.ttlSeconds)s, \(partition)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
