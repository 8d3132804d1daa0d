import Foundation
import Router
import RouterPolicies

// LedgerBench — sustained records/s into SQLiteLedger and the time `record` adds to a call, in
// the default durable mode (one transaction + WAL fsync per record) and in batched mode.
// Prints one JSON object per line (run-all.sh turns them into the table).
//
//   LedgerBench [DIRECTORY] [DURABLE_RECORDS] [BATCHED_RECORDS]
//
// The database goes in DIRECTORY (default: the current directory), which must be on a real
// disk: on tmpfs fsync costs nothing and durable mode would look free.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("LedgerBench: \(message)\n".utf8))
    exit(1)
}

func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
        fail("cannot encode \(object)")
    }
    // Unbuffered write: a parent reading the pipe sees the line at once.
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
let directory = arguments.first ?? FileManager.default.currentDirectoryPath
let durableCount = arguments.count > 1 ? Int(arguments[1]) ?? 500 : 500
let batchedCount = arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000

/// A record like the ModelRouter writes for one successful call (priced, no prompt text).
func makeRecord(_ index: Int) -> LedgerRecord {
    LedgerRecord(
        requestID: "req_bench_\(index)", task: "chat", policyName: "default", policyHash: "0123456789abcdef",
        tier: "fast", model: "claude-haiku-4-5", reason: "score 0.12 < 0.35 → fast", score: 0.12,
        usage: TokenUsage(input: 1_200, output: 300),
        cost: LedgerRecord.Cost(
            input: USDAmount(picodollars: 1_200_000_000), output: USDAmount(picodollars: 1_500_000_000),
            total: USDAmount(picodollars: 2_700_000_000)),
        baselineModel: "claude-sonnet-4-5", baselineCost: USDAmount(picodollars: 8_100_000_000),
        latencyMs: 420, metadata: ["user": "bench"])
}

func micros(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

/// Writes `count` records from `writers` concurrent tasks (each `record` awaited, as the ModelRouter
/// does after a call), then `close()`; returns records/s (close included) and `record` latencies.
func measure(mode: String, durability: LedgerDurability, count: Int, writers: Int) async throws -> [String: Any] {
    let path = directory + "/ledgerbench-\(mode)-\(writers)-\(getpid()).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    let ledger = try SQLiteLedger(path: path, durability: durability)
    let records = (0..<count).map(makeRecord)
    // Warm-up: statement preparation, page cache, WAL creation.
    for index in 0..<10 { try await ledger.record(makeRecord(-1 - index)) }
    try await ledger.flush()
    let clock = ContinuousClock()
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for writer in 0..<writers {
            group.addTask {
                var latencies: [Double] = []
                for index in stride(from: writer, to: count, by: writers) {
                    let begin = clock.now
                    try await ledger.record(records[index])
                    latencies.append(micros(clock.now - begin))
                }
                return latencies
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    try await ledger.close()
    let seconds = micros(clock.now - start) / 1e6
    let check = try SQLiteLedger(path: path)
    let stored = try await check.records(LedgerQuery()).count
    try await check.close()
    if stored != count + 10 { fail("\(mode): \(stored) records stored, expected \(count + 10)") }
    return [
        "mode": mode, "writers": writers, "records": count, "records_per_s": Double(count) / seconds,
        "record_p50_us": latencies[latencies.count / 2],
        "record_p99_us": latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))],
    ]
}

do {
    let batched = LedgerDurability.batched(maxRecords: 256, maxDelay: .milliseconds(50))
    for writers in [1, 64] {
        emit(try await measure(mode: "durable", durability: .durable, count: durableCount, writers: writers))
        emit(try await measure(mode: "batched", durability: batched, count: batchedCount, writers: writers))
    }
} catch {
    fail("\(error)")
}
