import ArgumentParser
import ClaudeClient
import ClaudeMockServer
import ClaudeRouterEval
import Foundation
import Router
import RouterPostgres
import RouterPolicies

/// `claude-router demo`: the whole tour offline, against a local mock.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Route a sample workload through a LOCAL MOCK of the API, then report cost, savings and an A/B dry run.",
        discussion: """
        No API key and no network needed: the demo starts the bundled mock of the Anthropic API on a \
        free loopback port, sends a built-in workload through the router with real HTTP calls, writes \
        a SQLite ledger in a temporary directory and reports from it (--ledger PATH keeps it; a PATH \
        ending in .jsonl is a JSON Lines ledger). The default policy and the price book are built into \
        the binary.
        """)

    @Option(help: ArgumentHelp("Keep the ledger at this path instead of a temporary directory (SQLite, or JSON Lines for *.jsonl).", valueName: "path"))
    var ledger: String?

    func validate() throws {
        // The demo's records are priced from a mock's replies: they have no place in a shared
        // (fleet) ledger, and its output would print the URL.
        if let ledger, PostgresURL.isPostgresURL(ledger) {
            throw ValidationError("demo --ledger takes a file (SQLite, or JSON Lines for *.jsonl), not a PostgreSQL URL: "
                + "the demo's mock-priced records do not belong in a shared ledger")
        }
    }

    func run() async throws {
        let server = MockAnthropicServer(configuration: .init(host: "127.0.0.1", port: 0))
        do {
            try await server.start()
        } catch {
            throw CLIError("error: cannot start the local mock server: \(error)", status: .failure)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("claude-router-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try await tour(server: server, directory: directory)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// How this binary was invoked (e.g. `.build/release/claude-router`), for the closing hints.
    var binary: String { CommandLine.arguments.first.map { $0.contains("/") ? $0 : "claude-router" } ?? "claude-router" }

    func tour(server: MockAnthropicServer, directory: URL) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ledgerPath = ledger ?? directory.appendingPathComponent("ledger.sqlite").path
        let policy = try BundledPolicies.defaultPolicy()
        let prices = PriceBook.bundledDefault
        say("""
        claude-router demo
        ==================
        Answers in this demo come from a LOCAL MOCK of the Anthropic API at \(server.baseURL) — not from Claude.
        Costs are computed exactly as for real calls, from the token usage the mock reports and the bundled price book.

        1. Routing \(DemoWorkload.items.count) requests with the bundled default policy (baseline tier: \(policy.baselineTier))

        """)
        let client = AnthropicClient(configuration: .init(apiKey: "mock-key", baseURL: server.baseURL))
        defer { client.shutdown() }
        // The same ledger argument as every other command: a `.jsonl` path is JSON Lines, a
        // `postgres://` URL PostgreSQL, anything else SQLite.
        let store = try await LedgerFiles.open(ledgerPath, mustExist: false)
        let router = try ModelRouter(policy: .policy(policy), client: client, ledger: store, prices: prices)
        var table = TextTable(headers: ["request", "task", "tier", "attempts", "cost", "baseline", "saved"],
                              alignments: [.left, .left, .left, .right, .right, .right, .right])
        var sampleReply: String?
        // A kept ledger may hold earlier runs: the report below covers this run's records.
        let started = Date()
        for item in DemoWorkload.items {
            let request = MessageRequest(model: "auto", maxTokens: 0, messages: [.user(item.prompt)])
            let response = try await router.send(request, options: CallOptions(task: item.task, metadata: ["user": item.user],
                                                                         checks: item.requiresJSON ? [.jsonValid] : []))
            if sampleReply == nil { sampleReply = response.message.text }
            let path = response.attempts.map(\.decision.tier).joined(separator: " → ")
            let saved = response.savings.map { $0.formatted() } ?? "–"
            table.append([item.id, response.decision.task, path, "\(response.attempts.count)",
                          response.unpricedAttempts > 0 ? "unpriced" : response.totalCost.formatted(),
                          response.baselineCost?.formatted() ?? "–", saved])
        }
        try await store.flush()
        say(table.rendered)
        if let sampleReply {
            let shown = sampleReply.count > 110 ? sampleReply.prefix(110) + "…" : sampleReply
            say("\nThe first reply, from the mock: \"\(shown)\"")
        }

        let records = try await store.records(LedgerQuery(since: started))
        let live = try LedgerReport.aggregate(records, by: .all).first
        try await store.close()
        say("\n2. Cost report from the ledger (\(ledgerPath)), by tier\n")
        say(ReportRendering.table(rows: try LedgerReport.aggregate(records, by: .tier), total: live, by: "tier", ledger: ledgerPath))
        if let total = live {
            let percent = total.savingsPercent.map { Verdict.percent($0 / 100) } ?? "n/a"
            say("Routed cost \(ReportRendering.cost(total)) vs \(total.baselineCost.formatted()) if every call had gone to the baseline tier (\(policy.baselineTier)): saved \(total.savings?.formatted() ?? "n/a") (\(percent)). Escalated calls: \(total.escalatedCalls) of \(total.logicalCalls).")
        }

        say("\n3. A/B dry run (no calls): default policy vs an alternative, on the same workload\n")
        let (alternative, alternativeFile) = try alternativePolicy(default: policy)
        let suite = DemoWorkload.suite
        let dry = DryRun(prices: prices)
        let names = variantNames(policyNames: [policy.name, alternative.name], files: ["<bundled default>", alternativeFile])
        let runs = [dry.run(suite, policy: policy, variant: names[0], policyFile: "<bundled default>"),
                    dry.run(suite, policy: alternative, variant: names[1], policyFile: alternativeFile)]
        say(EvalReport(suite: suite.name, dryRun: true, runs: runs).tableText)
        if let live {
            // The two figures for the same workload and policy differ by design; say by how much and why.
            let projected = runs[0].outcomes.compactMap(\.cost).reduce(USDAmount.zero, +)
            let projectedOutput = runs[0].outcomes.compactMap(\.outputTokens).reduce(0, +)
            let projectedInput = runs[0].outcomes.compactMap(\.inputTokens).reduce(0, +)
            say("""
            Why the dry run's cost for '\(names[0])' (\(projected.formatted())) differs from the live run's in section 2 \
            (\(ReportRendering.cost(live))): the dry run makes no call, so it projects each reply at the task's typical \
            length (the policy's expected_output_tokens, else a quarter of max_tokens): \(projectedOutput) output tokens \
            in all, against the \(live.tokens.output) the mock's short replies actually used (plus \(live.escalatedCalls) \
            escalated call(s) the dry run cannot foresee); input is projected as characters / 4 (\(projectedInput) tokens, \
            against \(live.tokens.input) counted). Use dry runs to compare policies, live runs and `report` for what you spend.

            """)
        }

        if ledger != nil {
            say("This demo's ledger as a page with charts: \(binary) report --ledger \(ledgerPath) --format html > report.html")
        }
        say("""
        Everything above ran against a LOCAL MOCK: the replies are placeholders, the routing, costs, ledger and statistics are real.
        To run for real (\(binary) is the binary this demo ran; \(ledger == nil ? "this demo's ledger was temporary: keep one with --ledger PATH" : "the ledger is kept at \(ledgerPath)")):
          export ANTHROPIC_API_KEY=sk-ant-…
          \(binary) send --policy default --ledger ledger.sqlite "Summarize the key points of …"
          \(binary) eval --fixtures evals/ --policy policies/default.yaml --policy policies/examples/ab-alternative.yaml
          \(binary) report --ledger ledger.sqlite --by task
        """)
    }

    /// policies/examples/ab-alternative.yaml when it can be found (working directory or next to
    /// the package the binary was built in), else a cheaper variant of the default built here.
    func alternativePolicy(default policy: Policy) throws -> (Policy, String) {
        let relative = "policies/examples/ab-alternative.yaml"
        var candidates = [relative]
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(relative).path)
            directory = directory.deletingLastPathComponent()
        }
        if let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return (try Inputs.policy(file), file)
        }
        var thrifty = policy
        thrifty.name = "thrifty"
        thrifty.defaultTier = policy.tiers.first?.name ?? policy.defaultTier
        for key in thrifty.thresholds.keys { thrifty.thresholds[key] = min(1, (thrifty.thresholds[key] ?? 0) + 0.15) }
        return (thrifty, "<built-in: default with higher thresholds>")
    }

    func say(_ text: String) { Terminal.writeOut(text.hasSuffix("\n") ? text : text + "\n") }
}
