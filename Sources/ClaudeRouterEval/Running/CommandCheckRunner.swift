import Foundation
import Synchronization

extension CommandCheck {
    /// Runs the command with `answer` on its standard input; nil when it exits 0 in time, else
    /// one line saying why it failed (exit status or timeout, and the first line it printed).
    ///
    /// The command sees the environment without `ANTHROPIC_*` variables (the API key stays in
    /// claude-router) plus `EVAL_CASE_ID` and `EVAL_VARIANT`. On timeout it gets SIGTERM, then
    /// SIGKILL a second later.
    package func failure(answer: String, caseID: String, variant: String) async -> String? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("claude-router-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = scratch.appendingPathComponent("stdin"), output = scratch.appendingPathComponent("output")
        let box = ChildProcess()
        let process = box.process
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try Data(answer.utf8).write(to: input)
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", run]
            if !directory.isEmpty { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
            environment["EVAL_CASE_ID"] = caseID
            environment["EVAL_VARIANT"] = variant
            process.environment = environment
            process.standardInput = try FileHandle(forReadingFrom: input)
            let sink = try FileHandle(forWritingTo: output)
            process.standardOutput = sink
            process.standardError = sink
        } catch {
            return "command: cannot start '\(run)': \(error.localizedDescription)"
        }
        let timedOut = TimeoutFlag()
        let status: Int32? = await withCheckedContinuation { continuation in
            process.terminationHandler = { ended in continuation.resume(returning: ended.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: nil)
                return
            }
            let pid = process.processIdentifier
            let limit = timeoutSeconds
            Task.detached {
                try? await Task.sleep(for: .milliseconds(Int64(limit * 1000)))
                guard box.process.isRunning else { return }
                timedOut.value.withLock { $0 = true }
                kill(pid, SIGTERM)
                try? await Task.sleep(for: .seconds(1))
                if box.process.isRunning { kill(pid, SIGKILL) }
            }
        }
        guard let status else { return "command: cannot start '\(run)'" }
        if timedOut.value.withLock({ $0 }) { return "command: '\(run)' timed out after \(Self.seconds(timeoutSeconds))" }
        guard status != 0 else { return nil }
        let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let first = printed.split(separator: "\n").first.map { ": " + EvalCheck.excerpt(String($0)) } ?? ""
        return "command: '\(run)' exited \(status)\(first)"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.3g s", value)
    }
}

/// A `Process` shared with the timeout task. `@unchecked Sendable`: after `run()` the timeout
/// task only reads `isRunning` (which Foundation guards internally) and signals the pid.
private final class ChildProcess: @unchecked Sendable {
    let process = Process()
}

/// Set by the timeout task when it had to stop the command (a class: a `Mutex` cannot be
/// captured by an escaping closure).
private final class TimeoutFlag: Sendable {
    let value = Mutex(false)
}
