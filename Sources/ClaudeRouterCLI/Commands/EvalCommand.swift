import ArgumentParser
import ClaudeRouterEval
import Foundation
import Router
import RouterPolicies

extension ReportFormat: ExpressibleByArgument {}

/// `claude-router eval`: runs a fixture suite under one or more policies and compares them.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run eval fixtures under one or more policies (A/B) and report pass rate, cost and significance.",
        discussion: """
        Every case runs under every --policy in the same order (a paired design). Each variant gets \
        pass rate, cost, escalation rate, tier mix and latency; every policy after the first is \
        compared with the first: relative cost saving and pass-rate difference with 95% paired \
        bootstrap intervals, and an exact McNemar test on the pass/fail pairs.
        --dry-run makes no API calls: it projects each policy's decisions and costs (input ≈ \
        characters/4, output = the case's or the task's expected_output_tokens, else max_tokens/4) and evaluates only the \
        expected_tier and max_cost_usd checks.
        Exit status: 1 when any case's checks failed under any policy, 0 otherwise.
        """)

    @Option(help: ArgumentHelp("A fixture file or a directory of *.yaml fixtures.", valueName: "path"))
    var fixtures: String

    @Option(name: .customLong("policy"), help: ArgumentHelp(
        "Policy file (repeat for an A/B test; the first is the baseline). Default: the bundled policy.", valueName: "file"))
    var policies: [String] = []

    @Option(help: ArgumentHelp("Price book (default: each policy's prices, else the bundled book).", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("Record every call in this ledger (SQLite, or JSON Lines if it ends in .jsonl).", valueName: "path"))
    var ledger: String?

    @Option(help: "Calls in flight at once.")
    var concurrency: Int = 4

    @Flag(name: .customLong("dry-run"), help: "Project decisions and costs without calling the API.")
    var dryRun = false

    @Option(help: "Output format: table, json, markdown or html.")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("Write the report to this file instead of stdout.", valueName: "file"))
    var output: String?

    @Flag(help: "Table and Markdown: add each case's prompt, every policy's answer and every attempt (JSON and HTML always have them).")
    var answers = false

    @Option(help: "Bootstrap resamples for the confidence intervals.")
    var resamples: Int = 10_000

    @Option(help: "Seed of the bootstrap's random generator (same seed, same intervals).")
    var seed: UInt64 = 0x5EED

    @Option(name: .customLong("case"), help: ArgumentHelp("Run only the case with this id (repeatable).", valueName: "id"))
    var caseIDs: [String] = []

    @Option(help: ArgumentHelp("Run only cases carrying this tag (repeatable: any of them).", valueName: "tag"))
    var tag: [String] = []

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        if !(1...64).contains(concurrency) { throw ValidationError("--concurrency must be between 1 and 64") }
        if !(100...1_000_000).contains(resamples) { throw ValidationError("--resamples must be between 100 and 1000000") }
    }

    func run() async throws {
        var suite: EvalSuite
        do {
            suite = try EvalSuite.load(path: fixtures)
        } catch {
            throw CLIError.data(error.description)
        }
        if !caseIDs.isEmpty || !tag.isEmpty {
            let known = Set(suite.cases.map(\.id))
            if let unknown = caseIDs.first(where: { !known.contains($0) }) {
                throw CLIError.data("error: no case '\(unknown)' in \(fixtures) (\(suite.cases.count) cases)")
            }
            suite.cases = suite.cases.filter { item in
                (caseIDs.isEmpty || caseIDs.contains(item.id)) && (tag.isEmpty || !Set(item.tags).isDisjoint(with: tag))
            }
            if suite.cases.isEmpty {
                throw CLIError.data("error: no case of \(fixtures) matches --tag \(tag.joined(separator: ", "))")
            }
        }
        let loaded = try (policies.isEmpty ? ["default"] : policies).map { path in (path: path, policy: try Inputs.policy(path)) }
        let names = variantNames(policyNames: loaded.map(\.policy.name), files: loaded.map(\.path))
        let bootstrap = PairedBootstrap(resamples: resamples, seed: seed)

        var runs: [VariantRun] = []
        var stop: (signal: Int32?, fatal: (any Error)?, unrecorded: [LedgerRecord]) = (nil, nil, [])
        if dryRun {
            for (index, item) in loaded.enumerated() {
                let book = try Inputs.prices(explicit: prices, policy: item.policy)
                runs.append(DryRun(prices: book).run(suite, policy: item.policy, variant: names[index], policyFile: item.path))
            }
        } else {
            // Everything that can fail for free is checked before the first paid call: the
            // report's output path, the API key, the ledger (opened, so a full disk or a bad path
            // stops here), every price book.
            if let output { try OutputCheck.writable(output) }
            let client = try connection.makeClient()
            defer { client.shutdown() }
            let store: any CostLedger = try ledger.map { try LedgerFiles.open($0, mustExist: false) } ?? InMemoryLedger()
            let control = RunControl()
            let live = LiveEval(prices: prices, concurrency: concurrency, suite: suite, policies: loaded, names: names, control: control,
                                store: store, client: client, budget: budget)
            let (result, signal) = await Interruption.run(onSignal: { control.interrupt(Interruption.name(of: $0)) }) {
                try await live.run()
            }
            var closeError: (any Error)?
            do { try await store.close() } catch { closeError = error }
            runs = try result.get()
            stop = (signal, control.fatal, control.unrecorded)
            if stop.fatal == nil, signal == nil, let closeError { throw closeError }
            if let signal {
                let ran = runs.flatMap(\.outcomes).filter { !($0.failures.first?.hasPrefix("not run:") ?? false) }.count
                Terminal.writeError("interrupted by \(Interruption.name(of: signal)): \(ran) of "
                    + "\(suite.cases.count * loaded.count) cases ran; calls in flight were cancelled and recorded; "
                    + "the report below is partial")
            } else if let fatal = stop.fatal {
                let message = CLIError.mapping(fatal)?.message ?? "error: \(LiveRun.describe(fatal))"
                Terminal.writeError("\(message) (the run stopped: no further calls were made; the report is partial)")
            }
        }
        var report = EvalReport(suite: suite.name, dryRun: dryRun, runs: runs, bootstrap: bootstrap)
        report.toolVersion = ClaudeRouterCommand.configuration.version
        report.answersSource = connection.baseURL ?? ProcessInfo.processInfo.environment["ANTHROPIC_BASE_URL"]
            ?? "https://api.anthropic.com"
        let text = try report.rendered(as: format, answers: answers)
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                throw CLIError("error: cannot write '\(output)': \(error.localizedDescription)", status: .failure)
            }
            Terminal.writeError("wrote \(format.rawValue) report to \(output)")
            if format != .table, let line = report.comparisons.first?.verdict { Terminal.writeError(line) }
        } else {
            Terminal.writeOut(text)
        }
        for record in stop.unrecorded {
            UnrecordedUsage.print(record)
        }
        if let signal = stop.signal { throw CLIError.interrupted(by: signal) }
        if let fatal = stop.fatal {
            let mapped = CLIError.mapping(fatal) ?? CLIError("error: \(LiveRun.describe(fatal))", status: .failure)
            throw CLIError("", status: mapped.status)
        }
        if report.anyCheckFailed { throw CLIError("", status: .checksFailed) }
    }
}
