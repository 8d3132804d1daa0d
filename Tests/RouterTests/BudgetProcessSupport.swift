import ClaudeMockServer
import Foundation
import Router
import RouterPolicies
import ClaudeRouterTestSupport

/// Runs the built `claude-router` binary as child processes against a mock server on loopback,
/// all sharing one SQLite ledger: the setting in which budgets must hold across processes.
struct BudgetProcessHarness {
    struct Child {
        var status: Int32
        var stderr: String
    }

    let server: MockAnthropicServer
    let directory: TemporaryDirectory
    let binary: URL

    var ledgerPath: String { directory.path("ledger.sqlite") }
    var policyPath: String { directory.path("policy.yaml") }

    /// `claude-router`, built next to the test bundle (the build products directory).
    static func binaryURL() -> URL? {
        var directories = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                           Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"))
        return directories.map { $0.appendingPathComponent("claude-router") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "claude-router not built next to the tests; run `swift build --build-tests`" }
    }

    static func start() async throws -> BudgetProcessHarness {
        guard let binary = binaryURL() else { throw MissingBinary() }
        let server = MockAnthropicServer()
        try await server.start()
        return BudgetProcessHarness(server: server, directory: try TemporaryDirectory(), binary: binary)
    }

    func stop() async {
        await server.stop()
        directory.remove()
    }

    /// A fixed two-byte reply and a 16-token cap keep the worst case near the actual cost, and
    /// every call identical in cost.
    static let prompt = "Extract the name from: Ada Lovelace wrote the first program. [[mock: reply=Ada]]"

    /// The router tests' three-tier policy with `extraction` capped at 16 tokens and one global
    /// `total` budget of `limit`.
    func writePolicy(limit: USDAmount) throws {
        let yaml = RouterHarness.policyYAML
            .replacingOccurrences(of: "extraction: { tier: haiku, max_tokens: 512 }",
                                  with: "extraction: { tier: haiku, max_tokens: 16 }")
            + "budgets:\n  - { name: pool, scope: global, period: total, hard_usd: \"\(limit.exactDecimal)\", on_hard_limit: reject }\n"
        try yaml.write(toFile: policyPath, atomically: true, encoding: .utf8)
    }

    /// `claude-router send` of `prompt` into the shared ledger.
    func sendArguments(_ prompt: String = prompt, wait: Double = 30, expiry: Double = 600) -> [String] {
        ["send", "--policy", policyPath, "--task", "extraction", "--ledger", ledgerPath, "--base-url", server.baseURL,
         "--budget-wait", "\(wait)", "--budget-expiry", "\(expiry)", prompt]
    }

    /// Starts a child; the caller waits for it (or kills it). `onExit` runs when it has exited.
    func launch(_ arguments: [String], onExit: (@Sendable (Process) -> Void)? = nil) throws -> (Process, URL) {
        let process = Process()
        process.terminationHandler = onExit
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
        environment["ANTHROPIC_API_KEY"] = "sk-ant-test-budget"
        process.environment = environment
        // A file, not a pipe: a chatty child never blocks on a full pipe buffer.
        let errURL = directory.url.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try startSerialized(process)
        return (process, errURL)
    }

    /// Runs a child to its end. Launched off the cooperative pool (`Process.run` can block, and
    /// the mock server in this process needs the pool to answer the children); its exit is
    /// awaited through `terminationHandler`, so no thread is parked per child (other suites
    /// count this process's threads).
    func run(_ arguments: [String]) async throws -> Child {
        let (status, errURL): (Int32, URL) = try await withCheckedThrowingContinuation { done in
            DispatchQueue.global().async {
                let url = LockedBox<URL?>(nil)
                let status = LockedBox<Int32?>(nil)
                // Resumes once both the launch has returned and the child has exited.
                let finish: @Sendable () -> Void = {
                    let ready = url.mutate { value -> (Int32, URL)? in
                        guard let code = status.get(), let file = value else { return nil }
                        value = nil
                        return (code, file)
                    }
                    if let ready { done.resume(returning: ready) }
                }
                do {
                    let (_, launched) = try launch(arguments, onExit: { exited in
                        status.mutate { $0 = exited.terminationStatus }
                        finish()
                    })
                    url.mutate { $0 = launched }
                    finish()
                } catch {
                    done.resume(throwing: error)
                }
            }
        }
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        try? FileManager.default.removeItem(at: errURL)
        return Child(status: status, stderr: stderr)
    }

    /// The ledger's records and their summed cost.
    func ledgerSpend() async throws -> (records: [LedgerRecord], sum: USDAmount) {
        // Closed before returning, not by a detached task that could race what the test does next.
        let ledger = try SQLiteLedger(path: ledgerPath)
        let records: [LedgerRecord]
        do {
            records = try await ledger.records(.all)
        } catch {
            try? await ledger.close()
            throw error
        }
        try await ledger.close()
        return (records, records.compactMap { $0.cost?.total }.reduce(.zero, +))
    }

    /// What the budget store of the written policy reports now (a fresh participant).
    func budgetStatus(limit: USDAmount) throws -> SQLiteBudgetStore {
        try SQLiteBudgetStore(path: ledgerPath, rules: [
            BudgetRule(name: "pool", scope: .global, period: .total, hardLimit: limit),
        ])
    }

    /// One call's actual cost: a `send` under an ample budget, read back from the ledger (then
    /// the ledger is removed, so the measured test starts from an empty one).
    func measureCallCost() async throws -> USDAmount {
        try writePolicy(limit: USDAmount(dollars: "100")!)
        let child = try await run(sendArguments())
        guard child.status == 0 else { throw MeasureFailed(stderr: child.stderr) }
        let cost = try await ledgerSpend().sum
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
        return cost
    }

    struct MeasureFailed: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "the calibration send failed: \(stderr)" }
    }
}

extension BudgetProcessHarness {
    /// One call's reserved worst case, to 6 decimals: what a 1-picodollar budget's refusal says
    /// was requested.
    func measureWorstCase() async throws -> USDAmount {
        try writePolicy(limit: USDAmount(picodollars: 1))
        let child = try await run(sendArguments(wait: 0))
        guard let range = child.stderr.range(of: #"requested \$[0-9.]+"#, options: .regularExpression),
              let amount = USDAmount(dollars: String(child.stderr[range].dropFirst("requested $".count))) else {
            throw MeasureFailed(stderr: child.stderr)
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
        return amount
    }

    /// An eval fixture file of `count` identical extraction cases.
    func writeFixtures(count: Int) throws -> String {
        var yaml = "suite: budget-utilisation\ncases:\n"
        for index in 0..<count {
            yaml += "  - id: case-\(index)\n    task: extraction\n    prompt: \"\(Self.prompt)\"\n"
        }
        let path = directory.path("fixtures.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
