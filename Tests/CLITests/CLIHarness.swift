import Foundation
import ClaudeRouterTestSupport

/// Runs the built `claude-router` binary as a child process.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLIHarness {
    /// The package root (this file is Tests/CLITests/CLIHarness.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `claude-router` in the build products directory: next to the test bundle, else `.build/debug`.
    static let binary: URL? = product("claude-router")

    /// An executable product of the package (`claude-router`, `QuickStart`), found like `binary`.
    static func product(_ name: String) -> URL? {
        var candidates: [URL] = []
        if let argument = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: argument).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent(name))
                directory = directory.deletingLastPathComponent()
            }
        }
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// A path inside the package (`policies/default.yaml`).
    static func path(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("claude-router-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "claude-router binary not found; run `swift build --build-tests` first" }
    }

    /// Runs the binary with `arguments`, without ANTHROPIC_* variables unless given in `environment`.
    /// `executable` (default: `claude-router`) runs in `directory` (default: the package root).
    static func run(
        _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
        executable: URL? = binary, directory workingDirectory: URL = packageRoot
    ) throws -> CLIResult {
        let child = try Child(arguments, environment: environment, stdin: stdin, executable: executable,
                              directory: workingDirectory)
        try startSerialized(child.process)
        child.process.waitUntilExit()
        return try child.result()
    }

    /// Runs the binary asynchronously (so a server in this process can answer it). No thread
    /// waits for the child: its termination handler resumes the caller. (Blocking a dispatch
    /// thread per child instead starved Swift's global executor, which shares those threads on
    /// Linux, so the in-process mock could not answer the children: a deadlock.)
    static func runAsync(
        _ arguments: [String], environment: [String: String] = [:],
        executable: URL? = binary, directory: URL = packageRoot
    ) async throws -> CLIResult {
        let child = try Child(arguments, environment: environment, stdin: nil, executable: executable, directory: directory)
        return try await withCheckedThrowingContinuation { continuation in
            child.process.terminationHandler = { _ in continuation.resume(with: Result { try child.result() }) }
            do {
                try startSerialized(child.process)
            } catch {
                child.process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    /// A configured child whose output goes to files (a chatty child can never block on a full
    /// pipe buffer), removed once the result is read.
    final class Child: @unchecked Sendable {
        // @unchecked: configured before `run()`, then only read after the child has exited.
        let process = Process()
        private let directory: URL
        private let out: FileHandle
        private let err: FileHandle

        init(_ arguments: [String], environment: [String: String], stdin: String?, executable: URL?,
             directory workingDirectory: URL) throws {
            guard let executable else { throw MissingBinary() }
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = workingDirectory
            var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
            env.merge(environment) { _, new in new }
            process.environment = env
            directory = try temporaryDirectory()
            let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            out = try FileHandle(forWritingTo: outURL)
            err = try FileHandle(forWritingTo: errURL)
            process.standardOutput = out
            process.standardError = err
            if let stdin {
                let inURL = directory.appendingPathComponent("stdin")
                try Data(stdin.utf8).write(to: inURL)
                process.standardInput = try FileHandle(forReadingFrom: inURL)
            } else {
                process.standardInput = FileHandle.nullDevice
            }
        }

        /// The exit status and output of the exited child.
        func result() throws -> CLIResult {
            defer { try? FileManager.default.removeItem(at: directory) }
            try out.close()
            try err.close()
            return CLIResult(
                status: process.terminationStatus,
                stdout: String(decoding: try Data(contentsOf: directory.appendingPathComponent("stdout")), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: directory.appendingPathComponent("stderr")), as: UTF8.self))
        }
    }

}
