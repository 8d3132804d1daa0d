import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Synchronization
import Testing

/// Prompt caching placed by policy and the response cache, end to end: a ModelRouter over the
/// real client, the mock on loopback (which simulates the API's prompt cache) and a SQLite ledger.
@Suite("Router caching end to end", .serialized)
struct RouterCachingTests {
    static let policy = RouterHarness.policyYAML.replacingOccurrences(of: """
          extraction: { tier: haiku, max_tokens: 512 }
        """, with: """
          extraction: { tier: haiku, max_tokens: 512 }
          support:
            tier: sonnet
            max_tokens: 512
            caching: { ttl: 5m, prefixes: [system, conversation] }
          faq:
            tier: haiku
            max_tokens: 512
            response_cache: { ttl: 10m, partition_by: user }
          shared_faq:
            tier: haiku
            max_tokens: 512
            response_cache: { ttl: 10m, partition_by: none }
          deep: { tier: sonnet, max_tokens: 512, caching: {} }
          chat_plain: { tier: sonnet, max_tokens: 512 }
          light: { tier: haiku, max_tokens: 512, expected_output_tokens: 200, caching: {} }
        """)

    // 8,250 characters = 2,063 tokens at the mock's 4 characters a token: above Sonnet 4.6's 1,024 minimum.
    static let manual = String(repeating: "Refunds are issued within 14 days of a return; keep the receipt. ", count: 125)

    static func supportRequest(_ question: String) -> MessageRequest {
        MessageRequest(model: "auto", maxTokens: 0, messages: [.user(question)], system: .text(manual))
    }

    @Test("a long system prompt is written to the cache on the first call and read on the second, priced exactly")
    func promptCacheWriteThenRead() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policy)
        defer { Task { await harness.stop() } }
        let options = CallOptions(task: "support")
        let first = try await harness.router.send(Self.supportRequest("Can I return shoes?"), options: options)
        let second = try await harness.router.send(Self.supportRequest("How long do refunds take?"), options: options)

        let systemTokens = (Self.manual.count + 3) / 4
        #expect(first.attempts[0].usage.cacheWrite5m == systemTokens)
        #expect(first.attempts[0].usage.cacheRead == 0)
        #expect(second.attempts[0].usage.cacheRead == systemTokens)
        #expect(second.attempts[0].usage.cacheWrite5m == 0)

        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        let prices = PriceBook.bundledDefault
        for (record, reply) in zip(records, [first, second]) {
            let usage = reply.attempts[0].usage
            let actual = try #require(prices.cost(of: usage, model: "claude-sonnet-4-6", at: Date()))
            let cached = usage.cacheRead + usage.cacheWrite5m
            let uncached = try #require(prices.cost(of: TokenUsage(input: usage.input + cached, output: usage.output),
                                                    model: "claude-sonnet-4-6", at: Date()))
            #expect(record.cost?.total == actual.total)
            #expect(record.cacheSaving == uncached.total - actual.total)
        }
        // Writing costs 1.25× input (a negative saving), reading 0.1× (a positive one):
        // 0.25 × $3/M × 2,063 tokens lost, then 0.9 × $3/M × 2,063 saved.
        let perToken = USDAmount(picodollars: 3_000_000)
        #expect(records[0].cacheSaving == USDAmount(picodollars: -(perToken.picodollars * Int64(systemTokens) / 4)))
        #expect(records[1].cacheSaving == USDAmount(picodollars: perToken.picodollars * Int64(systemTokens) * 9 / 10))

        let rows = try await harness.ledger.report(LedgerQuery(), by: .all)
        let row = try #require(rows.first)
        #expect(row.cacheSaving == (records[0].cacheSaving ?? .zero) + (records[1].cacheSaving ?? .zero))
        #expect(row.cacheSaving > .zero)
        #expect(row.cacheHitRate.map { $0 > 0.4 } == true)
        let memory = try LedgerReport.aggregate(records, by: .all)
        #expect(memory == rows)
    }

    @Test("a task without caching gets no breakpoints: no cache usage")
    func noCachingWithoutPolicy() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policy)
        defer { Task { await harness.stop() } }
        for _ in 0..<2 {
            let reply = try await harness.router.send(Self.supportRequest("Extract the total."),
                                                      options: CallOptions(task: "extraction"))
            #expect(reply.attempts[0].usage.cacheRead == 0 && reply.attempts[0].usage.cacheWrite5m == 0)
        }
        #expect(try await harness.ledger.records(LedgerQuery()).allSatisfy { $0.cacheSaving == nil })
    }

    @Test("cache-aware routing: a named conversation with a large warm prefix stays on its tier; a new one moves")
    func sessionStickiness() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policy)
        defer { Task { await harness.stop() } }
        let document = String(repeating: "Clause 7: the supplier bears the risk until delivery. ", count: 3_700) // ~50k tokens
        let first = MessageRequest(model: "auto", maxTokens: 0, messages: [.user("Summarise the contract.")],
                                   system: .text(document))
        let turn1 = try await harness.router.send(first, options: CallOptions(task: "deep", metadata: ["session": "c1"]))
        #expect(turn1.decision.tier == "sonnet")
        #expect(turn1.attempts[0].usage.cacheWrite5m > 45_000)

        var second = first
        second.messages += [.assistant(turn1.message.text), .user("Any penalty clause?")]
        let turn2 = try await harness.router.send(second, options: CallOptions(task: "light", metadata: ["session": "c1"]))
        #expect(turn2.decision.tier == "sonnet")
        #expect(turn2.decision.reason.contains("kept the conversation on sonnet"))
        #expect(turn2.attempts[0].usage.cacheRead > 45_000)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).last)
        #expect(record.tier == "sonnet" && record.reason?.contains("re-writes the prefix") == true)

        let other = try await harness.router.send(second, options: CallOptions(task: "light", metadata: ["session": "c2"]))
        #expect(other.decision.tier == "haiku")
    }

    /// The figures quoted in docs/POLICY.md: one 10-turn conversation over an ~8,000-token system
    /// prompt on Sonnet 4.6 against the mock, with prompt caching by policy (task `deep`: system
    /// and conversation breakpoints, session key) and without (task `chat_plain`).
    @Test("a 10-turn conversation costs less with caching by policy than without (figures printed)")
    func multiTurnSaving() async throws {
        let harness = try await RouterHarness.start(policyYAML: Self.policy)
        defer { Task { await harness.stop() } }
        let system = String(repeating: "Policy handbook: every refund needs an order number and a reason. ", count: 480)
        var totals: [String: (cost: USDAmount, baseline: USDAmount, cacheSaving: USDAmount)] = [:]
        for task in ["chat_plain", "deep"] {
            var request = MessageRequest(model: "auto", maxTokens: 0, messages: [], system: .text(system))
            var total = (cost: USDAmount.zero, baseline: USDAmount.zero, cacheSaving: USDAmount.zero)
            for turn in 1...10 {
                request.messages.append(.user("Question \(turn): what does the handbook say about case \(turn)?"))
                let reply = try await harness.router.send(request, options: CallOptions(task: task, metadata: ["session": task]))
                request.messages.append(.assistant(reply.message.text))
                total.cost += reply.totalCost
                total.baseline += reply.baselineCost ?? .zero
            }
            let records = try await harness.ledger.records(LedgerQuery(task: task))
            total.cacheSaving = records.compactMap(\.cacheSaving).sum()
            totals[task] = total
        }
        let plain = try #require(totals["chat_plain"]), cached = try #require(totals["deep"])
        print("10-turn conversation, ~8k-token system prompt, sonnet: without caching \(plain.cost.exactDecimal) USD, "
              + "with caching \(cached.cost.exactDecimal) USD (prompt caching saved \(cached.cacheSaving.exactDecimal) USD); "
              + "baseline (opus) \(plain.baseline.exactDecimal) / \(cached.baseline.exactDecimal) USD")
        #expect(cached.cost < plain.cost)
        #expect(plain.cost - cached.cost == cached.cacheSaving)
        #expect(plain.cacheSaving == .zero)
    }

    static func cacheHarness() async throws -> RouterHarness {
        var options = ModelRouter.Options()
        options.responseCache = try ResponseCache(path: ":memory:")
        return try await RouterHarness.start(policyYAML: Self.policy, options: options)
    }

    @Test("a repeated question is answered from the response cache: zero requests, $0, the avoided cost recorded")
    func responseCacheHit() async throws {
        let harness = try await Self.cacheHarness()
        defer { Task { await harness.stop() } }
        let options = CallOptions(task: "faq", metadata: ["user": "alice"])
        let request = RouterHarness.auto("What are your opening hours?")
        let first = try await harness.router.send(request, options: options)
        let requestsAfterFirst = harness.server.stats.totalRequests
        let second = try await harness.router.send(request, options: options)

        #expect(harness.server.stats.totalRequests == requestsAfterFirst)
        #expect(second.responseCacheHit && !first.responseCacheHit)
        #expect(second.message.text == first.message.text)
        #expect(second.totalCost == .zero)
        #expect(second.avoidedCost == first.totalCost)
        #expect(second.messageJSON != nil)

        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        let hit = try #require(records.last)
        #expect(hit.responseCacheHit == true)
        #expect(hit.cost?.total == .zero)
        #expect(hit.avoidedCost == first.totalCost)
        #expect(hit.outcome == .success)
        let row = try #require(try await harness.ledger.report(LedgerQuery(), by: .all).first)
        #expect(row.responseCacheHits == 1)
        #expect(row.avoidedCost == first.totalCost)
        #expect(row.logicalCalls == 2)
    }

    @Test("partitions isolate users; a call without the partition key is never cached")
    func partitions() async throws {
        let harness = try await Self.cacheHarness()
        defer { Task { await harness.stop() } }
        let request = RouterHarness.auto("What are your opening hours?")
        _ = try await harness.router.send(request, options: CallOptions(task: "faq", metadata: ["user": "alice"]))
        let bob = try await harness.router.send(request, options: CallOptions(task: "faq", metadata: ["user": "bob"]))
        #expect(!bob.responseCacheHit)
        let anonymous1 = try await harness.router.send(request, options: CallOptions(task: "faq"))
        let anonymous2 = try await harness.router.send(request, options: CallOptions(task: "faq"))
        #expect(!anonymous1.responseCacheHit && !anonymous2.responseCacheHit)
        #expect(harness.server.stats.totalRequests == 4)
        // partition_by: none shares answers, said explicitly.
        _ = try await harness.router.send(request, options: CallOptions(task: "shared_faq", metadata: ["user": "alice"]))
        let shared = try await harness.router.send(request, options: CallOptions(task: "shared_faq", metadata: ["user": "bob"]))
        #expect(shared.responseCacheHit)
        #expect(harness.server.stats.totalRequests == 5)
    }

    @Test("errors, refusals and truncated replies are never stored")
    func neverCachesBadReplies() async throws {
        let harness = try await Self.cacheHarness()
        defer { Task { await harness.stop() } }
        let options = CallOptions(task: "faq", metadata: ["user": "alice"])
        for directive in ["[[mock: stop=refusal]]", "[[mock: stop=max_tokens]]"] {
            let request = RouterHarness.auto("Tell me something \(directive)")
            let first = try await harness.router.send(request, options: options)
            #expect(first.unresolvedTrigger != nil || first.message.stopReason != .endTurn)
            let again = try await harness.router.send(request, options: options)
            #expect(!again.responseCacheHit)
        }
        let failing = RouterHarness.auto("Break [[mock: status=400]]")
        await #expect(throws: ClaudeError.self) { _ = try await harness.router.send(failing, options: options) }
        await #expect(throws: ClaudeError.self) { _ = try await harness.router.send(failing, options: options) }
        #expect(try await harness.ledger.records(LedgerQuery()).allSatisfy { $0.responseCacheHit == nil })
    }

    @Test("an expired entry is not served")
    func expiry() async throws {
        let clock = TestClock()
        var options = ModelRouter.Options(now: { clock.now })
        options.responseCache = try ResponseCache(path: ":memory:")
        let harness = try await RouterHarness.start(policyYAML: Self.policy, options: options)
        defer { Task { await harness.stop() } }
        let call = CallOptions(task: "faq", metadata: ["user": "alice"])
        let request = RouterHarness.auto("What are your opening hours?")
        _ = try await harness.router.send(request, options: call)
        clock.advance(by: 599)
        #expect(try await harness.router.send(request, options: call).responseCacheHit)
        clock.advance(by: 2)
        #expect(!(try await harness.router.send(request, options: call).responseCacheHit))
    }
}

/// A settable clock for TTL tests.
final class TestClock: Sendable {
    private let value = Mutex(Date(timeIntervalSince1970: 1_790_000_000))
    var now: Date { value.withLock { $0 } }
    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
