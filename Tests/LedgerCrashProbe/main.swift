// A child process for the ledger crash test (Tests/RouterTests/LedgerCrashTests.swift).
//
// Usage: LedgerCrashProbe DATABASE_PATH
// Writes records to a durable SQLiteLedger forever and prints each record's id on its own line
// only after `record` has returned, flushing stdout at once. The test reads some ids, sends
// SIGKILL, reopens the database and checks that every printed id was committed.
import Foundation
import Router
import RouterPolicies

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: LedgerCrashProbe DATABASE_PATH\n".utf8))
    exit(64)
}

do {
    let ledger = try SQLiteLedger(path: arguments[1], durability: .durable)
    var sequence = 0
    while true {
        sequence += 1
        let record = LedgerRecord(
            requestID: "probe-\(sequence)", task: "crash-probe", model: "claude-haiku-4-5",
            usage: TokenUsage(input: sequence, output: 1),
            cost: LedgerRecord.Cost(input: USDAmount(picodollars: Int64(sequence)), output: USDAmount(picodollars: 5)),
            latencyMs: sequence % 100)
        try await ledger.record(record)
        // FileHandle writes straight to the descriptor (no stdio buffer to flush).
        FileHandle.standardOutput.write(Data((record.id + "\n").utf8))
    }
} catch {
    FileHandle.standardError.write(Data("LedgerCrashProbe: \(error)\n".utf8))
    exit(1)
}
