public import Foundation

extension PolicyEngine {
    /// Cache-aware routing: when the conversation named by the caching policy's `session_key`
    /// last ran on a larger tier whose cache holds its prefix (``RoutingInput/previousTier``,
    /// ``RoutingInput/cachedPrefixTokens``), and `decision` would move it down to a cheaper
    /// tier, the move is made only when this turn is cheaper there even after re-writing the
    /// prefix into the new model's cold cache (``CacheEconomics/stickiness(prefixTokens:otherInputTokens:outputTokens:stay:switchTo:ttl:prices:at:)``).
    /// Moves up (a harder turn) and rule-forced tiers are never held back. The reason gains one
    /// clause saying which way and with what numbers. Pure: the same arguments give the same result.
    /// - Parameters:
    ///   - prices: the price book the router prices with.
    ///   - date: the date whose prices apply.
    public func cacheAware(_ decision: RoutingDecision, input: RoutingInput, prices: PriceBook, at date: Date)
        -> RoutingDecision {
        cacheAwareChoice(decision, input: input, prices: prices, at: date).decision
    }

    /// ``cacheAware(_:input:prices:at:)`` with the comparison it made: `choice` is `nil` when
    /// cache-aware routing did not apply (no session, no previous tier, not a move down, a rule
    /// fixed the tier, no warm prefix, or an unpriced model); otherwise its `keep` says which way
    /// it went and its costs (USD, estimated for this turn) say why. `explain` shows both.
    public func cacheAwareChoice(_ decision: RoutingDecision, input: RoutingInput, prices: PriceBook, at date: Date)
        -> (decision: RoutingDecision, choice: CacheEconomics.StickinessChoice?) {
        guard let caching = policy.caching(forTask: decision.task), caching.enabled, let key = caching.sessionKey,
              input.metadata[key] != nil, let previous = input.previousTier, previous != decision.tier,
              decision.matchedRule == nil, let stayIndex = policy.tierIndex(named: previous),
              stayIndex > decision.tierIndex, decision.tierIndex >= 0 else { return (decision, nil) }
        let prefix = min(input.cachedPrefixTokens ?? 0, decision.estimatedInputTokens)
        guard prefix > 0 else { return (decision, nil) }
        let stayTier = policy.tiers[stayIndex]
        let output = policy.tasks[decision.task]?.expectedOutputTokens ?? max(1, decision.maxTokens / 4)
        guard let choice = CacheEconomics.stickiness(
            prefixTokens: prefix, otherInputTokens: max(0, decision.estimatedInputTokens - prefix), outputTokens: output,
            stay: (stayTier.name, stayTier.model), switchTo: (decision.tier, decision.model), ttl: caching.ttl,
            prices: prices, at: date) else { return (decision, nil) }
        var result = decision
        result.reason += "; " + choice.explanation
        guard choice.keep else { return (result, choice) }
        result.tier = stayTier.name
        result.tierIndex = stayIndex
        result.model = stayTier.model
        result.maxTokens = min(decision.maxTokens, stayTier.maxOutputTokens)
        result.escalationPath = decision.escalationPath.filter { (policy.tierIndex(named: $0) ?? 0) > stayIndex }
        return (result, choice)
    }
}
