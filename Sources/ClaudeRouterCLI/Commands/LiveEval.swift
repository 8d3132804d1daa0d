import ClaudeClient
import ClaudeRouterEval
import Foundation
import Synchronization
import Router
import RouterPolicies

/// Runs a suite against the API through one ModelRouter per policy, sharing one client and ledger.
///
/// Never throws once calls have started: a fatal error (see `LiveRun.isFatal`) or an
/// interruption stops new calls, and every variant still gets a run (cases not started are
/// "not run") so that a report can always be written. `control` says why it stopped.
struct LiveEval: Sendable {
    /// `--prices`, `--concurrency`.
    var prices: String?
    var concurrency: Int
    var suite: EvalSuite
    var policies: [(path: String, policy: Policy)]
    var names: [String]
    var control: RunControl
    /// The ledger, opened (and so checked) before the first call.
    var store: any CostLedger
    var client: AnthropicClient
    /// `--budget-wait`, `--budget-expiry`: budgets live in the base ledger when it can hold them.
    var budget: BudgetOptions
    /// One result-cache binding per policy (nil: no cache).
    var cacheBindings: [EvalCacheBinding]?
    /// `--progress-interval`: plain progress lines when stderr is not a terminal (nil: none).
    var progressInterval: Duration?

    func run() async throws -> [VariantRun] {
        let progress = EvalProgress(total: suite.cases.count * policies.count, live: Terminal.stderrIsTTY,
                                    interval: progressInterval)
        // Every price book and router is built before the first call, so bad input fails free.
        // Budgets in the base ledger (shared with every other process using it), and starting
        // from its spend: the tagging wrapper would hide that it is SQLite.
        let routers = try policies.enumerated().map { index, item in
            try ModelRouter(policy: .policy(item.policy), client: client,
                            ledger: VariantTaggingLedger(base: store, variant: names[index]),
                            prices: try Inputs.prices(explicit: prices, policy: item.policy),
                            options: budget.routerOptions(ledger: store))
        }
        for router in routers { try await router.restoreBudgets() }
        // Judge checks grade with the first policy's tiers, recorded as variant `eval-judge`
        // with task `eval_judge`, so the ledger keeps their cost apart from every variant's.
        var judge: EvalJudge?
        if let first = policies.first, suite.cases.contains(where: { $0.checks.contains { if case .judge = $0.check { true } else { false } } }) {
            let router = try ModelRouter(policy: .policy(first.policy), client: client,
                                         ledger: VariantTaggingLedger(base: store, variant: "eval-judge"),
                                         prices: try Inputs.prices(explicit: prices, policy: first.policy),
                                         options: budget.routerOptions(ledger: store))
            try await router.restoreBudgets()
            judge = EvalJudge(router: router, models: Dictionary(first.policy.tiers.map { ($0.name, $0.model) }) { a, _ in a },
                              cache: cacheBindings?.first)
        }
        // Policies run side by side when --concurrency allows at least one call each: the limit
        // is split between them (the first ones get the remainder), so no more than
        // `concurrency` calls are in flight in all. Below that they run one after another, each
        // with the whole limit.
        let parallel = policies.count > 1 && concurrency >= policies.count
        let shares = policies.indices.map { index in
            parallel ? concurrency / policies.count + (index < concurrency % policies.count ? 1 : 0) : concurrency
        }
        let sharedJudge = judge
        let variant = { @Sendable (index: Int) async -> VariantRun in
            let item = policies[index]
            if let reason = control.stopReason ?? (Task.isCancelled ? "interrupted" : nil) {
                return VariantRun(name: names[index], policyFile: item.path, outcomes: suite.cases.map {
                    CaseOutcome(caseID: $0.id, variant: names[index], task: $0.task ?? "", passed: false,
                                failures: ["not run: \(reason)"])
                }, policyName: item.policy.name, policyHash: item.policy.contentHash)
            }
            let label = names[index]
            var live = LiveRun(concurrency: shares[index], onOutcome: { progress.finished($0, label: label) })
            live.cache = cacheBindings?[index]
            live.judge = sharedJudge
            return await live.run(suite, router: routers[index], variant: names[index], policyFile: item.path,
                                  policy: item.policy, control: control)
        }
        var runs: [VariantRun] = []
        if parallel {
            runs = await withTaskGroup(of: (Int, VariantRun).self) { group in
                for index in policies.indices { group.addTask { (index, await variant(index)) } }
                var finished: [(Int, VariantRun)] = []
                for await result in group { finished.append(result) }
                return finished.sorted { $0.0 < $1.0 }.map(\.1)
            }
        } else {
            for index in policies.indices { runs.append(await variant(index)) }
        }
        progress.finish()
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
