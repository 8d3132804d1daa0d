import ClaudeMockServer
import Foundation
import ClaudeRouterTestSupport

/// `claude-router serve` as a child process: started with arguments, its bound port read from
/// its start banner, stopped with a signal.
final class ServeProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is only started in `init` and signalled/awaited afterwards,
    // and Foundation's Process is safe to signal and wait on from another thread; the file paths are constants.
    let process = Process()
    let stdoutPath: String
    let stderrPath: String
    private(set) var port = 0

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The package root (this file is Tests/GatewayTests/ServeProcess.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `claude-router`: next to the test bundle, else `.build/debug`.
    static var binary: URL? {
        var candidates: [URL] = []
        if let argument = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: argument).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("claude-router"))
                directory = directory.deletingLastPathComponent()
            }
        }
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("claude-router"))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/claude-router"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts `claude-router serve ARGS --port 0` with `environment` (no inherited ANTHROPIC_*)
    /// and waits until it listens.
    init(arguments: [String], environment: [String: String], directory: URL) async throws {
        guard let binary = Self.binary else { throw Failure(description: "claude-router not built: run swift build --build-tests") }
        stdoutPath = directory.appendingPathComponent("serve.stdout").path
        stderrPath = directory.appendingPathComponent("serve.stderr").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try startSerialized(process)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let range = stderr.range(of: "listening on http://127.0.0.1:") {
                let digits = stderr[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port > 0 {
                    self.port = port
                    return
                }
            }
            guard process.isRunning else {
                throw Failure(description: "serve exited \(process.terminationStatus): \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw Failure(description: "serve did not start in 60 s: \(stderr)")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits (up to `timeout`) for the exit status.
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw Failure(description: "serve did not exit within \(timeout) of signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

/// A temporary directory holding the test policy (and, when asked, the test keys file) for a
/// `serve` process, with a started mock to put it in front of. `close()` stops and removes both.
struct ServeWorkspace {
    let mock: MockAnthropicServer
    let directory: URL
    let policyPath: String
    let keysPath: String?

    /// Starts a mock and writes `GatewayHarness.policyYAML()` (and `GatewayEndpointsTests.keysYAML`
    /// when `keys`) into a fresh temporary directory named after `label`.
    static func make(_ label: String, keys: Bool) async throws -> ServeWorkspace {
        let mock = MockAnthropicServer()
        try await mock.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let policyPath = directory.appendingPathComponent("policy.yaml").path
        try GatewayHarness.policyYAML().write(toFile: policyPath, atomically: true, encoding: .utf8)
        var keysPath: String?
        if keys {
            keysPath = directory.appendingPathComponent("keys.yaml").path
            try GatewayEndpointsTests.keysYAML.write(toFile: keysPath!, atomically: true, encoding: .utf8)
        }
        return ServeWorkspace(mock: mock, directory: directory, policyPath: policyPath, keysPath: keysPath)
    }

    /// `serve --policy … [--keys …] --base-url MOCK` plus `extra`, with a throwaway upstream key.
    func startServe(_ extra: [String] = []) async throws -> ServeProcess {
        var arguments = ["--policy", policyPath, "--base-url", mock.baseURL]
        if let keysPath { arguments += ["--keys", keysPath] }
        return try await ServeProcess(arguments: arguments + extra, environment: ["ANTHROPIC_API_KEY": "mock-key"],
                                      directory: directory)
    }

    func close() async {
        await mock.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
