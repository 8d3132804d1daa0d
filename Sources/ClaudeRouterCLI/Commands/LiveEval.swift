import ClaudeClient
import ClaudeRouterEval
import Foundation
import Synchronization
import Router
import RouterPolicies

/// Runs a suite against the API through one ModelRouter per policy, sharing one client and ledger.
struct LiveEval {
    var command: EvalCommand
    var suite: EvalSuite
    var policies: [(path: String, policy: Policy)]
    var names: [String]

    func run() async throws -> [VariantRun] {
        let client = try command.connection.makeClient()
        defer { client.shutdown() }
        let store: any CostLedger = try command.ledger.map { try LedgerFiles.open($0, mustExist: false) } ?? InMemoryLedger()
        let progress = Terminal.stderrIsTTY ? ProgressBar(total: suite.cases.count * policies.count) : nil
        var runs: [VariantRun] = []
        do {
            for (index, item) in policies.enumerated() {
                let book = try Inputs.prices(explicit: command.prices, policy: item.policy)
                // Budgets in the base ledger (shared with every other process using it), and
                // starting from its spend: the tagging wrapper would hide that it is SQLite.
                let router = try ModelRouter(policy: .policy(item.policy), client: client,
                                             ledger: VariantTaggingLedger(base: store, variant: names[index]), prices: book,
                                             options: command.budget.routerOptions(ledger: store))
                try await router.restoreBudgets()
                let offset = index * suite.cases.count
                let label = names[index]
                var onProgress: (@Sendable (Int, Int) -> Void)?
                if let progress {
                    onProgress = { done, _ in progress.update(offset + done, label: label) }
                }
                let live = LiveRun(concurrency: command.concurrency, progress: onProgress)
                runs.append(try await live.run(suite, router: router, variant: names[index], policyFile: item.path))
            }
        } catch {
            progress?.finish()
            try? await store.close()
            throw error
        }
        progress?.finish()
        try await store.close()
        return runs
    }
}

/// A one-line progress bar redrawn in place on stderr (only used when stderr is a terminal).
/// Draws happen inside the lock so that concurrent updates never interleave on the terminal.
final class ProgressBar: Sendable {
    private let total: Int
    /// The `done` count last drawn.
    private let lastDrawn = Mutex(-1)

    init(total: Int) { self.total = max(total, 1) }

    func update(_ done: Int, label: String) {
        lastDrawn.withLock { lastDrawn in
            guard done != lastDrawn else { return }
            lastDrawn = done
            let width = 30
            let filled = min(width, done * width / total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            Terminal.writeRaw("\r\u{1B}[2K\(bar) \(done)/\(total) \(label)")
        }
    }

    func finish() {
        lastDrawn.withLock { _ in Terminal.writeRaw("\r\u{1B}[2K") }
    }
}
