import ClaudeRouterGateway
import Foundation
import Router
import RouterPolicies
import Testing

/// Message Batches through the gateway land in the ledger at the batch price, once per item.
@Suite("Gateway batches in the ledger", .serialized)
struct GatewayBatchLedgerTests {
    @Test("fetching results records each item once at the batch price; errored items are recorded as such; a second fetch adds nothing")
    func resultsRecordedOnce() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let body = #"{"requests":["#
            + #"{"custom_id":"a","params":{"model":"auto:extraction","max_tokens":100,"messages":[{"role":"user","content":"Extract 4411"}]}},"#
            + #"{"custom_id":"b","params":{"model":"claude-opus-4-8","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}},"#
            + #"{"custom_id":"c","params":{"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":"x [[mock: status=529]]"}]}}]}"#
        let created = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches", body: body, headers: ["x-api-key": "k"])
        #expect(created.status == 200)
        let id = try #require(created.json?["id"] as? String)
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)

        for _ in 0..<2 {
            let results = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches/\(id)/results",
                                             headers: ["x-api-key": "k"])
            #expect(results.status == 200)
            #expect(results.body.split(separator: "\n").count == 3)
        }
        let records = try await harness.ledger.records(LedgerQuery()).filter { $0.requestID == id }
        #expect(records.count == 3)
        #expect(Set(records.map(\.id)) == ["\(id):a", "\(id):b", "\(id):c"])
        #expect(records.allSatisfy { $0.metadata["batch_id"] == id && $0.flags == ["batch"] })

        for custom in ["a", "b"] {
            let record = try #require(records.first { $0.id == "\(id):\(custom)" })
            #expect(record.outcome == .success)
            #expect(record.usage.output > 0)
            let batchPrice = try #require(PriceBook.bundledDefault.cost(of: record.usage, model: record.model, at: record.time, batch: true))
            let standard = try #require(PriceBook.bundledDefault.cost(of: record.usage, model: record.model, at: record.time))
            #expect(record.cost?.total == batchPrice.total)
            #expect(batchPrice.total < standard.total)
        }
        #expect(records.first { $0.id == "\(id):a" }?.tier == "haiku")
        #expect(records.first { $0.id == "\(id):b" }?.tier == "opus")
        let errored = try #require(records.first { $0.id == "\(id):c" })
        #expect(errored.outcome == .error(code: "batch_errored:overloaded_error"))
        #expect(errored.cost?.total == .zero)
    }

    static let twoItems = #"{"requests":["#
        + #"{"custom_id":"a","params":{"model":"auto:extraction","max_tokens":100,"messages":[{"role":"user","content":"Extract 4411"}]}},"#
        + #"{"custom_id":"b","params":{"model":"claude-opus-4-8","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}}]}"#

    @Test("every batch the gateway returns points results_url at its own /results under the base URL the caller used; following it records the results")
    func resultsURLThroughGateway() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let base = harness.gateway.baseURL
        let created = try await Curl.run(base + "/v1/messages/batches", body: Self.twoItems, headers: ["x-api-key": "k"])
        #expect(created.status == 200)
        let id = try #require(created.json?["id"] as? String)
        // The API's create reply says in_progress with a null results_url: it stays without one
        // (the gateway's encoder leaves out absent members; SDKs read both as None/null).
        #expect(created.json?["processing_status"] as? String == "in_progress")
        #expect(created.json?["results_url"] == nil || created.json?["results_url"] is NSNull)

        let expected = base + "/v1/messages/batches/\(id)/results"
        let retrieved = try await Curl.run(base + "/v1/messages/batches/\(id)", headers: ["x-api-key": "k"])
        #expect(retrieved.json?["results_url"] as? String == expected)
        let listed = try await Curl.run(base + "/v1/messages/batches?limit=5", headers: ["x-api-key": "k"])
        let items = try #require(listed.json?["data"] as? [[String: Any]])
        #expect(items.first { $0["id"] as? String == id }?["results_url"] as? String == expected)
        let canceled = try await Curl.run(base + "/v1/messages/batches/\(id)/cancel", method: "POST", headers: ["x-api-key": "k"])
        #expect(canceled.status == 200)
        #expect(canceled.json?["results_url"] as? String == expected)
        // Behind a TLS-terminating proxy: the Host the caller used and X-Forwarded-Proto.
        let proxied = try await Curl.run(base + "/v1/messages/batches/\(id)", headers: [
            "x-api-key": "k", "Host": "gateway.example.com:8443", "X-Forwarded-Proto": "https"])
        #expect(proxied.json?["results_url"] as? String == "https://gateway.example.com:8443/v1/messages/batches/\(id)/results")

        // What an SDK does: fetch results_url. It is the gateway, so the items land in the ledger.
        #expect(try await harness.ledger.records(LedgerQuery()).isEmpty)
        let results = try await Curl.run(expected, headers: ["x-api-key": "k"])
        #expect(results.status == 200)
        #expect(results.body.split(separator: "\n").count == 2)
        let records = try await harness.ledger.records(LedgerQuery()).filter { $0.requestID == id }
        #expect(Set(records.map(\.id)) == ["\(id):a", "\(id):b"])
    }

    @Test("a batch holds its worst case at the batch price from submit until its results are recorded, then its exact cost")
    func budgetHeldThenSettled() async throws {
        let budgets = """
        budgets:
          - { name: batch-daily, scope: global, period: day, hard_usd: "5" }
        """
        let harness = try await GatewayHarness.start(budgets: budgets)
        defer { Task { await harness.stop() } }
        let created = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches", body: Self.twoItems,
                                         headers: ["x-api-key": "k"])
        #expect(created.status == 200)
        let id = try #require(created.json?["id"] as? String)
        let held = try #require(await harness.router.budgetStatus().first { $0.ruleName == "batch-daily" })
        #expect(held.reserved > .zero)
        #expect(held.spent == .zero)

        let results = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches/\(id)/results", headers: ["x-api-key": "k"])
        #expect(results.status == 200)
        let records = try await harness.ledger.records(LedgerQuery()).filter { $0.requestID == id }
        let recordedCost = records.compactMap { $0.cost?.total }.reduce(USDAmount.zero, +)
        #expect(recordedCost > .zero)
        let settled = try #require(await harness.router.budgetStatus().first { $0.ruleName == "batch-daily" })
        #expect(settled.reserved == .zero)
        #expect(settled.spent == recordedCost)
        // The worst case held was at least what the batch cost.
        #expect(held.reserved >= recordedCost)
    }

    @Test("a batch whose worst case crosses a hard limit is refused with the budget's 429 before it reaches the API")
    func budgetRefusesBatch() async throws {
        let budgets = """
        budgets:
          - { name: tiny-daily, scope: global, period: day, hard_usd: "0.000001" }
        """
        let harness = try await GatewayHarness.start(budgets: budgets)
        defer { Task { await harness.stop() } }
        let refused = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches", body: Self.twoItems,
                                         headers: ["x-api-key": "k"])
        #expect(refused.status == 429)
        #expect(refused.headers["x-router-budget"] == "tiny-daily")
        #expect(harness.mock.stats.totalRequests == 0)
        let status = try #require(await harness.router.budgetStatus().first { $0.ruleName == "tiny-daily" })
        #expect(status.reserved == .zero)
    }

    @Test("a batch item with a document by URL is counted before its hold: 250,000 tokens cross a $0.05 limit, nothing is submitted")
    func unboundedBatchItemIsCounted() async throws {
        let budgets = """
        budgets:
          - { name: small-daily, scope: global, period: day, hard_usd: "0.05" }
        """
        let harness = try await GatewayHarness.start(budgets: budgets)
        defer { Task { await harness.stop() } }
        // Its byte bound (a few hundred tokens) would fit; the mock bills the PDF as 250,000 tokens.
        let body = #"{"requests":[{"custom_id":"doc","params":{"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":["#
            + #"{"type":"document","source":{"type":"url","url":"https://example.com/big.pdf?mock-tokens=250000"}},"#
            + #"{"type":"text","text":"Summarize."}]}]}}]}"#
        let refused = try await Curl.run(harness.gateway.baseURL + "/v1/messages/batches", body: body,
                                         headers: ["x-api-key": "k"])
        #expect(refused.status == 429)
        #expect(refused.headers["x-router-budget"] == "small-daily")
        #expect(harness.mock.stats.requests(to: .countTokens) == 1)
        #expect(harness.mock.stats.requests(to: .createBatch) == 0)
    }
}
