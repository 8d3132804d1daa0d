import ArgumentParser
import ClaudeClient
import Foundation
import Router
import RouterPolicies

/// `claude-router batch submit|status|results`: deferrable work through the Message Batches API
/// at the batch price (https://docs.anthropic.com/en/docs/build-with-claude/batch-processing).
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Send deferrable work through the Message Batches API (50% price) and record the results.",
        discussion: """
        A state file (default: LEDGER.batches.json, else claude-router-batches.json) remembers each \
        submitted batch: its items' custom ids, tasks, tiers and metadata, the policy and ledger used, and \
        the API base URL it went to, so `status` and `results` need only the batch id (they ask the server \
        the batch was submitted to unless --base-url names another).
        """,
        subcommands: [BatchSubmitCommand.self, BatchStatusCommand.self, BatchResultsCommand.self])
}

/// Options shared by the batch subcommands: where the batches are remembered.
struct BatchStateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Record results in this ledger (SQLite, or JSON Lines if it ends in .jsonl).",
                               valueName: "path"))
    var ledger: String?

    @Option(help: ArgumentHelp("The batch state file (default: LEDGER.batches.json, else claude-router-batches.json).",
                               valueName: "path"))
    var state: String?

    var statePath: String { state ?? ledger.map { $0 + ".batches.json" } ?? "claude-router-batches.json" }
}

/// `batch submit`: route every line of a JSONL workload and submit it in batches.
struct BatchSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Route a JSONL workload and submit it as Message Batches; print the batch ids.",
        discussion: """
        Each line: {"custom_id": "a-1", "prompt": "...", "task": "...", "metadata": {"user": "..."}, \
        "max_tokens": 512}, or "params": {a Messages request} instead of "prompt" (model "auto" or omitted \
        is routed). Every task must be deferrable: true in the policy. Bad lines are reported as \
        FILE:LINE: error: ... (exit 65) and nothing is submitted.
        """)

    @Option(help: ArgumentHelp("Policy file, or `default` for the bundled policy.", valueName: "file"))
    var policy: String = "default"

    @Option(help: ArgumentHelp("The workload: one JSON object per line ('-': standard input).", valueName: "file"))
    var input: String

    @OptionGroup var stateOptions: BatchStateOptions

    @Option(help: ArgumentHelp("Most requests per batch (default: the API's 100,000).", valueName: "n"))
    var maxRequests: Int = 100_000

    @Option(help: ArgumentHelp("Most request-body bytes per batch (default: the API's 256 MB).", valueName: "bytes"))
    var maxBytes: Int = 256 * 1024 * 1024

    @Flag(help: "Wait for the batches to end (polling with backoff), then record and print the results.")
    var wait = false

    @Option(help: ArgumentHelp("With --wait: write the results here as JSON lines (default: standard output).",
                               valueName: "file"))
    var output: String?

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var budget: BudgetOptions

    func run() async throws {
        // Read and check everything before any network traffic: a bad line submits nothing.
        let loaded = try Inputs.policy(policy)
        let items = try BatchWorkload.read(input, policy: loaded)
        let client = try connection.makeClient()
        defer { client.shutdown() }
        let store: any CostLedger = try await LedgerFiles.open(stateOptions.ledger)
        let book = try Inputs.prices(explicit: nil, policy: loaded)
        // Budgets in the ledger file (SQLite, PostgreSQL): the holds taken here outlive this
        // process, and `batch results` settles them from the state file.
        let router = try ModelRouter(policy: .policy(loaded), client: client, ledger: store, prices: book,
                                     options: budget.routerOptions(ledger: store))
        let submission: DeferredSubmission
        do {
            submission = try await router.submitDeferred(
                items, limits: BatchLimits(maxRequests: maxRequests, maxBytes: maxBytes))
        } catch let error as RouterError where error.code == .invalidBatch {
            try? await store.close()
            throw CLIError.data(error.message.split(separator: "\n").map { "\(Inputs.label(input)): error: \($0)" }
                .joined(separator: "\n"))
        }
        var state = try BatchStateFile.load(stateOptions.statePath)
        for batch in submission.batches {
            state.batches.append(.init(id: batch.id, policy: policy, ledger: stateOptions.ledger,
                                       submittedAt: ISO8601DateFormatter().string(from: Date()),
                                       customIDs: batch.customIDs, items: batch.items,
                                       holds: batch.holds.map(SavedBatchHold.init),
                                       baseURL: client.configuration.baseURL))
            Terminal.writeOut(batch.id + "\n")
        }
        try state.save(stateOptions.statePath)
        Terminal.writeError("submitted \(items.count - submission.unsubmitted.count) of \(items.count) requests in "
                            + "\(submission.batches.count) batch(es); state in \(stateOptions.statePath)")
        for (id, error) in submission.unsubmitted { Terminal.writeError("error: \(id): not submitted: \(error)") }
        if wait, !submission.batches.isEmpty {
            let results = try await router.collectDeferred(
                submission, polling: BatchPolling(initialDelay: .milliseconds(200), maxDelay: .seconds(60)))
            try BatchResultsCommand.write(results, order: submission.batches.flatMap(\.customIDs), to: output)
        }
        try await store.close()
        if !submission.unsubmitted.isEmpty { throw CLIError("", status: .failure) }
    }
}

/// `batch status [ID]`.
struct BatchStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a batch's processing status and request counts (every remembered batch without ID).")

    @OptionGroup var stateOptions: BatchStateOptions
    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The batch id (msgbatch_…).")
    var id: String?

    func run() async throws {
        let state = try BatchStateFile.load(stateOptions.statePath)
        let ids = id.map { [$0] } ?? state.batches.map(\.id)
        if ids.isEmpty {
            Terminal.writeOut("no batches in \(stateOptions.statePath)\n")
            return
        }
        for id in ids {
            // Each batch is asked where it was submitted (the state file remembers), unless --base-url.
            let client = try connection.makeClient(remembered: state.baseURL(of: id))
            defer { client.shutdown() }
            let batch = try await client.retrieveBatch(id: id).body
            let c = batch.requestCounts
            Terminal.writeOut("\(batch.id)  \(batch.processingStatus.rawValue)  processing \(c.processing), "
                              + "succeeded \(c.succeeded), errored \(c.errored), expired \(c.expired), "
                              + "canceled \(c.canceled)\n")
        }
    }
}
