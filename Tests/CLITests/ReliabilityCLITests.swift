import ClaudeMockServer
import Foundation
import Testing
import ClaudeRouterTestSupport

/// A `claude-router` child process the test can signal while it runs.
final class RunningCLI: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test task that owns this object; the
    // output files are read after the child has exited.
    let process = Process()
    let directory: URL
    private let out: FileHandle
    private let err: FileHandle

    init(_ arguments: [String], environment: [String: String]) throws {
        guard let executable = CLIHarness.binary else { throw CLIHarness.MissingBinary() }
        directory = try CLIHarness.temporaryDirectory()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = CLIHarness.packageRoot
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
        env.merge(environment) { _, new in new }
        process.environment = env
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        out = try FileHandle(forWritingTo: outURL)
        err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try startSerialized(process)
    }

    /// Sends `signal` to the child.
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits (up to `seconds`) until the child's standard output contains `text`; false if it
    /// never did. For tests that must signal the child only once it has printed something.
    func waitForOutput(containing text: String, within seconds: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        let path = directory.appendingPathComponent("stdout")
        while Date() < deadline {
            if let data = try? Data(contentsOf: path), String(decoding: data, as: UTF8.self).contains(text) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits (up to `seconds`) for the child to exit and returns its result.
    func finish(within seconds: Double = 30) async throws -> CLIResult {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("the child did not exit within \(seconds) s")
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        defer { try? FileManager.default.removeItem(at: directory) }
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: directory.appendingPathComponent("stdout")), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: directory.appendingPathComponent("stderr")), as: UTF8.self))
    }
}

/// The reliability contract of `send` and `eval` through the real binary against the mock server
/// in this process: signals, ledger failures, outputs checked before the first call, refusal
/// exit codes, input validation.
@Suite("CLI reliability", .serialized)
struct ReliabilityCLITests {
    let policy = CLIHarness.path("policies/default.yaml")
    let key = ["ANTHROPIC_API_KEY": "sk-ant-test-reliability"]

    func withMock<T>(_ body: (MockAnthropicServer) async throws -> T) async throws -> T {
        try await MockAnthropicServer.withLoopbackServer(body)
    }

    /// Waits until the mock has seen `count` Messages requests.
    func waitForRequests(_ server: MockAnthropicServer, _ count: Int, seconds: Double = 20) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while (server.stats.requestsByEndpoint[.messages] ?? 0) < count, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require((server.stats.requestsByEndpoint[.messages] ?? 0) >= count, "the child never made its call")
    }

    /// The JSON Lines ledger's records as dictionaries.
    /// A torn final line (a write cut short by a full disk) is skipped, as the ledger itself
    /// cuts it on its next open; any other bad line fails the test.
    func rows(_ path: String) throws -> [[String: Any]] {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        if data.last != UInt8(ascii: "\n"), !lines.isEmpty { lines.removeLast() }
        return try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
    }

    /// Starts the binary with `arguments`, sends SIGINT once its calls are in flight, and
    /// returns its result with the number of Messages requests the mock had seen by then.
    func interruptOnceCalling(_ arguments: [String], server: MockAnthropicServer) async throws
        -> (result: CLIResult, inFlight: Int) {
        let child = try RunningCLI(arguments, environment: key)
        try await waitForRequests(server, 1)
        // libcurl may hold a second transfer until the first connection's protocol is known
        // (PIPEWAIT), so count what is in flight rather than assume --concurrency. Wait (up to
        // 5 s) for both of the run's --concurrency 2 calls to reach the server: a fixed 300 ms
        // pause let a loaded CI machine deliver the second, started before the signal, just
        // after the count was taken.
        let settle = ContinuousClock.now + .seconds(5)
        while (server.stats.requestsByEndpoint[.messages] ?? 0) < 2, ContinuousClock.now < settle {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
        let inFlight = server.stats.requestsByEndpoint[.messages] ?? 0
        child.send(SIGINT)
        return (try await child.finish(), inFlight)
    }

    func fixture(cases: Int, prompt: String, in directory: URL) throws -> String {
        var yaml = "suite: reliability\ncases:\n"
        for index in 0..<cases {
            yaml += "  - id: case-\(index)\n    task: classification\n    prompt: \"\(prompt) \(index)\"\n"
        }
        let path = directory.appendingPathComponent("fixtures.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: Signals

    @Test("SIGINT during a plain send: the call is recorded (estimated input, flagged) and the exit is 130")
    func sigintDuringSend() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.jsonl").path
        try await withMock { server in
            let child = try RunningCLI(["send", "--policy", policy, "--task", "classification", "--ledger", ledger,
                                        "--base-url", server.baseURL, "Classify this [[mock: delay-ms=20000]]"],
                                       environment: key)
            try await waitForRequests(server, 1)
            child.send(SIGINT)
            let result = try await child.finish()
            #expect(result.status == 130, "\(result.stderr)")
            #expect(result.stderr.contains("interrupted by SIGINT"))
            let records = try rows(ledger)
            #expect(records.count == 1)
            let outcome = records.first?["outcome"] as? [String: Any]
            #expect(outcome?["error"] != nil)
            #expect(((records.first?["usage"] as? [String: Any])?["input"] as? Int ?? 0) > 0)
            #expect((records.first?["flags"] as? [String])?.first?.hasPrefix("usage_estimated") == true)
        }
    }

    @Test("SIGTERM during a streamed send: the stream is cancelled, its partial usage recorded, exit 143")
    func sigtermDuringStream() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.jsonl").path
        let long = String(repeating: "word ", count: 400)
        try await withMock { server in
            let child = try RunningCLI(["send", "--policy", policy, "--task", "classification", "--stream",
                                        "--ledger", ledger, "--base-url", server.baseURL,
                                        "Go [[mock: reply=\"\(long)\" slow-ms=50]]"], environment: key)
            try await waitForRequests(server, 1)
            // Signal once streamed text has arrived (a fixed wait was too short on a loaded machine).
            #expect(try await child.waitForOutput(containing: "word word"))
            child.send(SIGTERM)
            let result = try await child.finish()
            #expect(result.status == 143, "\(result.stderr)")
            #expect(result.stdout.contains("word word"))
            let records = try rows(ledger)
            #expect(records.count == 1)
            #expect(records.first?["stream"] as? Bool == true)
            #expect(((records.first?["usage"] as? [String: Any])?["output"] as? Int ?? 0) > 0)
        }
    }

    @Test("SIGINT during eval: no new calls, in-flight calls recorded, a partial report printed, exit 130")
    func sigintDuringEval() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.jsonl").path
        let fixtures = try fixture(cases: 8, prompt: "Classify [[mock: delay-ms=20000]]", in: directory)
        try await withMock { server in
            let (result, inFlight) = try await interruptOnceCalling(
                ["eval", "--fixtures", fixtures, "--policy", policy, "--concurrency", "2", "--ledger", ledger,
                 "--base-url", server.baseURL], server: server)
            #expect(result.status == 130, "\(result.stderr)")
            #expect(result.stderr.contains("interrupted by SIGINT"))
            #expect(result.stdout.contains("reliability"))
            #expect(server.stats.requestsByEndpoint[.messages] == inFlight)
            // Every call started is recorded: those the server saw, and any still queued in
            // libcurl when cancelled (recorded with estimated input, flagged: over-counting is
            // the safe side). Never more than --concurrency, and each one flagged usage_estimated.
            let records = try rows(ledger)
            #expect(records.count >= inFlight && records.count <= 2, "\(records)")
            #expect(records.allSatisfy { ($0["flags"] as? [String])?.first?.hasPrefix("usage_estimated") == true })
        }
    }

    @Test("SIGINT during calibrate --fixtures: no new calls, in-flight calls recorded, nothing written, exit 130")
    func sigintDuringCalibrate() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("ledger.jsonl").path
        let output = directory.appendingPathComponent("out.yaml").path
        let outcomes = directory.appendingPathComponent("outcomes.jsonl").path
        let fixtures = try fixture(cases: 8, prompt: "Classify [[mock: delay-ms=20000]]", in: directory)
        try await withMock { server in
            let (result, inFlight) = try await interruptOnceCalling(
                ["calibrate", "--fixtures", fixtures, "--policy", policy, "--concurrency", "2", "--ledger", ledger,
                 "--base-url", server.baseURL, "--save-outcomes", outcomes, "--target-quality-ratio", "0.95",
                 "--output", output], server: server)
            #expect(result.status == 130, "\(result.stderr)")
            #expect(result.stderr.contains("interrupted by SIGINT"))
            #expect(server.stats.requestsByEndpoint[.messages] == inFlight)
            let records = try rows(ledger)
            #expect(records.count >= inFlight && records.count <= 2, "\(records)")
            #expect(!FileManager.default.fileExists(atPath: output))
            #expect(!FileManager.default.fileExists(atPath: outcomes))
        }
    }

    // MARK: Ledger failures and outputs

    @Test("eval --output to an unwritable path fails before any call (exit 70)")
    func outputCheckedFirst() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixtures = try fixture(cases: 3, prompt: "Classify", in: directory)
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", fixtures, "--policy", policy, "--output", "/nonexistent-dir/report.json",
                 "--base-url", server.baseURL], environment: key)
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr.contains("/nonexistent-dir"))
            #expect(server.stats.totalRequests == 0)
        }
    }

    @Test("send --ledger in a directory that does not exist fails before any call, as an I/O error (exit 70)")
    func ledgerDirectoryChecked() async throws {
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--ledger", "/nonexistent-dir/ledger.sqlite", "--base-url", server.baseURL,
                 "Classify this"], environment: key)
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr.contains("directory '/nonexistent-dir' does not exist"))
            #expect(server.stats.totalRequests == 0)
        }
    }

    @Test("a new --ledger named .json is refused before any call (exit 2); .JSONL is JSON Lines in any case")
    func ledgerNameSaysItsFormat() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withMock { server in
            let json = directory.appendingPathComponent("costs.json").path
            let refused = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--ledger", json, "--base-url", server.baseURL, "Classify this"], environment: key)
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains("costs.json") && refused.stderr.contains(".jsonl"))
            #expect(server.stats.totalRequests == 0 && !FileManager.default.fileExists(atPath: json))

            let upper = directory.appendingPathComponent("costs.JSONL").path
            let sent = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--ledger", upper, "--base-url", server.baseURL, "Classify this"], environment: key)
            #expect(sent.status == 0, "\(sent.stderr)")
            let firstLine = try #require(try String(contentsOfFile: upper, encoding: .utf8).split(separator: "\n").first)
            #expect(firstLine.hasPrefix("{"), "a JSON Lines record, not a SQLite header")
        }
    }

    @Test("serve on a port another process holds names the address and exits 70")
    func servePortInUse() async throws {
        let binary = try #require(CLIHarness.binary)
        try await withMock { server in
            let port = try #require(URL(string: server.baseURL)?.port)
            // Under `timeout`, so a serve that did start cannot hang the suite (it would exit 124).
            let result = try await CLIHarness.runAsync(
                ["30", binary.path, "serve", "--policy", "default", "--port", String(port)], environment: key,
                executable: URL(fileURLWithPath: "/usr/bin/timeout"))
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr.contains("error: cannot listen on 127.0.0.1:\(port): the address is already in use"))
        }
    }

    @Test("mock-server on a port another process holds says so in the system's words and exits 70")
    func mockServerPortInUse() async throws {
        let binary = try #require(CLIHarness.binary)
        try await withMock { server in
            let port = try #require(URL(string: server.baseURL)?.port)
            let result = try await CLIHarness.runAsync(
                ["30", binary.path, "mock-server", "--port", String(port)], executable: URL(fileURLWithPath: "/usr/bin/timeout"))
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "error: cannot start the mock server: could not bind 127.0.0.1:\(port): Address already in use", "\(result.stderr)")
        }
    }

    /// A tiny tmpfs the test mounts (root only); nil where it cannot.
    func tinyFilesystem(kilobytes: Int) throws -> URL? {
        let mount = try CLIHarness.temporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", mount.path]
        process.standardError = FileHandle.nullDevice
        guard (try? startSerialized(process)) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? mount : nil
    }

    func unmount(_ url: URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/umount")
        process.arguments = [url.path]
        try? startSerialized(process)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }

    /// Fills `directory` until fewer than `leave` bytes are free.
    func fill(_ directory: URL, leaving leave: Int) throws {
        var stats = statvfs()
        statvfs(directory.path, &stats)
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        try Data(count: max(0, free - leave)).write(to: directory.appendingPathComponent("filler"))
    }

    @Test("a full disk stops eval at the first failed ledger write: no further calls, exit 70, record printed")
    func ledgerFailureStopsEval() async throws {
        guard let mount = try tinyFilesystem(kilobytes: 256) else { return } // needs root to mount tmpfs
        defer { unmount(mount) }
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixtures = try fixture(cases: 60, prompt: "Classify", in: directory)
        let ledger = mount.appendingPathComponent("ledger.jsonl").path
        try fill(mount, leaving: 20 * 1024)
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["eval", "--fixtures", fixtures, "--policy", policy, "--concurrency", "1", "--ledger", ledger,
                 "--base-url", server.baseURL, "--no-cache"], environment: key)
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr.contains("unrecorded ledger record (paid; keep it): {"))
            #expect(result.stderr.contains("run stopped"))
            let written = try rows(ledger).count
            #expect(written > 0 && written < 60)
            // Exactly one call after the last recorded one: the one whose record failed.
            #expect(server.stats.requestsByEndpoint[.messages] == written + 1)
            #expect(result.stdout.contains("not run"))
        }
    }

    @Test("a new ledger on a full disk is refused before any call")
    func fullDiskBeforeFirstCall() async throws {
        guard let mount = try tinyFilesystem(kilobytes: 64) else { return } // needs root to mount tmpfs
        defer { unmount(mount) }
        try fill(mount, leaving: 0)
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--ledger", mount.appendingPathComponent("new.jsonl").path,
                 "--base-url", server.baseURL, "Hello"], environment: key)
            #expect(result.status == 70, "\(result.stderr)")
            #expect(result.stderr.contains("nothing was sent"))
            #expect(server.stats.totalRequests == 0)
        }
    }

    // MARK: Things users hit

    @Test("a refusal on the top tier is said in the text and exits 4; --json carries unresolved_trigger")
    func unresolvedRefusal() async throws {
        try await withMock { server in
            let text = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--base-url", server.baseURL, "Hello [[mock: stop=refusal]]"], environment: key)
            #expect(text.status == 4, "\(text.stderr)")
            #expect(text.stderr.contains("warning: unresolved refusal"))
            let json = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--json", "--base-url", server.baseURL, "Hello [[mock: stop=refusal]]"],
                environment: key)
            #expect(json.status == 4)
            #expect(json.stdout.contains("\"unresolved_trigger\" : \"refusal\""))
        }
    }

    @Test("a 32,000-token reasoning task is streamed internally by send instead of refused")
    func largeMaxTokensSend() async throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try String(contentsOfFile: policy, encoding: .utf8)
        let custom = directory.appendingPathComponent("big.yaml").path
        let big = text.replacingOccurrences(of: "reasoning:      { tier: opus, max_tokens: 16384,",
                                            with: "reasoning:      { tier: opus, max_tokens: 32000,")
        try #require(big != text)
        try big.write(toFile: custom, atomically: true, encoding: .utf8)
        let validated = try CLIHarness.run(["validate", custom])
        #expect(validated.stderr.contains("task 'reasoning': max_tokens 32000 is above 21333"), "\(validated.stderr)")
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["send", "--policy", custom, "--task", "reasoning", "--base-url", server.baseURL, "Prove it"], environment: key)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("mock reply"))
        }
    }

    @Test("send refuses an empty prompt before the network (exit 2)")
    func emptyPrompt() throws {
        let result = try CLIHarness.run(["send", "--policy", policy, "  "], environment: key)
        #expect(result.status == 2)
        #expect(result.stderr.contains("the prompt is empty"))
    }

    @Test("a hostile request-id echoing the key is redacted from send --json output")
    func requestIDRedactedInOutput() async throws {
        try await withMock { server in
            let result = try await CLIHarness.runAsync(
                ["send", "--policy", policy, "--json", "--base-url", server.baseURL,
                 "Hi [[mock: request-id=\"req-sk-ant-test-reliability\"]]"], environment: key)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stdout.contains("sk-ant-test-reliability"))
            #expect(!result.stderr.contains("sk-ant-test-reliability"))
        }
    }

    @Test("invalid UTF-8 is reported at its line and column")
    func invalidUTF8Position() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.yaml").path
        let bytes = Array("name: x\ntiers: é".utf8) + [0xFF] + Array("\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try CLIHarness.run(["validate", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path):2:9: error: not UTF-8 text: byte 0xFF"), "\(result.stderr)")
    }

    @Test("a price book with 1_000 or 010 is refused; a zero price is warned about")
    func priceNumberForms() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func book(_ input: String) -> String {
            """
            models:
              claude-x:
                prices:
                  - effective_from: 2026-01-01
                    input: \(input)
                    output: 15
                    cache_write_5m: 3.75
                    cache_write_1h: 6
                    cache_read: 0.3

            """
        }
        let path = directory.appendingPathComponent("prices.yaml").path
        try book("1_000").write(toFile: path, atomically: true, encoding: .utf8)
        let separators = try CLIHarness.run(["validate", "--kind", "prices", path])
        #expect(separators.status == 65, "\(separators.stderr)")
        #expect(separators.stderr.contains("'1_000' uses '_' digit separators"), "\(separators.stderr)")
        try book("010").write(toFile: path, atomically: true, encoding: .utf8)
        let octal = try CLIHarness.run(["validate", "--kind", "prices", path])
        #expect(octal.status == 65)
        #expect(octal.stderr.contains("'010' has a leading zero"), "\(octal.stderr)")
        try book("0").write(toFile: path, atomically: true, encoding: .utf8)
        let zero = try CLIHarness.run(["validate", "--kind", "prices", path])
        #expect(zero.status == 0, "\(zero.stderr)")
        #expect(zero.stderr.contains("warning: claude-x@2026-01-01: input price is $0"), "\(zero.stderr)")
    }

    @Test("files over the size cap are refused before they are parsed")
    func sizeCap() throws {
        let directory = try CLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.yaml").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 17 * 1024 * 1024) // sparse: no 17 MB written
        try handle.close()
        let result = try CLIHarness.run(["send", "--policy", path, "hello"], environment: key)
        #expect(result.status == 65)
        #expect(result.stderr.contains("over the 16 MiB limit"), "\(result.stderr)")
    }
}
