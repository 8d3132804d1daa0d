// GatewayBench: what `claude-router serve` adds to a call, against calling the mock directly,
// measured in one run (ratios and differences, not absolute claims).
//
//   swift build -c release --product claude-router && swift build -c release --product GatewayBench
//   .build/release/GatewayBench [CALLS=2000]
//   LITELLM=path/to/venv/bin/litellm .build/release/GatewayBench     # adds LiteLLM's proxy
//   GATEWAY_BASELINE=path/to/older/claude-router .build/release/GatewayBench  # before/after, same run
//
// With LITELLM set (an executable from `pip install 'litellm[proxy]'`), LiteLLM's proxy is started
// in front of the same mock (model claude-haiku-4-5 → anthropic/claude-haiku-4-5 at the mock's URL)
// and measured the same way on its Anthropic-format `POST /v1/messages` endpoint.
//
// Starts `claude-router mock-server` and two `claude-router serve` processes (ledger in memory;
// SQLite ledger, durable) on 127.0.0.1, then sends CALLS non-streaming requests one at a time
// with this package's client (a warm-up of 200 first): directly to the mock, and through each
// gateway. Prints p50/p99 latency, what the gateway adds, and the gateway process's CPU time per
// request (user + system, from /proc/PID/stat), next to the mock's own CPU per request.
// The rows are measured in ROUNDS (default 4) interleaved rounds, so load from other processes
// on a shared machine falls on every row alike; LiteLLM's row is measured after them.
import ClaudeClient
import Foundation

let calls = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2_000 : 2_000
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("claude-router")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    FileHandle.standardError.write(Data("GatewayBench: \(binary.path) not found; build it with --product claude-router\n".utf8))
    exit(1)
}
let work = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

/// A child process whose stdout/stderr go to files; `url` is read from its banner.
final class Child {
    let process = Process()
    let log: URL
    var url = ""

    init(_ arguments: [String], pattern: String, environment: [String: String] = [:], executable: URL = binary,
         startTimeout: TimeInterval = 60) throws {
        log = work.appendingPathComponent("child-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
        env.merge(environment) { $1 }
        // The access log (stdout) is part of the work measured; write it to a file.
        process.environment = env
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(startTimeout)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: pattern) {
                let rest = text[range.upperBound...].prefix { !$0.isWhitespace }
                url = String(pattern.hasSuffix("http://") ? "http://" + rest : rest)
                if !rest.isEmpty { return }
            }
            guard process.isRunning else { fatalError("child exited: \(text)") }
            usleep(20_000)
        }
        fatalError("child did not start")
    }

    /// User + system CPU seconds so far (Linux /proc).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command: state is [0], utime [11], stime [12] (proc(5)).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then SIGKILL after 10 s (LiteLLM's proxy can hang in its shutdown).
    func stop() {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

let mock = try Child(["mock-server", "--port", "0"], pattern: "listening on ")
let policy = work.appendingPathComponent("policy.yaml")
try """
name: bench
version: "1"
baseline_tier: opus
default_tier: haiku
tiers:
  - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
  - { name: sonnet, model: claude-sonnet-4-6, context_window: 1000000, max_output_tokens: 64000 }
  - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
thresholds: { haiku: 0.0, sonnet: 0.30, opus: 0.65 }
tasks:
  qa: { min_tier: haiku, max_tier: opus, max_tokens: 256 }
classifier:
  fallback_task: qa

""".write(to: policy, atomically: true, encoding: .utf8)
let serveArguments = ["serve", "--policy", policy.path, "--port", "0", "--base-url", mock.url, "--upstream-retries", "0"]
let memoryGateway = try Child(serveArguments, pattern: "listening on ", environment: ["ANTHROPIC_API_KEY": "sk-bench"])
let sqliteGateway = try Child(serveArguments + ["--ledger", work.appendingPathComponent("ledger.sqlite").path],
                              pattern: "listening on ", environment: ["ANTHROPIC_API_KEY": "sk-bench"])

struct Row {
    var name: String
    var p50: Double
    var p99: Double
    var gatewayCPU: Double?
    var mockCPU: Double
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

/// One path being measured: its client, the gateway process behind it (none for the direct
/// row), and what its calls have cost so far.
@MainActor
final class Path {
    let name: String
    let client: AnthropicClient
    let gateway: Child?
    let request: MessageRequest
    var times: [Double] = []
    var gatewayCPU = 0.0
    var mockCPU = 0.0

    init(_ name: String, baseURL: String, model: String, gateway: Child?, apiKey: String = "sk-bench",
         bearer: Bool = false) {
        self.name = name
        self.gateway = gateway
        client = AnthropicClient(configuration: .init(apiKey: apiKey, baseURL: baseURL, maxRetries: 0,
                                                      authScheme: bearer ? .bearer : .apiKeyHeader))
        request = MessageRequest(model: model, maxTokens: 64, messages: [
            .user("What is the capital of France? Answer in one word."),
        ])
    }

    func warmUp() async throws {
        for _ in 0..<200 { _ = try await client.createMessage(request) }
    }

    /// `count` sequential calls; their latencies and the CPU the gateway and the mock spent.
    func run(_ count: Int) async throws {
        let gatewayBefore = gateway?.cpuSeconds
        let mockBefore = mock.cpuSeconds
        let clock = ContinuousClock()
        for _ in 0..<count {
            let start = clock.now
            _ = try await client.createMessage(request)
            let elapsed = clock.now - start
            times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        }
        if let gateway, let gatewayBefore { gatewayCPU += gateway.cpuSeconds - gatewayBefore }
        mockCPU += mock.cpuSeconds - mockBefore
    }

    var row: Row {
        let sorted = times.sorted()
        let calls = Double(max(times.count, 1))
        return Row(name: name, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99),
                   gatewayCPU: gateway == nil ? nil : gatewayCPU / calls * 1e6, mockCPU: mockCPU / calls * 1e6)
    }
}

/// Measures the paths in `rounds` interleaved rounds (each path gets `calls / rounds` calls per
/// round, in turn), so a burst of load from other processes on the machine falls on every row
/// rather than on one.
@MainActor
func measure(_ paths: [Path], rounds: Int) async throws -> [Row] {
    for path in paths { try await path.warmUp() }
    let perRound = max(calls / rounds, 1)
    for _ in 0..<rounds {
        for path in paths { try await path.run(perRound) }
    }
    for path in paths { path.client.shutdown() }
    return paths.map(\.row)
}

let rounds = max(Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "") ?? 4, 1)
var paths = [
    Path("direct to the mock (claude-haiku-4-5)", baseURL: mock.url, model: "claude-haiku-4-5", gateway: nil),
    Path("via serve, ledger in memory (model auto)", baseURL: memoryGateway.url, model: "auto", gateway: memoryGateway),
    Path("via serve, SQLite durable ledger (model auto)", baseURL: sqliteGateway.url, model: "auto", gateway: sqliteGateway),
]
// GATEWAY_BASELINE=path/to/an/older/claude-router adds that binary's `serve` (ledger in memory),
// measured in the same interleaved rounds: before and after a change, side by side.
var baselineGateway: Child?
if let baseline = ProcessInfo.processInfo.environment["GATEWAY_BASELINE"] {
    let child = try Child(serveArguments, pattern: "listening on ", environment: ["ANTHROPIC_API_KEY": "sk-bench"],
                          executable: URL(fileURLWithPath: baseline))
    baselineGateway = child
    paths.append(Path("via serve (GATEWAY_BASELINE binary), ledger in memory (model auto)", baseURL: child.url,
                      model: "auto", gateway: child))
}
var rows = try await measure(paths, rounds: rounds)
let direct = rows[0]
let viaMemory = rows[1]
let viaSQLite = rows[2]
let baselineRow = baselineGateway == nil ? nil : rows[3]
memoryGateway.stop()
sqliteGateway.stop()
baselineGateway?.stop()
var litellmRow: Row?
if let litellm = ProcessInfo.processInfo.environment["LITELLM"] {
    let config = work.appendingPathComponent("litellm.yaml")
    try """
    model_list:
      - model_name: claude-haiku-4-5
        litellm_params:
          model: anthropic/claude-haiku-4-5
          api_base: \(mock.url)
          api_key: sk-bench
    litellm_settings:
      telemetry: false

    """.write(to: config, atomically: true, encoding: .utf8)
    let masterKey = "sk-litellm-bench-\(UUID().uuidString)"
    let port = 20_000 + Int(getpid() % 20_000)
    let proxy = try Child(["--config", config.path, "--host", "127.0.0.1", "--port", String(port)],
                          pattern: "Uvicorn running on ", environment: [
                              "LITELLM_MASTER_KEY": masterKey, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                              "LITELLM_TELEMETRY": "False",
                          ], executable: URL(fileURLWithPath: litellm), startTimeout: 300)
    let row = try await measure([Path("via LiteLLM proxy, /v1/messages (model claude-haiku-4-5)",
                                      baseURL: "http://127.0.0.1:\(port)", model: "claude-haiku-4-5", gateway: proxy,
                                      apiKey: masterKey, bearer: true)], rounds: 1)[0]
    proxy.stop()
    rows.append(row)
    litellmRow = row
}
mock.stop()

func ms(_ value: Double) -> String { String(format: "%.3f", value) }
print("GatewayBench: \(calls) sequential non-streaming calls per row (in \(rounds) interleaved rounds), after 200 warm-up; \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
print("")
print("| path | p50 ms | p99 ms | added p50 ms | added p99 ms | gateway CPU µs/request | mock CPU µs/request |")
print("|---|---:|---:|---:|---:|---:|---:|")
for row in rows {
    let added = row.gatewayCPU == nil ? ("–", "–") : (ms(row.p50 - direct.p50), ms(row.p99 - direct.p99))
    print("| \(row.name) | \(ms(row.p50)) | \(ms(row.p99)) | \(added.0) | \(added.1) | \(row.gatewayCPU.map { String(format: "%.0f", $0) } ?? "–") | \(String(format: "%.0f", row.mockCPU)) |")
}
print("")
print(String(format: "gateway CPU per request / mock CPU per request: %.2fx (memory ledger), %.2fx (SQLite)",
             (viaMemory.gatewayCPU ?? 0) / max(direct.mockCPU, 1e-9), (viaSQLite.gatewayCPU ?? 0) / max(direct.mockCPU, 1e-9)))
if let baselineRow, let ours = viaMemory.gatewayCPU, let before = baselineRow.gatewayCPU {
    print(String(format: "this binary against GATEWAY_BASELINE (ledger in memory): added p50 %.3f ms against %.3f ms; gateway CPU %.0f against %.0f µs/request (%.2fx)",
                 viaMemory.p50 - direct.p50, baselineRow.p50 - direct.p50, ours, before, before / ours))
}
if let litellmRow, let cpu = litellmRow.gatewayCPU, let ours = viaMemory.gatewayCPU, let durable = viaSQLite.gatewayCPU {
    print(String(format: "LiteLLM proxy CPU per request / serve's: %.1fx (memory ledger), %.1fx (SQLite); added p50: LiteLLM %.3f ms, serve %.3f ms",
                 cpu / ours, cpu / durable, litellmRow.p50 - direct.p50, viaMemory.p50 - direct.p50))
}
