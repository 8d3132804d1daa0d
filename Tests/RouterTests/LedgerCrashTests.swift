import Foundation
import Router
import Testing
import ClaudeRouterTestSupport

/// Runs Tests/LedgerCrashProbe in a child process, kills it with SIGKILL mid-write, and checks
/// that every record whose id the probe printed (after `record` returned) survived.
@Suite("Ledger crash durability")
struct LedgerCrashTests {
    /// The probe is built next to the test bundle (the build products directory).
    static func probeURL() -> URL? {
        var directories = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                           Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"))
        return directories.map { $0.appendingPathComponent("LedgerCrashProbe") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Reads lines until `count` complete ones arrived or EOF, on a non-cooperative thread.
    static func readLines(_ handle: FileHandle, atLeast count: Int, buffer: LockedBox<Data>) async -> [String] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                while true {
                    let lines = buffer.get().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                    if lines.count - 1 >= count { break }
                    let chunk = handle.availableData
                    if chunk.isEmpty { break } // EOF
                    buffer.mutate { $0.append(chunk) }
                }
                // Only newline-terminated lines are complete ids.
                let lines = buffer.get().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
                continuation.resume(returning: lines.map { String(decoding: $0, as: UTF8.self) })
            }
        }
    }

    @Test("every id printed by a SIGKILLed durable writer is in the database")
    func survivesSIGKILL() async throws {
        let probe = try #require(Self.probeURL(), "LedgerCrashProbe not built next to the tests; run `swift build --build-tests`")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("crash.sqlite")

        let process = Process()
        process.executableURL = probe
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try startSerialized(process)

        let buffer = LockedBox(Data())
        let early = await Self.readLines(output.fileHandleForReading, atLeast: 40, buffer: buffer)
        #expect(early.count >= 40, "the probe stopped before writing 40 records")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Ids printed between our last read and the kill count too.
        let printed = await Self.readLines(output.fileHandleForReading, atLeast: .max, buffer: buffer)
        #expect(printed.count >= early.count)

        let ledger = try SQLiteLedger(path: path)
        let stored = Set(try await ledger.records(.all).map(\.id))
        let missing = printed.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing)")
        try await ledger.close()
    }
}
