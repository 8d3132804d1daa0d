// BulkBench: the bulk command paths as WHOLE PROCESSES of the release binary (start-up
// included), next to baselines measured in the same run.
//
//   swift build -c release --product claude-router && swift build -c release --product BulkBench
//   .build/release/BulkBench [REPS=5] [LEDGER_ROWS=1000000]
//
// 1. `claude-router explain --jsonl` over generated workloads: 2,000 prompts of 1,500 words and
//    20,000 one-line prompts. Baselines: `cat F >/dev/null` and `wc -l F` (reading the bytes
//    once), and `PolicyEngine.decide` alone, in this process, on the same prompts.
// 2. `claude-router report` over a generated SQLite ledger of LEDGER_ROWS records (every 10th
//    call escalated once, some unpriced): by task, model and day, and the HTML page. Baseline:
//    `sqlite3 F "SELECT COUNT(*), SUM(cost_total) FROM ledger"` (one scan of the table), when
//    the sqlite3 shell is installed; the ledger itself is generated with it.
// 3. `report --by task` over a JSON Lines ledger of the first min(LEDGER_ROWS, 100,000) of those
//    records, next to a SQLite ledger of the same records.
// Medians over REPS runs; wall time and the child's CPU time (user + system, from wait4's rusage).
// The prompts are synthetic (a fixed vocabulary, seeded), never benchmark data sets.
import Foundation
import Router
import RouterPolicies

let arguments = CommandLine.arguments
let reps = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let ledgerRows = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let binary = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent("claude-router").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
    FileHandle.standardError.write(Data("BulkBench: \(binary) not found; build it with swift build -c release --product claude-router\n".utf8))
    exit(1)
}
let work = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }
func log(_ text: String) { FileHandle.standardError.write(Data("BulkBench: \(text)\n".utf8)) }

/// Wall and CPU seconds of one child run (stdout and stderr to /dev/null unless captured).
struct Timing { var wall: Double; var cpu: Double }

func run(_ executable: String, _ args: [String], stdout: String = "/dev/null") -> Timing {
    var pid: pid_t = 0
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { fatalError("cannot start \(executable)") }
    posix_spawn_file_actions_destroy(&actions)
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return Timing(wall: wall, cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func medianTiming(_ body: () -> Timing) -> Timing {
    let runs = (0..<reps).map { _ in body() }
    return Timing(wall: median(runs.map(\.wall)), cpu: median(runs.map(\.cpu)))
}

// MARK: - Workloads

struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
let vocabulary = ("the a of to and in is for on that with as this by be are from it at an or not have which we can "
    + "function error table user request data value model cost latency cache summary report policy budget "
    + "explain prove derive optimize refactor compare translate classify extract analyze design implement "
    + "because therefore however step carefully exactly must should never always json list three concise").split(separator: " ").map(String.init)

func prompt(words: Int, _ g: inout Generator) -> String {
    var text = ""
    text.reserveCapacity(words * 7)
    for i in 0..<words {
        if i > 0 { text += i % 17 == 0 ? ". " : " " }
        text += vocabulary[g.next(vocabulary.count)]
    }
    return text + (g.next(3) == 0 ? "?" : ".")
}

func jsonString(_ text: String) -> String {
    String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
}

func writeWorkload(_ name: String, count: Int, words: Int) -> (path: String, prompts: [String]) {
    var g = Generator(state: UInt64(words))
    var prompts: [String] = []
    var lines = ""
    for i in 0..<count {
        let text = prompt(words: words, &g)
        prompts.append(text)
        lines += "{\"id\": \(i), \"prompt\": \(jsonString(text))}\n"
    }
    let path = work + "/" + name
    guard FileManager.default.createFile(atPath: path, contents: Data(lines.utf8)) else { fatalError("cannot write \(path)") }
    return (path, prompts)
}

let engine = PolicyEngine(policy: try BundledPolicies.defaultPolicy())

/// µs per prompt of `decide` alone, the median of `reps` passes over the prompts.
func decisionOnly(_ prompts: [String]) -> Double {
    let inputs = prompts.map { RoutingInput(text: $0) }
    var sink = 0
    let passes = (0..<reps).map { _ -> Double in
        let start = DispatchTime.now().uptimeNanoseconds
        for input in inputs { sink &+= engine.decide(input).tierIndex }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(inputs.count)
    }
    if sink == -1 { print("") }
    return median(passes)
}

func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
    return nil
}

var table = ["| case | per item (wall) | per item (CPU) | whole run (wall) | baseline in the same run |",
             "|---|--:|--:|--:|---|"]
func us(_ seconds: Double, _ count: Int) -> String { String(format: "%.1f µs", seconds * 1e6 / Double(count)) }

let startup = medianTiming { run(binary, ["explain", "--policy", "default", "--json", "hello"]) }
table.append("| `explain` one prompt (process start-up) | – | – | \(String(format: "%.1f ms", startup.wall * 1e3)) "
    + "| CPU \(String(format: "%.1f ms", startup.cpu * 1e3)) |")

for (name, count, words) in [("1,500-word prompts", 2_000, 1_500), ("one-line prompts", 20_000, 12)] {
    log("workload: \(count) \(name)")
    let (path, prompts) = writeWorkload("w-\(count).jsonl", count: count, words: words)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let explain = medianTiming { run(binary, ["explain", "--policy", "default", "--jsonl", path]) }
    let cat = medianTiming { run("/bin/cat", [path]) }
    let wc = medianTiming { run(which("wc") ?? "/usr/bin/wc", ["-l", path]) }
    let decide = decisionOnly(prompts)
    table.append("| `explain --jsonl`, \(count) \(name) (\(bytes / 1_000_000) MB) | \(us(explain.wall, count)) | \(us(explain.cpu, count)) "
        + "| \(String(format: "%.3f s", explain.wall)) | decide alone \(String(format: "%.1f µs", decide)); "
        + "`cat` \(us(cat.wall, count)); `wc -l` \(us(wc.wall, count)); explain ÷ decide = \(String(format: "%.1f×", explain.wall * 1e6 / Double(count) / decide)) |")
}

// MARK: - report over a generated SQLite ledger

if let sqlite3 = which("sqlite3") {
    log("ledger: \(ledgerRows) records")
    let ledgerPath = work + "/ledger.sqlite"
    let ledger = try SQLiteLedger(path: ledgerPath) // the schema, migrated as the router makes it
    try await ledger.close()
    let calls = ledgerRows * 10 / 11 // and one escalation attempt for every 10th call
    let sql = """
        PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(calls - 1))
        INSERT INTO ledger (id, time_us, request_id, attempt, parent_id, task, policy_name, tier, model, input_tokens,
            output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_input, cost_output, cost_total,
            baseline_model, baseline_cost, latency_ms, outcome, outcome_detail, stream, metadata)
        SELECT printf('c%09d', i), 1767225600000000 + i * 2592000, 'req', 1, NULL,
            CASE i % 5 WHEN 0 THEN 'qa' WHEN 1 THEN 'code' WHEN 2 THEN 'reasoning' WHEN 3 THEN 'classification' ELSE NULL END,
            'default', CASE WHEN i % 10 = 0 THEN 'haiku' WHEN i % 3 = 0 THEN 'opus' ELSE 'sonnet' END,
            CASE WHEN i % 10 = 0 THEN 'claude-haiku-4-5' WHEN i % 3 = 0 THEN 'claude-opus-4-8' ELSE 'claude-sonnet-4-6' END,
            1000 + i % 977, 200 + i % 313, 0, 0, i % 7 * 100, 1000000, 5000000,
            CASE WHEN i % 1000 = 7 THEN NULL ELSE 6000000 + i % 1000 END, 'claude-opus-4-8', 25000000,
            100 + (i * 7919) % 4000, CASE WHEN i % 10 = 0 THEN 'escalated' ELSE 'success' END,
            CASE WHEN i % 10 = 0 THEN 'max_tokens' END, 0,
            CASE WHEN i % 4 = 0 THEN '{"user":"u' || (i % 50) || '"}' ELSE '{}' END
        FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 10 FROM n WHERE i + 10 < \(calls))
        INSERT INTO ledger (id, time_us, request_id, attempt, parent_id, task, policy_name, tier, model, input_tokens,
            output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_input, cost_output, cost_total,
            baseline_model, baseline_cost, latency_ms, outcome, stream, metadata)
        SELECT printf('e%09d', i), 1767225600000000 + i * 2592000 + 1000, 'req', 2, printf('c%09d', i), 'qa', 'default',
            'sonnet', 'claude-sonnet-4-6', 1000, 300, 0, 0, 0, 3000000, 4500000, 7500000, 'claude-opus-4-8', 25000000,
            900, 'success', 0, '{}' FROM n;
        COMMIT; PRAGMA wal_checkpoint(TRUNCATE);
        """
    let sqlPath = work + "/ledger.sql"
    guard FileManager.default.createFile(atPath: sqlPath, contents: Data(sql.utf8)) else {
        fatalError("cannot write \(sqlPath)")
    }
    _ = run("/bin/sh", ["-c", "\(sqlite3) \(ledgerPath) < \(sqlPath)"])
    let scan = medianTiming { run(sqlite3, [ledgerPath, "SELECT COUNT(*), SUM(cost_total) FROM ledger"]) }
    for args in [["--by", "task"], ["--by", "model"], ["--by", "day"], ["--by", "task", "--format", "html"]] {
        let timing = medianTiming { run(binary, ["report", "--ledger", ledgerPath] + args) }
        table.append("| `report \(args.joined(separator: " "))`, \(ledgerRows) records | – | – | "
            + "\(String(format: "%.2f s", timing.wall)) (CPU \(String(format: "%.2f s", timing.cpu))) "
            + "| one `sqlite3` scan of the table \(String(format: "%.2f s", scan.wall)) (CPU \(String(format: "%.2f s", scan.cpu))) |")
    }

    // 3. The same report over a JSON Lines ledger (read and aggregated in memory) of the first
    //    records, written by the library's own JSON Lines writer, next to a SQLite ledger holding
    //    exactly those records (written by the SQLite ledger) in the same run.
    let lineRows = min(ledgerRows, 100_000)
    log("JSON Lines ledger: \(lineRows) records")
    let source = try SQLiteLedger(path: ledgerPath)
    let records = try await source.records(LedgerQuery(limit: lineRows))
    try await source.close()
    let linesPath = work + "/ledger.jsonl", samePath = work + "/same.sqlite"
    let lines = try JSONLinesLedger(path: linesPath, durability: .batched(maxRecords: 10_000, maxDelay: .seconds(1)))
    let same = try SQLiteLedger(path: samePath, durability: .batched(maxRecords: 10_000, maxDelay: .seconds(1)))
    for record in records {
        try await lines.record(record)
        try await same.record(record)
    }
    try await lines.close()
    try await same.close()
    let linesBytes = (try? FileManager.default.attributesOfItem(atPath: linesPath)[.size] as? Int) ?? 0
    let fromLines = medianTiming { run(binary, ["report", "--ledger", linesPath, "--by", "task"]) }
    let fromSQLite = medianTiming { run(binary, ["report", "--ledger", samePath, "--by", "task"]) }
    table.append("| `report --by task`, JSON Lines ledger, \(records.count) records (\(linesBytes / 1_000_000) MB) "
        + "| \(us(fromLines.wall, records.count)) | \(us(fromLines.cpu, records.count)) "
        + "| \(String(format: "%.2f s", fromLines.wall)) (CPU \(String(format: "%.2f s", fromLines.cpu))) "
        + "| the same records in SQLite: \(String(format: "%.2f s", fromSQLite.wall)) (CPU \(String(format: "%.2f s", fromSQLite.cpu))); "
        + "JSON Lines ÷ SQLite = \(String(format: "%.0f×", fromLines.cpu / max(fromSQLite.cpu, 1e-9))) |")
} else {
    log("no sqlite3 shell on PATH: the report rows are skipped")
}

print("BulkBench: medians of \(reps) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores, "
    + "load average at the end \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")")
print(table.joined(separator: "\n"))
