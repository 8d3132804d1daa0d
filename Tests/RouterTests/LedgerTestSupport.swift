import Foundation
import Router
import RouterPolicies

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A UTC date from `yyyy-MM-ddTHH:mm:ssZ`; test-only, so a bad literal is a test bug.
func utc(_ text: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else {
        preconditionFailure("bad test date literal \(text)")
    }
    return date
}

func pico(_ value: Int64) -> USDAmount { USDAmount(picodollars: value) }

/// A record with every field set, so round trips exercise every column.
func fullRecord(id: String = UUID().uuidString, time: Date = utc("2026-03-01T10:00:00Z"), attempt: Int = 1,
                parentID: String? = nil, task: String? = "chat", model: String = "claude-haiku-4-5",
                cost: LedgerRecord.Cost? = LedgerRecord.Cost(input: pico(10), cacheWrite5m: pico(2), cacheWrite1h: pico(3),
                                                             cacheRead: pico(1), output: pico(40)),
                outcome: LedgerRecord.Outcome = .success, metadata: [String: String] = ["user": "u1", "team": "a"],
                promptText: String? = nil, responseText: String? = nil) -> LedgerRecord {
    LedgerRecord(id: id, time: time.addingTimeInterval(0.123456), requestID: "req_\(id.prefix(8))", attempt: attempt,
                 parentID: parentID, task: task, variant: "B", policyName: "default", policyHash: "sha256:abc",
                 tier: "small", model: model, reason: "score 0.21 < 0.4 → small", score: 0.21,
                 usage: TokenUsage(input: 120, output: 33, cacheWrite5m: 7, cacheWrite1h: 8, cacheRead: 900),
                 cost: cost, baselineModel: "claude-opus-4-5", baselineCost: pico(1234), latencyMs: 321,
                 outcome: outcome, stream: true, metadata: metadata, promptText: promptText, responseText: responseText)
}

/// The three ledgers, by name, for parameterized tests.
enum LedgerKind: String, CaseIterable, Sendable {
    case memory, jsonl, sqlite

    func open(in directory: TemporaryDirectory, durability: LedgerDurability = .durable) throws -> any CostLedger {
        switch self {
        case .memory: InMemoryLedger()
        case .jsonl: try JSONLinesLedger(path: directory.path("ledger.jsonl"), durability: durability)
        case .sqlite: try SQLiteLedger(path: directory.path("ledger.sqlite"), durability: durability)
        }
    }
}

/// A lock-protected value for callbacks and clocks shared with `@Sendable` closures.
final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only accessed while holding `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value { lock.withLock { value } }

    func mutate<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}

/// Holds and observes a ledger's writer through its test injection point
/// (``LedgerWriterInstrumentation``): suspend the queue so concurrent writes arrive together,
/// count the durable records handed over and the group commits run.
final class WriterProbe: Sendable {
    let queue = DispatchQueue(label: "claude-router.tests.ledger-writer")
    private let submittedCount = LockedBox(0)
    private let groups = LockedBox<[Int]>([])

    var instrumentation: LedgerWriterInstrumentation {
        let submittedCount = submittedCount, groups = groups
        return LedgerWriterInstrumentation(
            queue: queue, submitted: { submittedCount.mutate { $0 += 1 } },
            groupCommitted: { count in groups.mutate { $0.append(count) } })
    }

    /// Durable records handed to the queue so far.
    var submitted: Int { submittedCount.get() }
    /// Sizes of the durable group commits so far, in order.
    var groupCommits: [Int] { groups.get() }

    func suspend() { queue.suspend() }
    func resume() { queue.resume() }

    /// Suspends the queue, starts `count` concurrent writers, resumes once all have been handed
    /// over, and waits for every `record` to return.
    func writeTogether(_ count: Int, _ write: @escaping @Sendable (Int) async throws -> Void) async throws {
        suspend()
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count { group.addTask { try await write(index) } }
                try await group.waitForAll()
            }
        }
        while submitted < count { await Task.yield() }
        resume()
        try await writers.value
    }
}
