import Foundation
import RouterPolicies
import Testing

/// `caching:` and `response_cache:` in the policy, `min_cacheable_tokens` in the price book, and
/// the caching arithmetic (TTL break-even, cache-aware stickiness).
@Suite("Caching policy")
struct CachingPolicyTests {
    static let yaml = minimalPolicy + """
        caching: { ttl: 1h, prefixes: [system, conversation], session_key: conv }

        """

    @Test("the policy-wide caching section decodes; a task's own replaces it")
    func decodes() throws {
        let policy = try Policy.parse(yaml: Self.yaml, file: "c.yaml")
        let caching = try #require(policy.caching)
        #expect(caching.enabled && caching.ttl == .oneHour && caching.prefixes == [.system, .conversation])
        #expect(caching.sessionKey == "conv")
        #expect(policy.caching(forTask: "qa") == caching)

        let own = brokenPolicy(replacing: "  qa: { min_tier: small }", with: """
              qa:
                min_tier: small
                caching: { enabled: false }
                response_cache: { ttl: 10m }
              faq: { tier: small, response_cache: { ttl: 90, partition_by: none } }
            """)
        let withTasks = try Policy.parse(yaml: own, file: "t.yaml")
        #expect(withTasks.caching(forTask: "qa")?.enabled == false)
        #expect(withTasks.tasks["qa"]?.responseCache == ResponseCachePolicy(ttlSeconds: 600, partitionBy: "user"))
        #expect(withTasks.tasks["faq"]?.responseCache == ResponseCachePolicy(ttlSeconds: 90, partitionBy: nil))
        #expect(withTasks.caching == nil)
    }

    @Test("bad caching values are errors at FILE:LINE:COLUMN")
    func errors() {
        let badTTL = minimalPolicy + "caching: { ttl: 2h }\n"
        #expect(renderedErrors(badTTL).contains("broken.yaml:8:17: error: unknown cache ttl '2h'"))
        let badPrefix = minimalPolicy + "caching: { prefixes: [sytem] }\n"
        #expect(renderedErrors(badPrefix).contains("broken.yaml:8:23: error: unknown prefix 'sytem'; did you mean 'system'?"))
        let badKey = minimalPolicy + "caching: { tll: 5m }\n"
        #expect(renderedErrors(badKey).contains("unknown key 'tll' in caching"))
        let badDuration = brokenPolicy(replacing: "  qa: { min_tier: small }",
                                       with: "  qa: { min_tier: small, response_cache: { ttl: 10x } }")
        #expect(renderedErrors(badDuration).contains("broken.yaml:6:49: error: expected a positive duration"))
        let noTTL = brokenPolicy(replacing: "  qa: { min_tier: small }",
                                 with: "  qa: { min_tier: small, response_cache: { partition_by: user } }")
        #expect(renderedErrors(noTTL).contains("error:"))
    }

    @Test("the bundled price book lists each model's minimum cacheable prefix")
    func minimums() {
        let book = PriceBook.bundledDefault
        #expect(book.minimumCacheableTokens(for: "claude-haiku-4-5") == 4096)
        #expect(book.minimumCacheableTokens(for: "claude-haiku-4-5-20251001") == 4096)
        #expect(book.minimumCacheableTokens(for: "claude-sonnet-4-6") == 1024)
        #expect(book.minimumCacheableTokens(for: "claude-opus-4-7") == 2048)
        #expect(book.minimumCacheableTokens(for: "claude-opus-5") == 512)
        #expect(book.minimumCacheableTokens(for: "claude-opus-5-5") == nil)
    }

    @Test("1h TTL break-even: one late reuse an hour at list ratios; the printed ratio is (w1 − w5)/(w5 − r)")
    func ttlBreakEven() throws {
        let price = try #require(PriceBook.bundledDefault.price(for: "claude-opus-4-8", at: Date()))
        let breakEven = CacheEconomics.ttlBreakEven(price.rates)
        #expect(breakEven.minimumLateReuses == 1)
        #expect(abs((breakEven.ratio ?? 0) - 3.75 / 5.75) < 1e-12)
        #expect(breakEven.explanation.contains("k > (w1 − w5)/(w5 − r) = 0.65"))
        // Check the claim by direct cost sums at n = 10 reuses: k = 0 favours 5m, k = 1 favours 1h.
        let r = price.rates
        func fiveMinute(_ n: Int, _ k: Int) -> USDAmount { r.cacheWrite5m * (1 + k) + r.cacheRead * (n - k) }
        func oneHour(_ n: Int) -> USDAmount { r.cacheWrite1h + r.cacheRead * n }
        #expect(fiveMinute(10, 0) < oneHour(10))
        #expect(fiveMinute(10, 1) > oneHour(10))
    }

    @Test("stickiness: a large warm prefix keeps the tier; a small one lets the conversation move down")
    func stickiness() throws {
        let book = PriceBook.bundledDefault
        let stay = (tier: "sonnet", model: "claude-sonnet-4-6"), down = (tier: "haiku", model: "claude-haiku-4-5")
        let warm = try #require(CacheEconomics.stickiness(prefixTokens: 50_000, otherInputTokens: 200, outputTokens: 300,
                                                          stay: stay, switchTo: down, ttl: .fiveMinutes, prices: book,
                                                          at: Date()))
        // Sonnet reads 50k at $0.30/M = $0.015; Haiku writes 50k at $1.25/M = $0.0625.
        #expect(warm.keep)
        #expect(warm.rewriteCost == USDAmount(picodollars: 1_250_000 * 50_000))
        #expect(warm.stayCost == USDAmount(picodollars: 300_000 * 50_000 + 3_000_000 * 200 + 15_000_000 * 300))
        #expect(warm.explanation.hasPrefix("kept the conversation on sonnet"))
        let small = try #require(CacheEconomics.stickiness(prefixTokens: 1_100, otherInputTokens: 2_000, outputTokens: 800,
                                                           stay: stay, switchTo: down, ttl: .fiveMinutes, prices: book,
                                                           at: Date()))
        #expect(!small.keep)
        #expect(small.explanation.hasPrefix("moved the conversation to haiku"))
    }

    @Test("cache-aware routing in the engine: held on the warm tier only for a downward move of a named session")
    func engineCacheAware() throws {
        let yaml = """
            name: t
            tiers:
              - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
              - { name: sonnet, model: claude-sonnet-4-6, context_window: 200000, max_output_tokens: 64000 }
            tasks:
              chat: { tier: haiku, max_tokens: 1000, expected_output_tokens: 300 }
            classifier: { fallback_task: chat }
            caching: { ttl: 5m }

            """
        let engine = PolicyEngine(policy: try Policy.parse(yaml: yaml, file: "s.yaml"))
        let text = String(repeating: "a", count: 200_800) // ~50,200 tokens
        var input = RoutingInput(text: text, task: "chat", metadata: ["session": "s1"])
        input.previousTier = "sonnet"
        input.cachedPrefixTokens = 50_000
        let decided = engine.decide(input)
        #expect(decided.tier == "haiku")
        let held = engine.cacheAware(decided, input: input, prices: .bundledDefault, at: Date())
        #expect(held.tier == "sonnet" && held.model == "claude-sonnet-4-6")
        #expect(held.reason.contains("kept the conversation on sonnet"))

        var unnamed = input
        unnamed.metadata = [:]
        #expect(engine.cacheAware(decided, input: unnamed, prices: .bundledDefault, at: Date()).tier == "haiku")
        var cold = input
        cold.cachedPrefixTokens = 0
        #expect(engine.cacheAware(decided, input: cold, prices: .bundledDefault, at: Date()).tier == "haiku")
    }
}
