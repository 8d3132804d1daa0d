import ClaudeClient
import Foundation
import Router
import RouterPolicies
import Testing

/// `send` and `stream` run the same attempt pipeline: the same escalation step decides the next
/// tier, reserves it and records the attempt, so both paths leave the same ledger story.
@Suite("Router attempt pipeline", .serialized)
struct RouterAttemptPipelineTests {
    /// The fields that describe an attempt's routing, independent of timing and ids.
    struct Shape: Equatable {
        var attempt: Int
        var tier: String?
        var model: String
        var outcome: LedgerRecord.Outcome
        var task: String?
        var linkedToFirst: Bool

        init(_ record: LedgerRecord, first: LedgerRecord) {
            attempt = record.attempt
            tier = record.tier
            model = record.model
            outcome = record.outcome
            task = record.task
            linkedToFirst = record.attempt == 1 ? record.parentID == nil : record.parentID == first.id
        }
    }

    static func shapes(_ records: [LedgerRecord]) throws -> [Shape] {
        let sorted = records.sorted { $0.attempt < $1.attempt }
        let first = try #require(sorted.first)
        return sorted.map { Shape($0, first: first) }
    }

    @Test("an overload on the first tier escalates send and stream alike, to the same ledger records",
          arguments: ["[[mock: status=529 models=haiku]]", "[[mock: status=500 models=haiku]]",
                      "[[mock: status=529 models=haiku,sonnet]]"])
    func sendAndStreamEscalateAlike(directive: String) async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let request = RouterHarness.auto("Extract the order id from: order A-77 shipped. \(directive)")
        let options = CallOptions(task: "extraction", metadata: ["user": "pipeline"])

        let sent = try await harness.router.send(request, options: options)
        let sentRecords = try await harness.ledger.records(LedgerQuery()).filter { !$0.stream }

        let stream = try await harness.router.stream(request, options: options)
        #expect(stream.decision.tier == sent.decision.tier)
        let streamed = try await stream.result()
        let streamedRecords = try await harness.ledger.records(LedgerQuery()).filter(\.stream)

        #expect(sentRecords.count >= 2)
        #expect(try Self.shapes(streamedRecords) == (try Self.shapes(sentRecords)))
        #expect(streamed.attempts.map(\.decision.tier) == sent.attempts.map(\.decision.tier))
        #expect(streamed.attempts.map(\.outcome) == sent.attempts.map(\.outcome))
        #expect(streamed.attempts.map(\.trigger) == sent.attempts.map(\.trigger))
        #expect(streamed.attempts.map(\.recordID) == streamedRecords.sorted { $0.attempt < $1.attempt }.map(\.id))
        #expect(streamed.message.text == sent.message.text)
        #expect(streamed.unresolvedTrigger == nil && sent.unresolvedTrigger == nil)
        #expect(streamedRecords.allSatisfy { $0.metadata["user"] == "pipeline" })
    }

    @Test("an error no tier fixes is recorded once and thrown, by send and stream alike")
    func nonEscalatableErrorAlike() async throws {
        let harness = try await RouterHarness.start()
        defer { Task { await harness.stop() } }
        let request = RouterHarness.auto("Extract it. [[mock: status=403]]")
        await #expect(throws: ClaudeError.permission) {
            _ = try await harness.router.send(request, options: CallOptions(task: "extraction"))
        }
        await #expect(throws: ClaudeError.permission) {
            _ = try await harness.router.stream(request, options: CallOptions(task: "extraction"))
        }
        let records = try await harness.ledger.records(LedgerQuery())
        #expect(records.count == 2)
        #expect(records.map(\.stream).sorted { !$0 && $1 } == [false, true])
        #expect(Set(records.map(\.outcome)) == [.error(code: ClaudeError.permission.shortDescription)])
        #expect(records.allSatisfy { $0.attempt == 1 && $0.parentID == nil && $0.tier == "haiku" })
    }
}
