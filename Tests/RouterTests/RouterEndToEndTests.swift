import ClaudeClient
import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import Testing

/// End to end: a ModelRouter over the real libcurl client, a mock server on loopback and a real
/// SQLite ledger.
@Suite("Router end to end", .serialized)
struct RouterEndToEndTests {
    @Test("auto is routed by policy and the attempt's exact cost is recorded")
    func routesAndRecords() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(
            RouterHarness.auto("Extract the invoice number from: Invoice #4411, due 2026-12-01."),
            options: CallOptions(task: "extraction", metadata: ["user": "u-1"]))

        #expect(reply.attempts.count == 1)
        #expect(reply.decision.tier == "haiku")
        #expect(reply.message.model.contains("claude-haiku-4-5"))
        #expect(reply.message.text.contains("mock"))

        let records = try await harness.ledger.records(LedgerQuery())
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.tier == "haiku")
        #expect(record.task == "extraction")
        #expect(record.metadata["user"] == "u-1")
        #expect(record.policyName == "test-policy")
        #expect(record.outcome == .success)
        #expect(record.promptText == nil && record.responseText == nil)

        // The recorded cost is the price book's exact price of the reported usage.
        let usage = reply.attempts[0].usage
        #expect(usage.input > 0 && usage.output > 0)
        let expected = try #require(PriceBook.bundledDefault.cost(of: usage, model: "claude-haiku-4-5", at: Date()))
        #expect(record.cost?.total == expected.total)
        let baseline = try #require(PriceBook.bundledDefault.cost(of: usage, model: "claude-opus-4-8", at: Date()))
        #expect(record.baselineCost == baseline.total)
        #expect(reply.savings == baseline.total - expected.total)
        #expect(try #require(reply.savings) > .zero)
    }

    @Test("prompt and reply text reach the ledger only when the user opts in")
    func recordContentOptIn() async throws {
        let harness = try await RouterHarness.start(options: ModelRouter.Options(recordContent: true))
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(RouterHarness.auto("Extract the city: Lyon, France."),
                                                  options: CallOptions(task: "extraction"))
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.promptText == "Extract the city: Lyon, France.")
        #expect(record.responseText == reply.message.text)
        #expect(!reply.message.text.isEmpty)
    }

    static let triggers: [(String, [String], EscalationTrigger)] = [
        ("[[mock: stop=max_tokens models=haiku]]", [], .maxTokens),
        ("[[mock: stop=refusal models=haiku]]", [], .refusal),
        ("[[mock: stop=model_context_window_exceeded models=haiku]]", [], .contextOverflow),
        ("[[mock: status=529 models=haiku]]", [], .overloaded),
        ("[[mock: status=500 models=haiku]]", [], .serverError),
        ("Extract the total.", ["contains:claude-sonnet"], .failedCheck),
        ("[[mock: json models=sonnet,opus]]", ["json"], .invalidJSON),
    ]

    @Test("each escalation trigger moves the call to the next tier, with linked ledger records",
          arguments: 0..<triggers.count)
    func escalates(index: Int) async throws {
        let (prompt, checkNames, trigger) = Self.triggers[index]
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let checks: [ResponseCheck] = checkNames.map {
            $0 == "json" ? .jsonValid : .contains(String($0.dropFirst("contains:".count)))
        }
        let reply = try await harness.router.send(
            RouterHarness.auto("Extract the total. \(prompt)"), options: CallOptions(task: "extraction", checks: checks))

        #expect(reply.attempts.map(\.decision.tier) == ["haiku", "sonnet"])
        #expect(reply.attempts[0].outcome == .escalated(reason: trigger.rawValue))
        #expect(reply.attempts[0].trigger == trigger)
        #expect(reply.attempts[1].outcome == .success)
        #expect(reply.unresolvedTrigger == nil)
        #expect(reply.message.model.contains("sonnet"))

        let records = try await harness.ledger.records(LedgerQuery()).sorted { $0.attempt < $1.attempt }
        #expect(records.count == 2)
        #expect(records[1].parentID == records[0].id)
        #expect(records[0].outcome == .escalated(reason: trigger.rawValue))
        // Savings count every attempt's cost against the baseline of the reply returned.
        let total = records.compactMap { $0.cost?.total }.sum()
        #expect(reply.totalCost == total)
        #expect(reply.savings == (try #require(records[1].baselineCost)) - total)
    }

    @Test("escalation stops at max_steps and reports the trigger the final reply still fails")
    func escalationStopsAtMaxSteps() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let reply = try await harness.router.send(
            RouterHarness.auto("List the items. [[mock: stop=max_tokens]]"), options: CallOptions(task: "extraction"))
        #expect(reply.attempts.map(\.decision.tier) == ["haiku", "sonnet", "opus"])
        #expect(reply.unresolvedTrigger == .maxTokens)
        #expect(reply.attempts.last?.outcome == .success)
        // max_tokens doubles on each max_tokens escalation.
        #expect(reply.attempts.map(\.decision.maxTokens) == [512, 1024, 2048])
    }

    @Test("a max_tokens stop at the caller's own max_tokens is the reply asked for: no escalation, not unresolved; a tier's lower limit escalates, capped at the caller's")
    func callerMaxTokensIsNotATrigger() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        // The caller asked for at most 10 tokens and got them: one attempt, nothing more paid.
        let own = try await harness.router.send(
            RouterHarness.auto("List the items. [[mock: stop=max_tokens]]", maxTokens: 10), options: CallOptions(task: "extraction"))
        #expect(own.attempts.map(\.decision.tier) == ["haiku"])
        #expect(own.attempts.map(\.decision.maxTokens) == [10])
        #expect(own.unresolvedTrigger == nil && own.attempts[0].outcome == .success)
        #expect(own.message.stopReason == .maxTokens)
        // A tier's output limit below the caller's still escalates, never past the caller's max_tokens:
        // haiku and sonnet stop at their 64,000, opus gets the caller's 100,000 (not 128,000).
        let capped = try await harness.router.send(
            RouterHarness.auto("List the items. [[mock: stop=max_tokens]]", maxTokens: 100_000), options: CallOptions(task: "extraction"))
        #expect(capped.attempts.map(\.decision.tier) == ["haiku", "sonnet", "opus"])
        #expect(capped.attempts.map(\.decision.maxTokens) == [64_000, 64_000, 100_000])
        #expect(capped.unresolvedTrigger == nil)
        // Streamed: the same reply is not reported unresolved.
        let stream = try await harness.router.stream(
            RouterHarness.auto("List the items. [[mock: stop=max_tokens]]", maxTokens: 10), options: CallOptions(task: "extraction"))
        for try await _ in stream {}
        let streamed = try await stream.result()
        #expect(streamed.unresolvedTrigger == nil && streamed.attempts.count == 1)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 5)
    }

    @Test("an error no tier can fix is thrown after its attempt is recorded")
    func nonEscalatableErrorIsRecordedAndThrown() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        await #expect(throws: ClaudeError.permission) {
            _ = try await harness.router.send(RouterHarness.auto("Extract it. [[mock: status=403]]"),
                                              options: CallOptions(task: "extraction"))
        }
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 1)
        #expect(records.first?.outcome == .error(code: ClaudeError.permission.shortDescription))
    }

    @Test("a concrete model passes through; an unpriced one is flagged, never priced at $0")
    func passthroughAndUnpriced() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let priced = try await harness.router.send(
            MessageRequest(model: "claude-sonnet-4-6", maxTokens: 100, messages: [.user("Hello there")]))
        #expect(priced.decision.tier == "sonnet")
        #expect(priced.decision.maxTokens == 100)
        #expect(priced.unpricedAttempts == 0)
        // Not routed: its baseline is itself, so no saving is claimed for it.
        #expect(priced.savings == .zero)
        let pricedRecord = try #require(try await harness.ledger.records(LedgerQuery(model: "claude-sonnet-4-6")).first)
        #expect(pricedRecord.baselineModel == "claude-sonnet-4-6")
        #expect(pricedRecord.baselineCost != nil && pricedRecord.baselineCost == pricedRecord.cost?.total)
        // The same prompt routed by the policy keeps the baseline tier's price as its baseline.
        let routed = try await harness.router.send(MessageRequest(model: "auto", maxTokens: 0, messages: [.user("Hello there")]))
        let routedRecord = try #require(
            try await harness.ledger.records(LedgerQuery()).first { $0.model == routed.message.model && $0.id != pricedRecord.id })
        let policy = await harness.router.currentPolicy()
        let baselineModel = try #require(policy.tierIndex(named: policy.baselineTier).map { policy.tiers[$0].model })
        #expect(routed.decision.tier != "passthrough")
        #expect(routedRecord.baselineModel == baselineModel)

        let unpriced = try await harness.router.send(
            MessageRequest(model: "claude-imaginary-9", maxTokens: 100, messages: [.user("Hello there")]))
        #expect(unpriced.decision.tier == "passthrough")
        #expect(unpriced.unpricedAttempts == 1)
        #expect(unpriced.savings == nil)
        let records = try await harness.ledger.records(LedgerQuery(model: "claude-imaginary-9"))
        #expect(records.count == 1)
        #expect(records.first?.cost == nil)
        #expect(records.first?.isUnpriced == true)
    }

    @Test("streamed and non-streamed replies to the same call cost the same")
    func streamingCostsTheSame() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let prompt = "Extract every date from: the meeting moved from 3 May to 9 June. [[mock: cache-read=1200 cache-write-1h=300]]"
        let plain = try await harness.router.send(RouterHarness.auto(prompt), options: CallOptions(task: "extraction"))
        let stream = try await harness.router.stream(RouterHarness.auto(prompt), options: CallOptions(task: "extraction"))
        var deltas = 0
        for try await event in stream {
            if case .contentBlockDelta = event { deltas += 1 }
        }
        let streamed = try await stream.result()
        #expect(deltas > 1)
        #expect(streamed.message.text == plain.message.text)
        #expect(streamed.attempts[0].usage == plain.attempts[0].usage)
        #expect(streamed.attempts[0].usage.cacheRead == 1200)
        #expect(streamed.attempts[0].usage.cacheWrite1h == 300)
        #expect(streamed.totalCost == plain.totalCost)
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.filter(\.stream).count == 1)
    }

    @Test("a stream cut off by an error event records the usage it consumed")
    func streamCutByErrorIsRecorded() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let stream = try await harness.router.stream(
            RouterHarness.auto("Write a long answer about rivers and lakes and seas. [[mock: error-after=3]]"),
            options: CallOptions(task: "extraction"))
        var seen = 0
        await #expect(throws: ClaudeError.overloaded) {
            for try await event in stream {
                if case .contentBlockDelta = event { seen += 1 }
            }
        }
        #expect(seen == 3)
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.stream)
        #expect(record.outcome == .error(code: ClaudeError.overloaded.shortDescription))
        #expect(record.usage.input > 0)
        #expect(record.usage.output > 0)
        #expect(record.cost != nil)
    }

    @Test("a stream the caller abandons is aborted and recorded")
    func abandonedStreamIsRecorded() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let stream = try await harness.router.stream(
            RouterHarness.auto("Describe the water cycle in detail please. [[mock: slow-ms=20]]"),
            options: CallOptions(task: "extraction"))
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        _ = try await iterator.next()
        await stream.cancel()
        let record = try #require(try await harness.ledger.records(LedgerQuery()).first)
        #expect(record.outcome == .error(code: "cancelled"))
        #expect(record.usage.input > 0)
    }
}
