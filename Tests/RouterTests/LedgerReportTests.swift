import Foundation
import Router
import RouterPolicies
import Testing

/// Expected values below are computed by hand from the six records in `dataset` (see comments).
@Suite("Ledger report aggregation")
struct LedgerReportTests {
    static func record(_ id: String, _ time: String, attempt: Int = 1, parent: String? = nil, task: String,
                       model: String, tier: String?, user: String?, cost: Int64?, baseline: Int64?, latency: Int,
                       outcome: LedgerRecord.Outcome, usage: TokenUsage) -> LedgerRecord {
        LedgerRecord(id: id, time: utc(time), requestID: "req-\(id)", attempt: attempt, parentID: parent, task: task,
                     tier: tier, model: model, usage: usage,
                     cost: cost.map { LedgerRecord.Cost(input: pico($0)) },
                     baselineModel: baseline == nil ? nil : "claude-opus-4-5", baselineCost: baseline.map(pico),
                     latencyMs: latency, outcome: outcome, metadata: user.map { ["user": $0] } ?? [:])
    }

    // A: chat/u1, haiku escalated to sonnet.  B: chat/u2, haiku.  C: code, unpriced model.
    // D: code/u1, haiku retried on haiku.  A, B on 2026-03-01; C, D on 2026-03-02.
    static let dataset: [LedgerRecord] = [
        record("A1", "2026-03-01T10:00:00Z", task: "chat", model: "haiku", tier: "small", user: "u1", cost: 100,
               baseline: 1000, latency: 100, outcome: .escalated(reason: "max_tokens"),
               usage: TokenUsage(input: 10, output: 5, cacheRead: 2)),
        record("A2", "2026-03-01T10:00:01Z", attempt: 2, parent: "A1", task: "chat", model: "sonnet", tier: "medium",
               user: "u1", cost: 400, baseline: 1600, latency: 300, outcome: .success,
               usage: TokenUsage(input: 10, output: 20, cacheWrite5m: 3)),
        record("B1", "2026-03-01T11:00:00Z", task: "chat", model: "haiku", tier: "small", user: "u2", cost: 50,
               baseline: 500, latency: 50, outcome: .success, usage: TokenUsage(input: 4, output: 4, cacheWrite1h: 1)),
        record("C1", "2026-03-02T08:00:00Z", task: "code", model: "mystery", tier: nil, user: nil, cost: nil,
               baseline: 700, latency: 900, outcome: .success, usage: TokenUsage(input: 7, output: 3)),
        record("D1", "2026-03-02T09:00:00Z", task: "code", model: "haiku", tier: "small", user: "u1", cost: 30,
               baseline: 300, latency: 20, outcome: .escalated(reason: "overloaded"), usage: TokenUsage(input: 5)),
        record("D2", "2026-03-02T09:00:02Z", attempt: 2, parent: "D1", task: "code", model: "haiku", tier: "small",
               user: "u1", cost: 30, baseline: 360, latency: 40, outcome: .success, usage: TokenUsage(input: 5, output: 6)),
    ]

    @Test("one row over everything")
    func all() throws {
        let rows = try LedgerReport.aggregate(Self.dataset, by: .all)
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(row.attempts == 6)
        #expect(row.logicalCalls == 4)
        #expect(row.tokens == TokenUsage(input: 41, output: 38, cacheWrite5m: 3, cacheWrite1h: 1, cacheRead: 2))
        #expect(row.cost == pico(610)) // 100 + 400 + 50 + 30 + 30, C1 unpriced
        #expect(row.unpricedRecords == 1)
        // Once per logical call, the LAST attempt's baseline: A2 1600 + B1 500 + C1 700 + D2 360.
        #expect(row.baselineCost == pico(3160))
        #expect(row.savings == nil, "an unpriced attempt makes savings unknowable")
        #expect(row.escalatedCalls == 2) // A and D
        #expect(row.escalationRate == 0.5)
        #expect(row.escalationCost == pico(130)) // A1 + D1
        // sorted latencies 20 40 50 100 300 900: ranks ⌈3⌉=3, ⌈5.7⌉=6, ⌈5.94⌉=6
        #expect(row.latencyP50 == 50)
        #expect(row.latencyP95 == 900)
        #expect(row.latencyP99 == 900)
    }

    @Test("by task")
    func byTask() throws {
        let rows = try LedgerReport.aggregate(Self.dataset, by: .task)
        #expect(rows.map(\.group) == ["chat", "code"])
        let chat = rows[0], code = rows[1]
        #expect(chat.attempts == 3 && chat.logicalCalls == 2)
        #expect(chat.cost == pico(550))
        #expect(chat.baselineCost == pico(2100)) // A2 1600 + B1 500
        #expect(chat.savings == pico(1550)) // 2100 − 550
        let percent = try #require(chat.savingsPercent)
        #expect(abs(percent - 73.809_523_8) < 0.000_01) // 1550 / 2100
        #expect(chat.escalationRate == 0.5)
        #expect(chat.escalationCost == pico(100))
        #expect(chat.latencyP50 == 100) // 50 100 300: rank ⌈1.5⌉ = 2
        #expect(chat.latencyP95 == 300)
        #expect(code.cost == pico(60))
        #expect(code.baselineCost == pico(1060)) // C1 700 + D2 360
        #expect(code.savings == nil)
        #expect(code.unpricedRecords == 1)
        #expect(code.escalatedCalls == 1)
        #expect(code.latencyP50 == 40) // 20 40 900
    }

    @Test("by model: each call counted whole (escalations included) in the group of the model that answered it")
    func byModel() throws {
        let rows = try LedgerReport.aggregate(Self.dataset, by: .model)
        #expect(rows.map(\.group) == ["haiku", "mystery", "sonnet"])
        let haiku = rows[0], mystery = rows[1], sonnet = rows[2]
        // B (haiku) and D (haiku, retried on haiku): B1, D1, D2.
        #expect(haiku.attempts == 3 && haiku.logicalCalls == 2)
        #expect(haiku.cost == pico(110)) // 50 + 30 + 30
        #expect(haiku.baselineCost == pico(860)) // B1 500 + D2 360
        #expect(haiku.savings == pico(750))
        #expect(haiku.escalatedCalls == 1 && haiku.escalationCost == pico(30)) // D1
        // A answered by sonnet: both of its attempts (A1 on haiku too) and its own baseline.
        #expect(sonnet.attempts == 2 && sonnet.logicalCalls == 1)
        #expect(sonnet.cost == pico(500)) // A1 100 + A2 400
        #expect(sonnet.baselineCost == pico(1600))
        #expect(sonnet.savings == pico(1100))
        #expect(sonnet.escalatedCalls == 1 && sonnet.escalationRate == 1 && sonnet.escalationCost == pico(100))
        // An unpriced group's cost is unknown, never $0.
        #expect(mystery.unpricedRecords == 1 && mystery.exactCost == nil && mystery.savings == nil)
        #expect(haiku.exactCost == pico(110))
    }

    @Test("errors and flagged usage are counted per group")
    func errorsAndFlags() throws {
        let failed = LedgerRecord(id: "E1", time: utc("2026-03-03T00:00:00Z"), requestID: "req-E1", task: "chat",
                                  model: "haiku", usage: TokenUsage(input: 3), cost: LedgerRecord.Cost(input: pico(3)),
                                  latencyMs: 5, outcome: .error(code: "overloaded"), flags: ["usage_estimated: test"])
        let rows = try LedgerReport.aggregate(Self.dataset + [failed], by: .task)
        #expect(rows[0].errorAttempts == 1 && rows[0].flaggedRecords == 1)
        #expect(rows[1].errorAttempts == 0 && rows[1].flaggedRecords == 0)
    }

    @Test("by UTC day, user and tier")
    func byDayUserTier() throws {
        let days = try LedgerReport.aggregate(Self.dataset, by: .day)
        #expect(days.map(\.group) == ["2026-03-01", "2026-03-02"])
        #expect(days.map(\.cost) == [pico(550), pico(60)])

        let users = try LedgerReport.aggregate(Self.dataset, by: .user)
        #expect(users.map(\.group) == ["(none)", "u1", "u2"])
        let u1 = users[1]
        #expect(u1.attempts == 4 && u1.logicalCalls == 2)
        #expect(u1.cost == pico(560))
        #expect(u1.savings == pico(1400)) // (A2 1600 + D2 360) − 560
        #expect(u1.escalationRate == 1.0)

        let tiers = try LedgerReport.aggregate(Self.dataset, by: .tier)
        #expect(tiers.map(\.group) == ["(none)", "medium", "small"])
        #expect(tiers[1].cost == pico(500)) // A, answered on medium, with its small first attempt
        #expect(tiers[2].cost == pico(110)) // B and D
    }

    @Test("in memory: token sums and derived figures past the 64-bit range are integer_overflow errors naming the group")
    func overflowInMemory() throws {
        let start = utc("2026-03-01T10:00:00Z")
        func record(_ id: String, task: String, usage: TokenUsage = TokenUsage(input: 1),
                    cost: USDAmount = pico(1), baseline: USDAmount? = nil) -> LedgerRecord {
            LedgerRecord(id: id, time: start, requestID: "req", task: task, model: "claude-haiku-4-5", usage: usage,
                         cost: LedgerRecord.Cost(input: cost), baselineCost: baseline, latencyMs: 1, outcome: .success)
        }
        // Output tokens of two records in one group.
        let tokens = [record("a", task: "qa", usage: TokenUsage(input: 1, output: Int.max)),
                      record("b", task: "qa", usage: TokenUsage(input: 1, output: 1))]
        let tokenError = #expect(throws: LedgerError.self) { try LedgerReport.aggregate(tokens, by: .task) }
        #expect(tokenError?.code == .overflow && tokenError?.message.contains("group 'qa' by task") == true)
        // Prompt tokens (input + cache reads) of one record: each field fits, the row's sum does not.
        let prompt = [record("c", task: "qa", usage: TokenUsage(input: Int.max, cacheRead: 1))]
        #expect(throws: LedgerError.self) { try LedgerReport.aggregate(prompt, by: .task) }
        // Savings (baseline − cost) out of range.
        let savings = [record("d", task: "qa", cost: USDAmount(picodollars: -2), baseline: USDAmount(picodollars: .max))]
        #expect(throws: LedgerError.self) { try LedgerReport.aggregate(savings, by: .task) }
        // Just inside the range: no error, the exact sum.
        let edge = [record("e", task: "qa", cost: USDAmount(picodollars: .max - 1)), record("f", task: "qa", cost: pico(1))]
        #expect(try LedgerReport.aggregate(edge, by: .task).first?.cost == USDAmount(picodollars: .max))
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        #expect(LedgerReport.nearestRank(50, of: []) == nil)
        #expect(LedgerReport.nearestRank(99, of: [7]) == 7)
        let values = [50, 15, 40, 20, 35] // sorted: 15 20 35 40 50
        #expect(LedgerReport.nearestRank(30, of: values) == 20) // rank ⌈1.5⌉ = 2
        #expect(LedgerReport.nearestRank(40, of: values) == 20) // rank 2
        #expect(LedgerReport.nearestRank(50, of: values) == 35) // rank ⌈2.5⌉ = 3
        #expect(LedgerReport.nearestRank(100, of: values) == 50)
        let hundred = Array((1...100).reversed())
        #expect(LedgerReport.nearestRank(50, of: hundred) == 50)
        #expect(LedgerReport.nearestRank(95, of: hundred) == 95)
        #expect(LedgerReport.nearestRank(99, of: hundred) == 99)
    }

    @Test("a ledger feeds the report: same rows from SQLite as from the array")
    func fromSQLite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteLedger(path: directory.path("r.sqlite"))
        for record in Self.dataset { try await ledger.record(record) }
        let read = try await ledger.records(.all)
        for key in LedgerReport.GroupKey.allCases {
            #expect(try LedgerReport.aggregate(read, by: key) == LedgerReport.aggregate(Self.dataset, by: key))
        }
        try await ledger.close()
    }
}
