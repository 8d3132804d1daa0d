// LeverBench: each cost lever off and on, on a small workload of its own, in one run: the exact
// cost from the ledger (integer picodollars, summed over the ledger's records) with the lever off
// and on, their ratio, and the median wall time a call takes with the lever off and on.
//
//   swift build --product claude-router && swift build --product LeverBench
//   .build/debug/LeverBench            (or -c release and .build/release/LeverBench)
//
// The router runs in this process (ModelRouter, a SQLite ledger per run) against
// `claude-router mock-server` in its own process, started from next to this binary. The mock's
// replies are fake but its usage is the API's shape (prompt-cache reads and writes, count_tokens,
// Message Batches), and costs come from the bundled price book, as in production. Workloads are
// synthetic text from a fixed vocabulary (seeded), never benchmark data sets:
// - prompt caching: a 10-turn conversation over an ~8,000-token system prompt (`caching: {ttl: 5m}`);
// - response cache: 20 questions, 5 distinct ones asked 4 times by one user (`response_cache`);
// - batch: 20 prompts of a `deferrable: true` task, sent one by one (off) or through the Message
//   Batches API (on: submitDeferred + collectDeferred);
// - history trimming: a conversation sent 10 times as it grows from 21 to 39 messages
//   (`history: {max_messages: 8}`);
// - pre-flight: 5 calls with a ~15,000-token prompt under a budget (`preflight: count_tokens`):
//   the cost does not change, the budget reservation does (recorded by a wrapping BudgetStore).
import ClaudeClient
import Foundation
import Router
import RouterPolicies
import Synchronization
import ClaudeRouterEval

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("claude-router")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    FileHandle.standardError.write(Data("LeverBench: \(binary.path) not found; build it with --product claude-router\n".utf8))
    exit(1)
}
let work = FileManager.default.temporaryDirectory.appendingPathComponent("lever-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }
func log(_ text: String) { FileHandle.standardError.write(Data("LeverBench: \(text)\n".utf8)) }

// MARK: - The mock, in its own process

let mockLog = work.appendingPathComponent("mock.log")
_ = FileManager.default.createFile(atPath: mockLog.path, contents: nil)
let mock = Process()
mock.executableURL = binary
mock.arguments = ["mock-server", "--port", "0"]
mock.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
let mockHandle = try FileHandle(forWritingTo: mockLog)
mock.standardOutput = mockHandle
mock.standardError = mockHandle
try mock.run()
/// The mock's URL from its banner (waits up to a minute).
func mockBanner(_ log: URL, _ process: Process) -> String {
    for _ in 0..<3000 {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if let range = text.range(of: "listening on ") {
            return String(text[range.upperBound...].prefix { !$0.isWhitespace })
        }
        guard process.isRunning else { fatalError("mock-server exited: \(text)") }
        usleep(20_000)
    }
    fatalError("mock-server did not start")
}
let mockURL = mockBanner(mockLog, mock)
defer {
    mock.terminate()
    mock.waitUntilExit()
}
log("mock at \(mockURL)")

// MARK: - Synthetic text

let vocabulary = ("parcel route depot ledger invoice customer driver window delay refund address warehouse shelf "
    + "label scanner pallet carrier schedule contract region manager report weekly review policy standard").split(separator: " ")
/// About `tokens` tokens of prose (the router and the mock estimate ~4 characters a token),
/// the same for the same `seed`.
func prose(tokens: Int, seed: UInt64) -> String {
    var random = SeededGenerator(seed: seed)
    var text = ""
    while text.utf8.count < tokens * 4 {
        text += vocabulary.randomElement(using: &random)! + (Int.random(in: 0..<12, using: &random) == 0 ? ". " : " ")
    }
    return text
}

// MARK: - Running a workload

/// A router over a fresh SQLite ledger, for one policy.
struct Rig {
    let router: ModelRouter
    let ledger: SQLiteLedger
    let client: AnthropicClient

    init(_ policyYAML: String, name: String, options: ModelRouter.Options = .init()) throws {
        client = AnthropicClient(configuration: .init(apiKey: "mock-key", baseURL: mockURL, maxRetries: 0))
        ledger = try SQLiteLedger(path: work.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path)
        router = try ModelRouter(policy: .policy(try Policy.parse(yaml: policyYAML, file: "\(name).yaml")), client: client,
                                 ledger: ledger, options: options)
    }

    /// The exact cost of every record (the run fails on an unpriced one: its cost would be unknown).
    func cost() async throws -> (total: USDAmount, records: [LedgerRecord]) {
        try await ledger.flush()
        let records = try await ledger.records(LedgerQuery())
        var total = USDAmount.zero
        for record in records {
            guard let cost = record.cost?.total else { fatalError("unpriced record \(record.id) (\(record.model))") }
            total += cost
        }
        return (total, records)
    }

    func close() async {
        try? await ledger.close()
        client.shutdown()
    }
}

/// One side of a lever: its cost, the ledger's records and each call's wall time.
struct Side {
    var cost: USDAmount
    var records: [LedgerRecord]
    var latencies: [Double] // seconds, per call
    var calls: Int
    var median: Double? { latencies.isEmpty ? nil : latencies.sorted()[latencies.count / 2] }
}

/// Times `body` per call.
@MainActor func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

@MainActor func side(_ policy: String, name: String, options: ModelRouter.Options = .init(),
          _ workload: (ModelRouter) async throws -> [Double]) async throws -> Side {
    let rig = try Rig(policy, name: name, options: options)
    let latencies = try await workload(rig.router)
    let (cost, records) = try await rig.cost()
    await rig.close()
    return Side(cost: cost, records: records, latencies: latencies, calls: latencies.count)
}

let tiers = """
    tiers:
      - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
      - { name: sonnet, model: claude-sonnet-4-6, context_window: 1000000, max_output_tokens: 64000 }
      - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
    baseline_tier: opus
    thresholds: { haiku: 0.0, sonnet: 0.30, opus: 0.65 }
    classifier: { fallback_task: chat }
    """

/// A policy whose task `task` is fixed to `tier`, with `lever` (YAML flow-map entries) added to it.
func policy(_ name: String, task: String, tier: String, lever: String = "", global: String = "") -> String {
    let extra = lever.isEmpty ? "" : ", " + lever
    return "name: \(name)\n\(tiers)\ntasks:\n  chat: { tier: sonnet, max_tokens: 256 }\n"
        + "  \(task): { tier: \(tier), max_tokens: 256\(extra) }\n" + global
}

var rows: [(lever: String, workload: String, off: Side, on: Side, note: String)] = []

// MARK: Prompt caching

do {
    let system = prose(tokens: 8_000, seed: 1)
    let turns = (0..<10).map { "Question \($0 + 1) about the depot: " + prose(tokens: 60, seed: 100 + UInt64($0)) }
    func conversation(_ router: ModelRouter) async throws -> [Double] {
        var messages: [MessageParam] = []
        var latencies: [Double] = []
        for turn in turns {
            messages.append(.user(turn))
            let request = MessageRequest(model: "auto", maxTokens: 0, messages: messages, system: .text(system))
            var reply = ""
            latencies.append(try await timed {
                reply = try await router.send(request, options: CallOptions(task: "support", metadata: ["session": "s1"]))
                    .message.text
            })
            messages.append(.assistant(reply))
        }
        return latencies
    }
    let off = try await side(policy("caching-off", task: "support", tier: "sonnet"), name: "caching-off", conversation)
    let on = try await side(policy("caching-on", task: "support", tier: "sonnet", lever: "caching: { ttl: 5m }"),
                            name: "caching-on", conversation)
    let read = on.records.map(\.usage.cacheRead).reduce(0, +), written = on.records.map { $0.usage.cacheWrite5m }.reduce(0, +)
    rows.append(("prompt caching", "10 turns over an ~8k-token system prompt (sonnet)", off, on,
                 "on: \(read) tokens read from the cache, \(written) written"))
    log("caching done")
}

// MARK: Response cache

do {
    let questions = (0..<5).map { "What are the depot's opening hours on day \($0 + 1)? " + prose(tokens: 40, seed: 200 + UInt64($0)) }
    func repeated(_ router: ModelRouter) async throws -> [Double] {
        var latencies: [Double] = []
        for _ in 0..<4 {
            for question in questions {
                latencies.append(try await timed {
                    _ = try await router.send(MessageRequest(model: "auto", maxTokens: 0, messages: [.user(question)]),
                                              options: CallOptions(task: "faq", metadata: ["user": "u1"]))
                })
            }
        }
        return latencies
    }
    let off = try await side(policy("response-off", task: "faq", tier: "haiku"), name: "response-off", repeated)
    var options = ModelRouter.Options()
    options.responseCache = try ResponseCache(path: work.appendingPathComponent("responses.sqlite").path)
    let on = try await side(policy("response-on", task: "faq", tier: "haiku", lever: "response_cache: { ttl: 10m }"),
                            name: "response-on", options: options, repeated)
    let hits = on.records.filter { $0.responseCacheHit == true }.count
    rows.append(("response cache", "20 questions, 5 distinct × 4 (haiku, one user)", off, on,
                 "on: \(hits) hits, no request sent for them"))
    log("response cache done")
}

// MARK: Batch

do {
    let prompts = (0..<20).map { "Digest report \($0 + 1): " + prose(tokens: 300, seed: 300 + UInt64($0)) }
    let deferrable = policy("batch", task: "digest", tier: "sonnet", lever: "deferrable: true")
    let off = try await side(deferrable, name: "batch-off") { router in
        var latencies: [Double] = []
        for prompt in prompts {
            latencies.append(try await timed {
                _ = try await router.send(MessageRequest(model: "auto", maxTokens: 0, messages: [.user(prompt)]),
                                          options: CallOptions(task: "digest"))
            })
        }
        return latencies
    }
    let on = try await side(deferrable, name: "batch-on") { router in
        let items = prompts.enumerated().map { index, prompt in
            DeferredItem(customID: "item-\(index)", request: MessageRequest(model: "auto", maxTokens: 0, messages: [.user(prompt)]),
                         options: CallOptions(task: "digest"))
        }
        let submission = try await router.submitDeferred(items)
        let results = try await router.collectDeferred(
            submission, polling: BatchPolling(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200)))
        guard results.failedIDs.isEmpty, results.recorded == prompts.count else {
            fatalError("batch items failed: \(results.failedIDs)")
        }
        return [] // one asynchronous batch: no per-call latency
    }
    rows.append(("batch", "20 deferrable prompts of ~300 tokens (sonnet)", off, on,
                 "on: one Message Batch, \(on.records.count) results recorded at the batch price"))
    log("batch done")
}

// MARK: History trimming

do {
    var history: [MessageParam] = []
    for index in 0..<20 {
        history.append(.user("Turn \(index + 1): " + prose(tokens: 250, seed: 400 + UInt64(index))))
        history.append(.assistant("Answer \(index + 1): " + prose(tokens: 250, seed: 500 + UInt64(index))))
    }
    let conversation = history
    func growing(_ router: ModelRouter) async throws -> [Double] {
        var latencies: [Double] = []
        for step in 0..<10 {
            let messages = Array(conversation.prefix(20 + 2 * step)) + [.user("Next question \(step): " + prose(tokens: 30, seed: 600 + UInt64(step)))]
            latencies.append(try await timed {
                _ = try await router.send(MessageRequest(model: "auto", maxTokens: 0, messages: messages),
                                          options: CallOptions(task: "long"))
            })
        }
        return latencies
    }
    let off = try await side(policy("history-off", task: "long", tier: "sonnet"), name: "history-off", growing)
    let on = try await side(policy("history-on", task: "long", tier: "sonnet", lever: "history: { max_messages: 8 }"),
                            name: "history-on", growing)
    let removed = on.records.compactMap(\.trimmedInputTokens).reduce(0, +)
    rows.append(("history trimming", "a conversation sent 10 times as it grows from 21 to 39 messages (sonnet)", off, on,
                 "on: ~\(removed) input tokens trimmed (estimated)"))
    log("history done")
}

// MARK: Pre-flight

/// Forwards to a ``BudgetGuard`` and keeps every reservation's amount.
final class RecordingBudgets: BudgetStore {
    let inner: BudgetGuard
    let reservations = Mutex<[USDAmount]>([])
    init(_ inner: BudgetGuard) { self.inner = inner }
    var rules: [BudgetRule] { inner.rules }
    func reserve(estimatedWorstCase: USDAmount, task: String?, metadata: [String: String], id: String)
        async throws -> BudgetReservation {
        reservations.withLock { $0.append(estimatedWorstCase) }
        return try await inner.reserve(estimatedWorstCase: estimatedWorstCase, task: task, metadata: metadata, id: id)
    }
    func settle(_ reservation: BudgetReservation, actualCost: USDAmount) async throws -> Bool {
        await inner.settle(reservation, actualCost: actualCost)
    }
    func release(_ reservation: BudgetReservation) async throws -> Bool { await inner.release(reservation) }
    func lower(_ reservation: BudgetReservation, to amount: USDAmount) async throws -> Bool {
        await inner.lower(reservation, to: amount)
    }
    func status() async throws -> [BudgetStatus] { await inner.status() }
    func restore(from ledger: any CostLedger) async throws { try await inner.restore(from: ledger) }
}

var reservedMeans: (off: USDAmount, on: USDAmount) = (.zero, .zero)
do {
    let prompt = "Review this contract: " + prose(tokens: 15_000, seed: 7)
    let budget = "budgets:\n  - { name: daily, scope: global, period: day, hard_usd: \"1000\" }\n"
    /// The store the router made (it makes one per policy it loads).
    final class Made: Sendable { let store = Mutex<RecordingBudgets?>(nil) }
    func run(_ yaml: String, name: String) async throws -> (Side, USDAmount) {
        let recorder = Made()
        var options = ModelRouter.Options()
        options.budgetStore = BudgetStoreFactory { context in
            let store = RecordingBudgets(BudgetGuard(rules: context.rules, clock: context.clock, onSoftLimit: context.onSoftLimit))
            recorder.store.withLock { $0 = store }
            return store
        }
        let result = try await side(yaml, name: name, options: options) { router in
            var latencies: [Double] = []
            for _ in 0..<5 {
                latencies.append(try await timed {
                    _ = try await router.send(MessageRequest(model: "auto", maxTokens: 0, messages: [.user(prompt)]),
                                              options: CallOptions(task: "review"))
                })
            }
            return latencies
        }
        let amounts = recorder.store.withLock { $0?.reservations.withLock { $0 } ?? [] }
        guard !amounts.isEmpty else { fatalError("no reservation recorded") }
        let mean = USDAmount(picodollars: amounts.map(\.picodollars).reduce(0, +) / Int64(amounts.count))
        return (result, mean)
    }
    let (off, offReserved) = try await run(policy("preflight-off", task: "review", tier: "sonnet", global: budget),
                                           name: "preflight-off")
    let (on, onReserved) = try await run(policy("preflight-on", task: "review", tier: "sonnet",
                                                lever: "preflight: { use: count_tokens, when: always }", global: budget),
                                         name: "preflight-on")
    reservedMeans = (offReserved, onReserved)
    let counted = on.records.compactMap(\.preflightInputTokens).first ?? 0
    rows.append(("pre-flight", "5 calls with a ~15k-token prompt under a budget (sonnet)", off, on,
                 "budget reservation per call \(offReserved.formatted()) → \(onReserved.formatted()) "
                 + "(\(String(format: "%.2f", Double(onReserved.picodollars) / Double(offReserved.picodollars)))×; "
                 + "exact input \(counted) tokens)"))
    log("preflight done")
}

// MARK: - The table

func ms(_ seconds: Double?) -> String { seconds.map { String(format: "%.2f ms", $0 * 1000) } ?? "–" }
var table = ["| lever | workload | cost off | cost on | on ÷ off | saved | median per call off → on (added) | notes |",
             "|---|---|--:|--:|--:|--:|--:|---|"]
for row in rows {
    let ratio = row.off.cost.picodollars == 0 ? "–"
        : String(format: "%.3f", Double(row.on.cost.picodollars) / Double(row.off.cost.picodollars))
    var latency = "\(ms(row.off.median)) → \(ms(row.on.median))"
    if let off = row.off.median, let on = row.on.median { latency += String(format: " (%+.2f ms)", (on - off) * 1000) }
    table.append("| \(row.lever) | \(row.workload) | \(row.off.cost.exactDecimal) | \(row.on.cost.exactDecimal) | \(ratio) "
        + "| \((row.off.cost - row.on.cost).exactDecimal) | \(latency) | \(row.note) |")
}
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
#if DEBUG
let build = "debug build"
#else
let build = "release build"
#endif
print("LeverBench (\(build)): cost in USD, exact, from the ledger; one run; \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load)")
print(table.joined(separator: "\n"))
