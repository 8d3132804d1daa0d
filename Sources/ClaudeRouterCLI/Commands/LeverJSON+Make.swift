import ClaudeClient
import Foundation
import Router
import RouterPolicies

extension LeverJSON {
    /// What one `explain` run needs to describe levers: the policy, its price book and the
    /// conversation state given on the command line for cache-aware routing.
    struct Context {
        var policy: Policy
        var prices: PriceBook
        /// `--previous-tier`: the tier the conversation last ran on.
        var previousTier: String?
        /// `--cached-prefix-tokens`: the warm prefix that tier's cache holds.
        var cachedPrefixTokens: Int?
        var now = Date()
    }

    /// Whether `policy` turns on any lever for any task. When it does not, `explain` adds no
    /// lever field and loads no price book for them: the bulk path stays as fast as before.
    static func anyLever(in policy: Policy) -> Bool {
        if policy.caching?.enabled == true || policy.history != nil || policy.preflight != nil { return true }
        return policy.tasks.values.contains { task in
            task.caching?.enabled == true || task.responseCache != nil || task.history != nil || task.preflight != nil
                || task.deferrable
        }
    }

    /// The levers of `decision` (the final one: after trimming and cache-aware routing) for the
    /// request as it would be sent; `nil` when the policy turns none on for the decision's task.
    /// - Parameters:
    ///   - plan: the offline lever plan (trimming, pre-flight, deferrable).
    ///   - sent: the request after trimming (what the caching planner marks).
    ///   - metadata: the caller's metadata (session and partition keys).
    ///   - stickiness: the policy's own tier before cache-aware routing and the comparison made, when one was.
    static func make(decision: RoutingDecision, plan: LeverPlan, sent: MessageRequest, metadata: [String: String],
                     stickiness: (policyTier: String, choice: CacheEconomics.StickinessChoice?)?,
                     context: Context) -> LeverJSON? {
        let policy = context.policy
        var levers = LeverJSON()
        if let caching = policy.caching(forTask: decision.task), caching.enabled {
            levers.caching = Self.caching(caching, decision: decision, sent: sent, metadata: metadata, context: context)
            if let key = caching.sessionKey {
                levers.cacheAwareRouting = Self.cacheAware(key: key, decision: decision, metadata: metadata,
                                                           stickiness: stickiness, context: context)
            }
        }
        if let cache = policy.tasks[decision.task]?.responseCache {
            let eligible = cache.partitionBy.map { metadata[$0] != nil } ?? true
            let explanation = cache.partitionBy.map { key in
                eligible ? "replies cached for \(cache.ttlSeconds)s in the partition of metadata '\(key)'"
                    : "not cached: the call has no metadata '\(key)' to partition by"
            } ?? "replies cached for \(cache.ttlSeconds)s, shared by every caller (partition_by: none)"
            levers.responseCache = ResponseCache(ttlSeconds: cache.ttlSeconds, partitionBy: cache.partitionBy,
                                                 eligible: eligible, explanation: explanation)
        }
        if let history = plan.history, let trim = plan.trim {
            levers.history = History(
                maxMessages: history.maxMessages, maxInputTokens: history.maxInputTokens, trimmed: trim.trimmed,
                messagesRemoved: trim.dropped.count, messagesKept: trim.request.messages.count,
                originalTokens: trim.originalTokens, keptTokens: trim.keptTokens, tokensRemoved: trim.removedTokens,
                systemDropped: trim.droppedSystem, withinCaps: trim.withinCaps,
                summaryTier: history.summarize && trim.trimmed ? policy.tiers.first?.name : nil)
        }
        if let preflight = plan.preflight {
            levers.preflight = Preflight(when: preflight.when.rawValue, margin: preflight.margin,
                                         wouldRun: plan.preflightWouldRun, reason: plan.preflightReason,
                                         byteBoundTokens: plan.byteBound)
        }
        if plan.deferrable {
            let prices = context.prices
            func perMillion(output: Bool, batch: Bool) -> String? {
                let usage = output ? TokenUsage(input: 0, output: 1_000_000) : TokenUsage(input: 1_000_000, output: 0)
                return prices.cost(of: usage, model: decision.model, at: context.now, batch: batch)?.total.exactDecimal
            }
            levers.deferrable = Deferrable(
                batchDiscount: prices.batchDiscount.description,
                batchInputUSDPerMTok: perMillion(output: false, batch: true),
                batchOutputUSDPerMTok: perMillion(output: true, batch: true),
                inputUSDPerMTok: perMillion(output: false, batch: false),
                outputUSDPerMTok: perMillion(output: true, batch: false))
        }
        return levers == LeverJSON() ? nil : levers
    }

    static func caching(_ caching: CachingPolicy, decision: RoutingDecision, sent: MessageRequest,
                        metadata: [String: String], context: Context) -> Caching {
        let listed = context.prices.minimumCacheableTokens(for: decision.model)
        let minimum = listed ?? CachingPolicy.fallbackMinimumCacheableTokens
        // The planner sees what the router would send: the decision's model, and a conversation
        // when there are several messages or a session key names one (as the router decides).
        let conversation = sent.messages.count > 1 || caching.sessionKey.map { metadata[$0] != nil } == true
        let (_, plan) = CacheBreakpointPlanner.plan(sent, policy: caching, minimumTokens: minimum, conversation: conversation)
        var breakEven: TTLBreakEven?
        if let price = context.prices.price(for: decision.model, at: context.now) {
            let b = CacheEconomics.ttlBreakEven(price.rates(forPromptTokens: decision.estimatedInputTokens).rates)
            func perMillion(_ rate: USDAmount) -> String { USDAmount(picodollars: rate.picodollars * 1_000_000).exactDecimal }
            breakEven = TTLBreakEven(write5mUSDPerMTok: perMillion(b.write5m), write1hUSDPerMTok: perMillion(b.write1h),
                                     readUSDPerMTok: perMillion(b.read), ratio: b.ratio,
                                     minimumLateReusesPerHour: b.minimumLateReuses, explanation: b.explanation)
        }
        return Caching(
            ttl: caching.ttl.rawValue,
            prefixes: CachingPolicy.Prefix.allCases.filter(caching.prefixes.contains).map(\.rawValue),
            minimumCacheableTokens: minimum, minimumFromPriceBook: listed != nil,
            longEnough: decision.estimatedInputTokens >= minimum,
            breakpoints: plan.placed.map {
                Breakpoint(prefix: $0.prefix.rawValue, location: $0.location, prefixTokens: $0.prefixTokens, ttl: plan.ttl.rawValue)
            },
            callerBreakpoints: plan.callerBreakpoints, skipped: plan.skipped, ttlBreakEven: breakEven)
    }

    static func cacheAware(key: String, decision: RoutingDecision, metadata: [String: String],
                           stickiness: (policyTier: String, choice: CacheEconomics.StickinessChoice?)?,
                           context: Context) -> CacheAwareRouting {
        var result = CacheAwareRouting(
            sessionKey: key, sessionPresent: metadata[key] != nil, previousTier: context.previousTier,
            cachedPrefixTokens: context.previousTier == nil ? nil : context.cachedPrefixTokens ?? 0,
            verdict: "not_applicable", policyTier: stickiness?.policyTier, explanation: "")
        if let choice = stickiness?.choice {
            result.verdict = choice.keep ? "kept" : "switched"
            result.stayCostUSD = choice.stayCost.exactDecimal
            result.switchCostUSD = choice.switchCost.exactDecimal
            result.rewriteCostUSD = choice.rewriteCost.exactDecimal
            result.explanation = choice.explanation
            return result
        }
        let policy = context.policy
        let chosen = stickiness?.policyTier ?? decision.tier
        if metadata[key] == nil {
            result.explanation = "no metadata '\(key)': the call names no conversation, so its tier is the policy's"
        } else if let previous = context.previousTier {
            if policy.tierIndex(named: previous) == nil {
                result.explanation = "previous tier '\(previous)' is not a tier of policy '\(policy.name)'"
            } else if previous == chosen {
                result.explanation = "the policy chose the conversation's tier \(previous) again: its cache stays warm"
            } else if (policy.tierIndex(named: previous) ?? 0) < (policy.tierIndex(named: chosen) ?? 0) || decision.matchedRule != nil {
                result.explanation = "a move up or a rule-fixed tier is never held back: \(previous) → \(chosen)"
            } else {
                result.explanation = "no warm prefix to keep (cached prefix 0 tokens, or an unpriced model)"
            }
        } else {
            result.explanation = "the conversation's previous tier is not known here (explain --previous-tier); "
                + "the router remembers it in send and serve and keeps the tier unless switching saves more than "
                + "re-writing the cache"
        }
        return result
    }
}
