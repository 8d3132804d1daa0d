import Foundation
import Router
import RouterPolicies
import RouterPostgres

// LedgerFleetBench — records/s and the time `record` adds to a call (p50/p99) for the PostgreSQL
// ledger, durable and batched, next to the SQLite ledger in the same run (the baseline), with 1
// and 64 concurrent writers. Prints one JSON object per line, then a Markdown table.
//
//   LedgerFleetBench POSTGRES_URL [SQLITE_DIRECTORY] [DURABLE_RECORDS] [BATCHED_RECORDS]
//
// POSTGRES_URL: e.g. the URL `bash scripts/postgres.sh start` prints; each mode writes to a new
// schema of its own (`bench_*`, left in place: drop the throwaway cluster afterwards). The SQLite
// file goes in SQLITE_DIRECTORY (default: the current directory), which must be on a real disk.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("LedgerFleetBench: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let baseURL = arguments.first, PostgresURL.isPostgresURL(baseURL) else {
    fail("usage: LedgerFleetBench POSTGRES_URL [SQLITE_DIRECTORY] [DURABLE_RECORDS] [BATCHED_RECORDS]")
}
let directory = arguments.count > 1 ? arguments[1] : FileManager.default.currentDirectoryPath
let durableCount = arguments.count > 2 ? Int(arguments[2]) ?? 2_000 : 2_000
let batchedCount = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000

/// A record like the ModelRouter writes for one successful call (priced, no prompt text).
func makeRecord(_ index: Int) -> LedgerRecord {
    LedgerRecord(
        requestID: "req_bench_\(index)", task: "chat", policyName: "default", policyHash: "0123456789abcdef",
        tier: "fast", model: "claude-haiku-4-5", reason: "score 0.12 < 0.35 → fast", score: 0.12,
        usage: TokenUsage(input: 1_200, output: 300),
        cost: LedgerRecord.Cost(input: USDAmount(picodollars: 1_200_000_000), output: USDAmount(picodollars: 1_500_000_000)),
        baselineModel: "claude-sonnet-4-5", baselineCost: USDAmount(picodollars: 8_100_000_000),
        latencyMs: 420, metadata: ["user": "bench"])
}

func micros(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

enum Store: String { case sqlite, postgres }

func open(_ store: Store, _ durability: LedgerDurability, name: String) async throws -> (any CostLedger, String) {
    switch store {
    case .sqlite:
        let path = directory + "/ledgerfleetbench-\(name)-\(getpid()).sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return (try SQLiteLedger(path: path, durability: durability), path)
    case .postgres:
        let url = baseURL + (baseURL.contains("?") ? "&" : "?") + "schema=bench_\(name.replacingOccurrences(of: "-", with: "_"))_\(getpid())"
        return (try await PostgresLedger(url: url, durability: durability, operationTimeout: .seconds(120)), url)
    }
}

func reopen(_ store: Store, _ place: String) async throws -> any CostLedger {
    switch store {
    case .sqlite: try SQLiteLedger(path: place)
    // Reading every record back (the check) takes longer than one write may.
    case .postgres: try await PostgresLedger(url: place, operationTimeout: .seconds(600))
    }
}

/// Writes `count` records from `writers` concurrent tasks (each `record` awaited, as the router
/// does after a call), then `close()`; records/s (close included) and `record` latencies.
func measure(_ store: Store, mode: String, durability: LedgerDurability, count: Int, writers: Int)
    async throws -> [String: Any] {
    let (ledger, place) = try await open(store, durability, name: "\(mode)-\(writers)")
    defer {
        if store == .sqlite { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: place + suffix) } }
    }
    let records = (0..<count).map(makeRecord)
    for index in 0..<10 { try await ledger.record(makeRecord(-1 - index)) } // warm-up: connections, statements
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
    let check = try await reopen(store, place)
    let stored = try await check.records(LedgerQuery()).count
    try await check.close()
    if stored != count + 10 { fail("\(store) \(mode): \(stored) records stored, expected \(count + 10)") }
    return [
        "store": store.rawValue, "mode": mode, "writers": writers, "records": count,
        "records_per_s": Double(count) / seconds, "record_p50_us": latencies[latencies.count / 2],
        "record_p99_us": latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))],
    ]
}

var rows: [[String: Any]] = []
do {
    let batched = LedgerDurability.batched(maxRecords: 256, maxDelay: .milliseconds(50))
    for writers in [1, 64] {
        for store in [Store.sqlite, .postgres] {
            for (mode, durability, count) in [("durable", LedgerDurability.durable, durableCount), ("batched", batched, batchedCount)] {
                let row = try await measure(store, mode: mode, durability: durability, count: count, writers: writers)
                let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
                FileHandle.standardOutput.write(data + Data("\n".utf8))
                rows.append(row)
            }
        }
    }
} catch {
    fail("\(error)")
}
print("\n| ledger | mode | writers | records/s | `record` p50 | `record` p99 |\n|---|---|---:|---:|---:|---:|")
for row in rows {
    let perSecond = Int((row["records_per_s"] as? Double ?? 0).rounded())
    let p50 = String(format: "%.0f µs", row["record_p50_us"] as? Double ?? 0)
    let p99 = String(format: "%.0f µs", row["record_p99_us"] as? Double ?? 0)
    print("| \(row["store"]!) | \(row["mode"]!) | \(row["writers"]!) | \(perSecond) | \(p50) | \(p99) |")
}
