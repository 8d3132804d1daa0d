import ClaudeClient
import Foundation
import Logging
import RouterPolicies

extension ModelRouter {
    /// The attempt's request with the policy's prompt-caching breakpoints placed for the
    /// attempt's model (each escalation re-plans: the minimum and the cache are per model).
    /// The plan is kept on the call for the ledger.
    ///
    /// A request carrying its caller's raw JSON (the gateway's pass-through) goes out as those
    /// bytes, not as the decoded fields, so the placed breakpoints are spliced into the bytes
    /// rather than the body re-encoded: re-encoding would drop every field and value this
    /// client does not model (a newer API parameter, an unknown block member), which is what
    /// the pass-through exists to keep. The caller's markers anywhere in the raw body, modelled
    /// or not, count toward the four. When a splice cannot be made the request is sent without
    /// the router's breakpoints (and the plan says none were placed), never with a changed body.
    func cachingRequest(_ call: inout RoutedCall) -> MessageRequest {
        let routed = call.routedRequest
        call.cachePlan = nil
        guard let caching = call.snapshot.policy.caching(forTask: call.decision.task), caching.enabled else {
            return routed
        }
        let minimum = prices.minimumCacheableTokens(for: routed.model) ?? CachingPolicy.fallbackMinimumCacheableTokens
        let conversation = routed.messages.count > 1
            || caching.sessionKey.map { call.input.metadata[$0] != nil } == true
        var (request, plan) = CacheBreakpointPlanner.plan(routed, policy: caching, minimumTokens: minimum,
                                                          conversation: conversation,
                                                          callerBreakpoints: routed.originalJSON?.cacheControlMarkers)
        if let original = routed.originalJSON, !plan.placed.isEmpty {
            let control = CacheControl(ttl: caching.ttl == .oneHour ? .oneHour : nil)
            let blocks = plan.placed.compactMap(\.block)
            if blocks.count == plan.placed.count, let spliced = original.addingCacheControl(control, at: blocks) {
                request.originalJSON = spliced
            } else {
                call.logger.warning("prompt-caching breakpoints not placed: the request body could not be spliced")
                plan.skipped += plan.placed.map { "\($0.prefix.rawValue) at \($0.location): the raw body could not be spliced" }
                plan.placed = []
                plan.cachedPrefixTokens = CacheBreakpointPlanner.Layout(routed).slots.filter(\.hasMarker)
                    .map(\.prefixTokens).max() ?? 0
                request = routed
            }
        }
        call.cachePlan = plan
        if !plan.placed.isEmpty { metrics.cacheBreakpointsPlaced(plan.placed.count) }
        return request
    }

    /// What prompt caching saved on one attempt: its cached tokens (reads and writes) priced as
    /// plain input on the same model, minus what they cost. Negative when writes cost more than
    /// the reads saved (a write costs 1.25× or 2× input). `nil` when nothing was cached or the
    /// model is unpriced. Both prices use the same length tier (the prompt size is the same).
    static func cacheSaving(_ usage: TokenUsage, model: String, inferenceGeo: String?, accounting: CostAccounting,
                            at now: Date) -> USDAmount? {
        let cached = usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h
        guard cached > 0,
              let actual = accounting.cost(usage, model: model, inferenceGeo: inferenceGeo, at: now),
              let uncached = accounting.cost(TokenUsage(input: usage.input + cached, output: usage.output), model: model,
                                             inferenceGeo: inferenceGeo, at: now) else { return nil }
        return uncached.total - actual.total
    }
}

extension ModelRouter {
    /// The session key's value when the call's task caches with a session key, else `nil`.
    static func sessionValue(_ input: RoutingInput, task: String?, policy: Policy) -> String? {
        let caching = task.flatMap { policy.caching(forTask: $0) } ?? policy.caching
        guard let caching, caching.enabled, let key = caching.sessionKey, let value = input.metadata[key] else { return nil }
        return "\(key)=\(value)"
    }

    /// What the router remembers of the request's conversation (its last tier and warm prefix).
    func rememberedSession(_ input: RoutingInput, policy: Policy) -> SessionTierMemory.Entry? {
        guard let session = Self.sessionValue(input, task: input.task, policy: policy) else { return nil }
        return sessions.entry(for: session)
    }

    /// Remembers the tier a conversation's reply came from and how many prompt tokens it read
    /// from or wrote to that model's cache.
    func rememberSession(_ call: RoutedCall, usage: TokenUsage) {
        guard let session = Self.sessionValue(call.input, task: call.decision.task, policy: call.snapshot.policy),
              call.decision.tierIndex >= 0 else { return }
        let cached = usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h
        sessions.remember(.init(tier: call.decision.tier, cachedPrefixTokens: cached), for: session)
    }
}
