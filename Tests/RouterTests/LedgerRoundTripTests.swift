import Foundation
import Router
import RouterPolicies
import Testing

@Suite("Ledger round trips")
struct LedgerRoundTripTests {
    static func sampleRecords() -> [LedgerRecord] {
        let first = fullRecord(id: "A1", outcome: .escalated(reason: "max_tokens"),
                               promptText: "opted-in prompt\nwith a newline", responseText: "opted-in reply")
        return [
            first,
            fullRecord(id: "A2", time: utc("2026-03-01T10:00:05Z"), attempt: 2, parentID: "A1",
                       model: "claude-sonnet-4-5"),
            fullRecord(id: "B1", time: utc("2026-03-02T09:00:00Z"), task: nil, model: "mystery-model", cost: nil,
                       outcome: .error(code: "overloaded"), metadata: [:]),
        ]
    }

    @Test("every ledger returns exactly what was written, also after reopening", arguments: LedgerKind.allCases)
    func roundTrip(kind: LedgerKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let records = Self.sampleRecords()
        let ledger = try kind.open(in: directory)
        for record in records { try await ledger.record(record) }
        #expect(try await ledger.records(.all) == records)
        try await ledger.close()

        if kind != .memory {
            let reopened = try kind.open(in: directory)
            let read = try await reopened.records(.all)
            #expect(read == records)
            #expect(read[2].cost == nil, "unpriced stays nil, never $0")
            #expect(read[0].promptText == "opted-in prompt\nwith a newline")
            try await reopened.close()
        }
    }

    @Test("writing the same id twice keeps one record", arguments: LedgerKind.allCases)
    func idempotentOnID(kind: LedgerKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try kind.open(in: directory)
        let original = fullRecord(id: "same-id")
        var changed = original
        changed.model = "claude-opus-4-5"
        try await ledger.record(original)
        try await ledger.record(changed)
        try await ledger.record(original)
        #expect(try await ledger.records(.all) == [original])
        try await ledger.close()
    }

    @Test("queries filter by time, task, model and variant and honour limit", arguments: LedgerKind.allCases)
    func queries(kind: LedgerKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try kind.open(in: directory)
        let records = Self.sampleRecords()
        for record in records.reversed() { try await ledger.record(record) }

        let ids = { (query: LedgerQuery) in try await ledger.records(query).map(\.id) }
        #expect(try await ids(.all) == ["A1", "A2", "B1"], "ordered by time, not insertion")
        #expect(try await ids(LedgerQuery(since: utc("2026-03-01T10:00:05Z"))) == ["A2", "B1"])
        #expect(try await ids(LedgerQuery(until: utc("2026-03-02T00:00:00Z"))) == ["A1", "A2"])
        #expect(try await ids(LedgerQuery(task: "chat")) == ["A1", "A2"])
        #expect(try await ids(LedgerQuery(model: "mystery-model")) == ["B1"])
        #expect(try await ids(LedgerQuery(variant: "A")) == [])
        #expect(try await ids(LedgerQuery(limit: 2)) == ["A1", "A2"])
        #expect(try await ids(LedgerQuery(limit: 2, newestFirst: true)) == ["B1", "A2"])
        try await ledger.close()
    }

    @Test("a closed ledger refuses writes with .closed", arguments: LedgerKind.allCases)
    func closedRefusesWrites(kind: LedgerKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try kind.open(in: directory)
        try await ledger.close()
        let error = await #expect(throws: LedgerError.self) { try await ledger.record(fullRecord()) }
        #expect(error?.code == .closed)
    }
}
