import ArgumentParser
import ClaudeRouterEval
import Foundation
import Router
import RouterPostgres
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

    @Option(help: ArgumentHelp("A fixture file, a directory of *.yaml fixtures, or '-' for YAML on standard input.", valueName: "path"))
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

    @Option(help: "Output format: table, json, markdown, html or csv (one row per case and policy).")
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

    @Option(name: .customLong("progress-interval"), help: ArgumentHelp(
        "When stderr is not a terminal, print a plain progress line at most every N seconds (0: none; on a terminal one line is redrawn after every case).",
        valueName: "seconds"))
    var progressInterval: Double = 10

    @Option(help: ArgumentHelp(
        "Result cache (SQLite). Default: LEDGER.eval-cache.sqlite beside --ledger; none without --ledger.", valueName: "path"))
    var cache: String?

    @Flag(name: .customLong("no-cache"), help: "Neither reuse nor store results: every case is called.")
    var noCache = false

    @Flag(help: "Finish the last run of the same cases and policies, which was interrupted: its finished cases come from the cache, only the rest are called. Fails when that run finished or there is none.")
    var resume = false

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        if !(1...64).contains(concurrency) { throw ValidationError("--concurrency must be between 1 and 64") }
        if !(100...1_000_000).contains(resamples) { throw ValidationError("--resamples must be between 100 and 1000000") }
        if noCache && (resume || cache != nil) { throw ValidationError("--no-cache cannot be combined with --resume or --cache") }
        if dryRun && resume { throw ValidationError("--resume finishes a live run; a dry run makes no calls") }
        if !(0...86_400).contains(progressInterval) { throw ValidationError("--progress-interval must be between 0 and 86400 seconds") }
    }

    func run() async throws {
        var suite: EvalSuite
        do {
            suite = fixtures == "-" ? try EvalSuite.parse(yaml: Inputs.standardInput(), file: Inputs.stdinLabel)
                : try EvalSuite.load(path: fixtures)
        } catch let error as CLIError {
            throw error
        } catch let error as PolicyError {
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
        try checkJudgeTiers(suite, policy: loaded[0].policy)
        let misspelt = suite.unknownPolicyNames(loaded.map(\.policy))
        if !misspelt.isEmpty { throw CLIError.data(PolicyError(diagnostics: misspelt).description) }
        let names = variantNames(policyNames: loaded.map(\.policy.name), files: loaded.map(\.path))
        let bootstrap = PairedBootstrap(resamples: resamples, seed: seed)

        var runs: [VariantRun] = []
        let source = connection.baseURL ?? ProcessInfo.processInfo.environment["ANTHROPIC_BASE_URL"] ?? "https://api.anthropic.com"
        var resultCache: EvalResultCache?
        var runID: String?
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
            let store: any CostLedger = try await LedgerFiles.open(ledger)
            let control = RunControl()
            resultCache = try openCache()
            var bindings: [EvalCacheBinding]?
            if let resultCache {
                let made = try loaded.map { item in
                    EvalCacheBinding(cache: resultCache, policyHash: item.policy.contentHash,
                                     pricesIdentity: try pricesIdentity(item.policy), answersSource: source)
                }
                bindings = made
                let fingerprint = EvalCacheBinding.fingerprint(made.flatMap { binding in suite.cases.map { binding.key(for: $0) } })
                if resume { try checkResumable(resultCache, fingerprint: fingerprint) }
                runID = resultCache.beginRun(fingerprint: fingerprint, cases: suite.cases.count * loaded.count)
            }
            let live = LiveEval(prices: prices, concurrency: concurrency, suite: suite, policies: loaded, names: names, control: control,
                                store: store, client: client, budget: budget, cacheBindings: bindings,
                                progressInterval: progressInterval > 0 ? .milliseconds(Int64(progressInterval * 1000)) : nil)
            let (result, signal) = await Interruption.run(onSignal: { control.interrupt(Interruption.name(of: $0)) }) {
                try await live.run()
            }
            var closeError: (any Error)?
            do { try await store.close() } catch { closeError = error }
            runs = try result.get()
            stop = (signal, control.fatal, control.unrecorded)
            if let resultCache, let runID, signal == nil, control.fatal == nil { resultCache.finishRun(runID) }
            if let resultCache, resultCache.writeFailures > 0 {
                Terminal.writeError("warning: \(resultCache.writeFailures) writes to the eval cache '\(resultCache.path)' failed; "
                    + "those results will be called again next time")
            }
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
        report.answersSource = dryRun ? "none (dry run: no calls were made)" : source
        report.cachePath = resultCache?.path ?? ""
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

    /// The cache file to use: `--cache`, else beside `--ledger`; nil with `--no-cache` or neither.
    var cachePath: String? {
        guard !noCache else { return nil }
        // A PostgreSQL ledger has no directory to put the cache beside: give --cache.
        return cache ?? ledger.flatMap { PostgresURL.isPostgresURL($0) ? nil : $0 + ".eval-cache.sqlite" }
    }

    /// Opens the result cache. An explicit `--cache` that cannot be opened is an error; the
    /// default one beside the ledger only warns (the run goes on uncached).
    func openCache() throws -> EvalResultCache? {
        guard let path = cachePath else {
            if resume { throw CLIError.usage("--resume needs the result cache: give --cache PATH or --ledger PATH") }
            return nil
        }
        do {
            return try EvalResultCache(path: path)
        } catch {
            if cache != nil || resume { throw CLIError("\(error.description)", status: .failure) }
            Terminal.writeError("warning: \(error.description); running without the result cache")
            return nil
        }
    }

    /// What identifies the price book in cache keys: the file's SHA-256, or the bundled book
    /// of this tool version.
    func pricesIdentity(_ policy: Policy) throws -> String {
        guard let path = prices ?? policy.pricesFile else { return "bundled:" + ClaudeRouterCommand.configuration.version }
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        return "file:" + SHA256.hex(of: Array(data))
    }

    /// `--resume` only continues a run that did not finish; anything else is refused before any call.
    func checkResumable(_ cache: EvalResultCache, fingerprint: String) throws {
        guard let last = cache.latestRun(fingerprint: fingerprint) else {
            throw CLIError.data("error: nothing to resume: the cache '\(cache.path)' has no run of these cases under these policies")
        }
        if last.finished {
            throw CLIError.data("error: nothing to resume: the last run of these cases under these policies (started \(last.startedAt)) "
                + "finished; run again without --resume (unchanged cases still come from the cache)")
        }
        Terminal.writeError("resuming the run started \(last.startedAt): finished cases come from the cache '\(cache.path)'")
    }

    /// Every `judge` check must name a tier (or the suite must) that the first policy has,
    /// checked before any call.
    func checkJudgeTiers(_ suite: EvalSuite, policy: Policy) throws {
        let (tiers, missing) = suite.judgeTiers
        if let check = missing.first {
            throw CLIError.data("\(check.mark): error: this judge check names no tier, and the suite sets no 'judge: {tier: …}'")
        }
        let known = Set(policy.tiers.map(\.name))
        if let unknown = tiers.sorted().first(where: { !known.contains($0) }) {
            throw CLIError.data("error: judge tier '\(unknown)' is not a tier of policy '\(policy.name)' "
                + "(tiers: \(policy.tiers.map(\.name).joined(separator: ", ")))")
        }
    }
}
