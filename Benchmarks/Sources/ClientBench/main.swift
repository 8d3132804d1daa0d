import ClaudeClient
import ClaudeMockServer
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// ClientBench: per-call CPU and wall latency of AnthropicClient against the mock, next to the
// raw-libcurl floor (curl-floor), plus SSE throughput through the client. See README.md.
//
// usage: swift run -c release --package-path Benchmarks ClientBench [CALLS [create|stream|mixed CONCURRENCY]]
//   CALLS: requests per sequential measurement (default 1000); concurrency-64 rows run 3x that,
//   rounded down to a multiple of 64. With a row (profile mode), that row runs CALLS, rounded down
//   to a multiple of CONCURRENCY, after 16 warm-up calls.
//   create|stream|mixed CONCURRENCY: profile mode — only that row of the client (no floor, no
//   SSE throughput), for perf or an A/B of two builds; `mixed` alternates buffered and streamed
//   calls in each calling task, as an application using both would.
// environment: EVENT_LOOP=shared, TASK_EXECUTOR=client (see below); STREAM_PACING_MS=N paces the
//   mock's stream events N ms apart (see `streamPacing`).

let baseCalls = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000
let profileRow: (streaming: Bool, alternate: Bool, concurrency: Int)? = {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard arguments.count >= 3, let concurrency = Int(arguments[2]) else { return nil }
    return (arguments[1] == "stream", arguments[1] == "mixed", concurrency)
}()
let benchKey = "sk-bench-not-a-real-key"
/// `EVENT_LOOP=shared` measures the client's shared event loop (no thread of its own);
/// anything else, the default dedicated one.
let eventLoop: AnthropicClient.EventLoopThreading =
    ProcessInfo.processInfo.environment["EVENT_LOOP"] == "shared" ? .shared : .dedicated
/// `TASK_EXECUTOR=client` runs the calling tasks with the client's task executor as their
/// preference (`AnthropicClient.taskExecutor`: on the network thread, no hand-offs); anything
/// else, on Swift's default executor as an ordinary caller would.
let onClientExecutor = ProcessInfo.processInfo.environment["TASK_EXECUTOR"] == "client"
let model = "claude-haiku-4-5"
let benchPrompt = "Benchmark prompt: reply with a short greeting."
/// `STREAM_PACING_MS=N` asks the mock to pause N ms between the events of a stream (its
/// `[[mock: slow-ms=N]]` prompt directive), so each event arrives in a read of its own as from the
/// real API, which generates them over time; unset, the mock writes a stream's events back to
/// back and how many share a read depends on scheduling. Buffered calls are unaffected. The floor
/// gets the same body, and `peers/client_peers.py` reads the same variable. `nil` when unset.
let pacingMilliseconds: Int? = {
    guard let text = ProcessInfo.processInfo.environment["STREAM_PACING_MS"], !text.isEmpty else { return nil }
    guard let milliseconds = Int(text), milliseconds > 0 else { fail("STREAM_PACING_MS must be a positive integer, got '\(text)'") }
    return milliseconds
}()
/// The prompt prefix that paces the mock's stream events, or empty.
let streamPacing = pacingMilliseconds.map { "[[mock: slow-ms=\($0)]] " } ?? ""
/// ` (events N ms apart)` when paced, else empty: printed with the results.
let pacingLabel = pacingMilliseconds.map { " (events \($0) ms apart)" } ?? ""

// MARK: Process helpers

/// Directory of this executable; `MockServerMain` and `curl-floor` are built next to it.
let binDirectory: URL = {
    let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: path).deletingLastPathComponent()
}()

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ClientBench: \(message)\n".utf8))
    exit(1)
}

/// user + sys CPU of this process in microseconds.
func cpuMicros() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func micros(_ time: timeval) -> Double { Double(time.tv_sec) * 1e6 + Double(time.tv_usec) }
    return micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// The mock in a child process, so its CPU is not billed to the client. Ends when stdin closes.
final class MockChild {
    let process = Process()
    let stdinPipe = Pipe()
    let port: Int

    init() {
        let stdoutPipe = Pipe()
        process.executableURL = binDirectory.appendingPathComponent("MockServerMain")
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        do { try process.run() } catch { fail("cannot start MockServerMain (build the Benchmarks package first): \(error)") }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty { fail("MockServerMain exited before printing its port") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: "\n").first.flatMap({ Int($0.dropFirst("PORT ".count)) }) else {
            fail("unexpected MockServerMain output: \(text)")
        }
        self.port = port
    }

    func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

// MARK: Measurements

struct Measurement {
    var calls: Int
    var cpuPerCallMicros: Double
    var p50Micros: Double
    var p99Micros: Double
    var wallSeconds: Double
}

func percentiles(_ latencies: [Double]) -> (p50: Double, p99: Double) {
    let sorted = latencies.sorted()
    guard !sorted.isEmpty else { return (0, 0) }
    return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
}

func micros(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
}

/// One call: a buffered `createMessage`, or a `streamMessage` read to its end.
func oneCall(_ client: AnthropicClient, _ request: MessageRequest, streaming: Bool) async throws {
    if streaming {
        var events = 0
        for try await _ in try await client.streamMessage(request) { events += 1 }
        if events < 5 { fail("stream ended after \(events) events") }
    } else {
        let response = try await client.createMessage(request)
        if response.body.content.isEmpty { fail("empty reply") }
    }
}

func measureClient(
    _ client: AnthropicClient, _ request: MessageRequest, streaming: Bool, concurrency: Int, calls: Int,
    alternate: Bool = false
) async throws -> Measurement {
    let perWorker = calls / concurrency
    let clock = ContinuousClock()
    let cpuStart = cpuMicros()
    let wallStart = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<concurrency {
            group.addTask(executorPreference: onClientExecutor ? client.taskExecutor : nil) {
                var latencies: [Double] = []
                latencies.reserveCapacity(perWorker)
                for index in 0..<perWorker {
                    let start = clock.now
                    try await oneCall(client, request, streaming: alternate ? index % 2 == 1 : streaming)
                    latencies.append(micros(clock.now - start))
                }
                return latencies
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all
    }
    let wall = clock.now - wallStart
    let cpu = cpuMicros() - cpuStart
    let (p50, p99) = percentiles(latencies)
    return Measurement(
        calls: latencies.count, cpuPerCallMicros: cpu / Double(latencies.count), p50Micros: p50, p99Micros: p99,
        wallSeconds: micros(wall) / 1e6)
}

func measureFloor(url: String, body: Data, concurrency: Int, calls: Int) -> Measurement {
    let process = Process()
    let output = Pipe()
    process.executableURL = binDirectory.appendingPathComponent("curl-floor")
    process.arguments = [url, String(decoding: body, as: UTF8.self), String(calls), String(concurrency), benchKey]
    process.standardOutput = output
    do { try process.run() } catch { fail("cannot start curl-floor: \(error)") }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    var fields: [String: Double] = [:]
    for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        let parts = pair.split(separator: "=", maxSplits: 1)
        if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
    }
    guard process.terminationStatus == 0, let done = fields["calls"], let cpu = fields["cpu_us_per_call"],
        let p50 = fields["p50_us"], let p99 = fields["p99_us"], let wall = fields["wall_s"]
    else { fail("curl-floor failed (status \(process.terminationStatus)): \(text)") }
    return Measurement(calls: Int(done), cpuPerCallMicros: cpu, p50Micros: p50, p99Micros: p99, wallSeconds: wall)
}

// MARK: Run

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

func ratio(_ ours: Double, _ floor: Double) -> String { floor > 0 ? format(ours / floor, 2) + "x" : "n/a" }

func run() async throws {
    let mock = MockChild()
    let baseURL = "http://127.0.0.1:\(mock.port)"
    let client = AnthropicClient(configuration: .init(apiKey: benchKey, baseURL: baseURL, eventLoop: eventLoop))
    let request = MessageRequest(model: model, maxTokens: 256, messages: [.user(streamPacing + benchPrompt)])
    var streamingRequest = request
    streamingRequest.stream = true
    let encoder = JSONEncoder()
    let plainBody = try encoder.encode(request)
    let streamBody = try encoder.encode(streamingRequest)
    let url = baseURL + "/v1/messages"

    if let profileRow {
        _ = try await measureClient(
            client, request, streaming: profileRow.streaming, concurrency: 8, calls: 16, alternate: profileRow.alternate)
        let ours = try await measureClient(
            client, request, streaming: profileRow.streaming, concurrency: profileRow.concurrency, calls: baseCalls,
            alternate: profileRow.alternate)
        let kind = profileRow.alternate ? "mixed" : profileRow.streaming ? "stream" : "create"
        print("profile row: \(kind) x\(profileRow.concurrency)\(pacingLabel): "
            + "\(ours.calls) calls, \(format(ours.cpuPerCallMicros)) µs CPU per call")
        client.shutdown()
        mock.stop()
        return
    }
    print("ClientBench: mock in child process on port \(mock.port), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, event loop \(eventLoop.rawValue), calling tasks on \(onClientExecutor ? "the client's task executor" : "the default executor"), stream events \(pacingMilliseconds.map { "\($0) ms apart" } ?? "back to back")")
    // Warm up connections, the mock's JIT-free paths and the allocator.
    for streaming in [false, true] {
        _ = try await measureClient(client, request, streaming: streaming, concurrency: 8, calls: 200)
    }
    _ = measureFloor(url: url, body: plainBody, concurrency: 8, calls: 200)

    var rows: [String] = []
    for (streaming, body) in [(false, plainBody), (true, streamBody)] {
        for concurrency in [1, 64] {
            let calls = concurrency == 1 ? baseCalls : baseCalls * 3
            let ours = try await measureClient(client, request, streaming: streaming, concurrency: concurrency, calls: calls)
            let floor = measureFloor(url: url, body: body, concurrency: concurrency, calls: ours.calls)
            rows.append(
                "| \(streaming ? "stream" : "create") | \(concurrency) | \(ours.calls) "
                    + "| \(format(ours.cpuPerCallMicros)) | \(format(floor.cpuPerCallMicros)) | **\(ratio(ours.cpuPerCallMicros, floor.cpuPerCallMicros))** "
                    + "| \(format(ours.p50Micros / 1000, 3)) | \(format(floor.p50Micros / 1000, 3)) | \(ratio(ours.p50Micros, floor.p50Micros)) "
                    + "| \(format(ours.p99Micros / 1000, 3)) | \(format(floor.p99Micros / 1000, 3)) | \(ratio(ours.p99Micros, floor.p99Micros)) "
                    + "| \(format(Double(ours.calls) / ours.wallSeconds, 0)) | \(format(Double(floor.calls) / floor.wallSeconds, 0)) |")
            FileHandle.standardError.write(Data("  done: \(streaming ? "stream" : "create") x\(concurrency)\n".utf8))
        }
    }
    client.shutdown()
    mock.stop()

    print("")
    print("CPU is getrusage(RUSAGE_SELF) user+sys per call of the calling process only (the mock runs in a child")
    print("process). Latency is wall time per call (stream: until the last event). Ratio = AnthropicClient / floor.")
    print("")
    print("| call | conc | calls | ours CPU µs/call | floor CPU µs/call | CPU ratio | ours p50 ms | floor p50 ms | p50 ratio | ours p99 ms | floor p99 ms | p99 ratio | ours calls/s | floor calls/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows { print(row) }

    try await measureStreamThroughput()
}

/// SSE bytes per second through the client's transport, SSE parser and event decoder: one large
/// streamed reply from an in-process mock (SSEParser is internal, so it is measured over
/// loopback; the mock shares the process, so this is a lower bound for the client alone).
func measureStreamThroughput() async throws {
    let server = MockAnthropicServer()
    try await server.start()
    let client = AnthropicClient(configuration: .init(apiKey: benchKey, baseURL: server.baseURL, eventLoop: eventLoop))
    let words = 20_000
    let text = (0..<words).map { "w\($0 % 1000)" }.joined(separator: " ")
    let request = MessageRequest(model: model, maxTokens: 32_000, messages: [.user("stream a long reply")])
    var rates: [Double] = []
    var cpuPerMB: [Double] = []
    var eventsPerSecond: [Double] = []
    for round in 0..<6 {
        server.enqueue(.reply(text))
        let bytesBefore = server.stats.bytesSent
        let clock = ContinuousClock()
        let cpuStart = cpuMicros()
        let start = clock.now
        var events = 0
        for try await _ in try await client.streamMessage(request) { events += 1 }
        let seconds = micros(clock.now - start) / 1e6
        let cpu = cpuMicros() - cpuStart
        let megabytes = Double(server.stats.bytesSent - bytesBefore) / 1e6
        if round == 0 { continue }  // warm-up
        rates.append(megabytes / seconds)
        cpuPerMB.append(cpu / 1000 / megabytes)
        eventsPerSecond.append(Double(events) / seconds)
    }
    client.shutdown()
    await server.stop()
    let median = { (values: [Double]) in values.sorted()[values.count / 2] }
    print("")
    print("| SSE through AnthropicClient (loopback, in-process mock) | median | best |")
    print("|---|---|---|")
    print("| MB/s of SSE | \(format(median(rates))) | \(format(rates.max() ?? 0)) |")
    print("| events/s | \(format(median(eventsPerSecond), 0)) | \(format(eventsPerSecond.max() ?? 0, 0)) |")
    print("| process CPU ms per MB (client + mock) | \(format(median(cpuPerMB))) | \(format(cpuPerMB.min() ?? 0)) |")
}

do {
    try await run()
} catch {
    fail("\(error)")
}
