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
}
