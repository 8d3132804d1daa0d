import ClaudeClient
import ClaudeRouterEval
import Foundation
import Router
import RouterPolicies

/// `calibrate --fixtures` (outcomes made by running eval cases on every tier) and the report.
extension CalibrateCommand {
    /// Runs every case of the fixtures on every tier (`TierSweep`), says what passed where on
    /// stderr, writes `--save-outcomes` when given, and returns the lines parsed back as outcome
    /// records — the same path a later `--outcomes` run takes.
    func outcomesFromFixtures(_ path: String, policy: Policy) async throws -> [OutcomeRecord] {
        let suite: EvalSuite
        do {
            suite = try EvalSuite.load(path: path)
        } catch {
            throw CLIError.data(error.description)
        }
        let misspelt = suite.unknownPolicyNames([policy])
        if !misspelt.isEmpty { throw CLIError.data(PolicyError(diagnostics: misspelt).description) }
        let client = try connection.makeClient()
        defer { client.shutdown() }
        let store: any CostLedger = try await LedgerFiles.open(ledger)
        let tiers = policy.tiers.map(\.name)
        let calls = suite.cases.count * tiers.count
        let progress = Terminal.stderrIsTTY ? ProgressBar(total: calls) : nil
        let clock = ContinuousClock()
        let started = clock.now
        let results: [TierSweep.CaseResult]
        let control = RunControl()
        do {
            // Budgets hold across processes (a SQLite ledger) and start from the ledger's spend.
            let router = try ModelRouter(policy: .policy(policy), client: client, ledger: store,
                                         prices: try Inputs.prices(explicit: prices, policy: policy),
                                         options: budget.routerOptions(ledger: store))
            try await router.restoreBudgets()
            var onProgress: (@Sendable (Int, Int) -> Void)?
            if let progress { onProgress = { done, _ in progress.update(done, label: "calls") } }
            let sweep = TierSweep(concurrency: concurrency, progress: onProgress)
            // SIGINT/SIGTERM: no new call starts; calls in flight are cancelled and recorded.
            let (result, signal) = await Interruption.run(onSignal: { control.interrupt(Interruption.name(of: $0)) }) {
                try await sweep.run(suite, router: router, policy: policy, control: control)
            }
            progress?.finish()
            var closeError: (any Error)?
            do { try await store.close() } catch { closeError = error }
            for record in control.unrecorded { UnrecordedUsage.print(record) }
            if let signal {
                Terminal.writeError("interrupted by \(Interruption.name(of: signal)): calls in flight were cancelled "
                    + "and recorded; no outcomes or policy were written")
                throw CLIError.interrupted(by: signal)
            }
            results = try result.get()
            if let closeError { throw closeError }
        } catch {
            progress?.finish()
            try? await store.close()
            throw error
        }
        let seconds = Double((clock.now - started) / .milliseconds(1)) / 1000

        let lines = results.compactMap { TierSweep.outcomeLine($0, tiers: tiers) }
        let failed = results.flatMap { result in result.errors.sorted { $0.key < $1.key }.map { "\(result.item.id) on \($0.key): \($0.value)" } }
        let passes = tiers.map { tier in "\(tier) \(results.filter { $0.passed[tier] == true }.count)/\(results.count)" }
        var summary = "ran \(suite.cases.count) cases on \(tiers.count) tiers (\(calls) calls) in "
            + String(format: "%.1f", seconds) + " s; passed: " + passes.joined(separator: ", ")
        if !failed.isEmpty {
            summary += "\n\(failed.count) calls failed (their tier is unknown for that case): "
                + failed.prefix(3).joined(separator: "; ") + (failed.count > 3 ? "; …" : "")
        }
        Terminal.writeError(summary)
        let text = lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        if let saveOutcomes {
            guard FileManager.default.createFile(atPath: saveOutcomes, contents: Data(text.utf8)) else {
                throw CLIError("error: cannot write '\(saveOutcomes)'", status: .failure)
            }
            Terminal.writeError("wrote \(lines.count) outcome lines to \(saveOutcomes)")
        }
        return try wrap { () throws(OutcomesError) in
            try OutcomesFile.parse(Array(text.utf8), file: saveOutcomes ?? path, tiers: tiers)
        }
    }

    /// Fails when the written policy's thresholds differ from the ones chosen (a base-policy
    /// layout the text edit does not handle), rather than leaving a silently different policy.
    static func verify(_ written: Policy, against chosen: Policy, path: String) throws {
        func same(_ a: [String: Double]?, _ b: [String: Double]?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return a.keys.sorted() == b.keys.sorted() && a.allSatisfy { abs($0.value - b[$0.key]!) < 1e-9 }
        }
        var problems: [String] = []
        if !same(written.thresholds, chosen.thresholds) { problems.append("global thresholds") }
        for task in chosen.tasks.keys.sorted() where !same(written.tasks[task]?.thresholds, chosen.tasks[task]?.thresholds) {
            problems.append("thresholds of task \(task)")
        }
        guard problems.isEmpty else {
            throw CLIError("error: \(path): the written policy does not carry the chosen " + problems.joined(separator: ", ")
                           + " (the base policy's layout of `tasks:` is not one calibrate can edit; write each task "
                           + "on one line or as a block mapping)", status: .failure)
        }
    }

    func printSummary(result: CalibrationResult, report: CalibrationReport, output: String, sidecarPath: String,
                      json: String, trainingRows: Int, heldRows: Int) throws {
        let tiers = result.model.tiers
        func named(_ thresholds: [Double?]) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: zip(tiers, thresholds).compactMap { pair in pair.1.map { (pair.0, $0) } })
        }
        func listed(_ thresholds: [Double?]) -> String {
            zip(tiers, thresholds).map { "\($0.0) \($0.1.map { String($0) } ?? "never")" }.joined(separator: ", ")
        }
        switch format {
        case .json:
            let summary = Summary(policy: output, model: sidecarPath, lambda: result.lambda,
                                  crossValidatedAPGR: result.crossValidatedAPGR.map { CVEntry(lambda: $0.lambda, apgr: $0.apgr) },
                                  thresholds: named(result.thresholds),
                                  taskThresholds: result.tasks.map { fit in
                                      TaskEntry(task: fit.task, rows: fit.rows, thresholds: fit.thresholds.map(named),
                                                crossValidatedPassRate: fit.crossValidatedPassRate,
                                                crossValidatedCostPerCallUSD: fit.crossValidatedCostPerCall.map(Self.usd),
                                                note: fit.note)
                                  },
                                  trainingRows: trainingRows, heldOutRows: heldRows,
                                  trainingPassRate: result.trainingEstimate.passRate,
                                  trainingCostPerCallUSD: Self.usd(result.trainingEstimate.costPerCall),
                                  report: ReportJSON(report))
            // The project's one JSON style (docs/CLI.md): snake_case keys (the property names
            // below, converted), money as decimal-dollar strings, a schema_version.
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Terminal.writeOut(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n")
        default:
            var text = "wrote \(output) and \(sidecarPath) (\(result.model.ngramBuckets.count) n-gram weights, \(json.utf8.count) bytes)\n"
            text += "trained on \(trainingRows) lines (\(result.completeRows) with every tier); λ \(result.lambda) by \(folds)-fold CV "
            text += "(out-of-fold APGR " + result.crossValidatedAPGR.map { "\($0.lambda): \($0.apgr.map { String(format: "%.3f", $0) } ?? "–")" }.joined(separator: ", ") + ")\n"
            text += "thresholds: " + listed(result.thresholds)
            text += String(format: " — out-of-fold pass rate %.1f%%, $%.6f per call\n", result.trainingEstimate.passRate * 100,
                           result.trainingEstimate.costPerCall)
            if !result.tasks.isEmpty {
                text += "per task (own thresholds need ≥ \(minTaskRows) rows with every tier's outcome):\n"
                var table = TextTable(headers: [])
                for fit in result.tasks {
                    var detail = fit.note
                    if let own = fit.thresholds { detail = "own: " + listed(own) }
                    if let pass = fit.crossValidatedPassRate, let cost = fit.crossValidatedCostPerCall {
                        detail += String(format: " (cross-validated pass rate %.1f%%, $%.6f per call)", pass * 100, cost)
                    }
                    table.append(["  \(fit.task)", "\(fit.rows) rows", detail])
                }
                text += table.rendered + (table.rendered.hasSuffix("\n") ? "" : "\n")
            }
            text += "\nheld-out report (\(report.rows) lines with every tier's outcome):\n" + report.table
            Terminal.writeOut(text)
        }
    }

    struct CVEntry: Encodable { var lambda: Double; var apgr: Double? }

    struct TaskEntry: Encodable {
        var task: String
        var rows: Int
        var thresholds: [String: Double]?
        var crossValidatedPassRate: Double?
        var crossValidatedCostPerCallUSD: String?
        var note: String
    }

    /// A mean cost per call (USD, a binary estimate) as a decimal-dollar string rounded to the
    /// picodollar, the unit every other amount is kept in.
    static func usd(_ value: Double) -> String {
        USDAmount(picodollars: Int64((value * 1e12).rounded())).exactDecimal
    }

    /// `CalibrationReport` with each routing's mean cost as a decimal-dollar string.
    struct ReportJSON: Encodable {
        struct Routing: Encodable {
            var name: String
            var passRate: Double
            var costPerCallUSD: String
            var tierShares: [Double]
            var apgr: Double?
            var strongShareFor95: Double?
            var pgr: Double?
        }
        var tiers: [String]
        var rows: Int
        var summaries: [Routing]
        var passRateDifference: Estimate?
        var relativeSaving: Estimate?
        var mcnemar: McNemarTest
        var verdict: String

        init(_ report: CalibrationReport) {
            tiers = report.tiers
            rows = report.rows
            summaries = report.summaries.map {
                Routing(name: $0.name, passRate: $0.passRate, costPerCallUSD: CalibrateCommand.usd($0.costPerCall),
                        tierShares: $0.tierShares, apgr: $0.apgr, strongShareFor95: $0.strongShareFor95, pgr: $0.pgr)
            }
            passRateDifference = report.passRateDifference
            relativeSaving = report.relativeSaving
            mcnemar = report.mcnemar
            verdict = report.verdict
        }
    }

    struct Summary: Encodable {
        var schemaVersion = 1
        var policy: String
        var model: String
        var lambda: Double
        var crossValidatedAPGR: [CVEntry]
        var thresholds: [String: Double]
        var taskThresholds: [TaskEntry]
        var trainingRows: Int
        var heldOutRows: Int
        var trainingPassRate: Double
        var trainingCostPerCallUSD: String
        var report: ReportJSON
    }
}
