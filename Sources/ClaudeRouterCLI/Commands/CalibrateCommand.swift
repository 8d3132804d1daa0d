import ArgumentParser
import ClaudeRouterEval
import Foundation
import RouterPolicies

/// `claude-router calibrate`: train the learned difficulty score on outcomes and choose thresholds.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Train a learned difficulty score on per-tier outcomes and write a calibrated policy.",
        discussion: """
        Reads --outcomes (JSON Lines: {"prompt": …, "passed": {"haiku": false, "opus": true}, …}; see \
        docs/CALIBRATION.md), or makes them with --fixtures PATH: every eval case runs on every tier of \
        the policy against the API (or the mock: --base-url), its checks decide each tier's pass, and \
        --save-outcomes F keeps the lines (with each tier's real cost) for a later --outcomes run. \
        Trains one logistic regression per tier, picks λ and thresholds by k-fold cross-validation on the \
        training rows — per task where a task has --min-task-rows rows with every tier's outcome — and \
        writes OUT.yaml (the base policy, named NAME-calibrated or --name, plus a `scorer:` block and new \
        thresholds) and its sidecar OUT.scorer.json. Prints a report on held-out rows (--holdout \
        FRACTION of the outcomes, or --holdout-outcomes F).
        Conversion mode: --from-dev-data DEV.jsonl --split train --save-outcomes F writes outcome lines \
        from the routing development data and exits.
        Exit codes: 0 written, 2 usage, 3 target unreachable (says what is reachable), 65 bad input, \
        69 API unreachable, 77 no API key (--fixtures).
        """)

    @Option(help: ArgumentHelp("Base policy file (`default` for the bundled policy).", valueName: "file"))
    var policy: String = "default"

    @Option(help: ArgumentHelp("Outcomes file (JSON Lines).", valueName: "file"))
    var outcomes: String?

    @Option(help: ArgumentHelp("Make the outcomes by running these eval fixtures (a file or a directory) on every tier.",
                               valueName: "path"))
    var fixtures: String?

    @Option(help: ArgumentHelp("With --fixtures: record every call in this ledger (SQLite, or JSON Lines if .jsonl).",
                               valueName: "path"))
    var ledger: String?

    @Option(help: "With --fixtures: calls in flight at once.")
    var concurrency: Int = 4

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var budget: BudgetOptions

    @Option(help: ArgumentHelp("The written policy's name (default: the base policy's name + '-calibrated').", valueName: "name"))
    var name: String?

    @Option(name: .customLong("min-task-rows"),
            help: ArgumentHelp("Rows with every tier's outcome a task needs for its own thresholds.", valueName: "N"))
    var minTaskRows: Int = TaskThresholdFit.defaultMinimumRows

    @Option(name: .customLong("target-pass-rate"), help: ArgumentHelp("Absolute pass rate to reach, 0…1.", valueName: "R"))
    var targetPassRate: Double?

    @Option(name: .customLong("target-quality-ratio"),
            help: ArgumentHelp("Reach Q × the top tier's pass rate (0.95 = 95% of top-tier quality).", valueName: "Q"))
    var targetQualityRatio: Double?

    @Option(name: .customLong("max-cost-per-call-usd"), help: ArgumentHelp("Best pass rate at most this mean cost per call.", valueName: "X"))
    var maxCostPerCall: Double?

    @Option(help: ArgumentHelp("Output policy path; the sidecar goes next to it.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Fraction of outcome lines held out for the report (0…0.9).", valueName: "fraction"))
    var holdout: Double = 0.2

    @Option(name: .customLong("holdout-outcomes"), help: ArgumentHelp("Held-out outcomes file (replaces --holdout).", valueName: "file"))
    var holdoutOutcomes: String?

    @Option(help: "Seed of the held-out split and the cross-validation folds (SplitMix64).")
    var seed: UInt64 = 1

    @Option(help: "Report format: table or json.")
    var format: ReportCommand.Format = .table

    @Option(help: ArgumentHelp("L2 penalties to cross-validate, comma-separated.", valueName: "list"))
    var lambdas: String = "0.01,0.001,0.0001"

    @Option(help: "Cross-validation folds.")
    var folds: Int = 5

    @Option(name: .customLong("max-ngrams"), help: "Most n-gram weights kept in the sidecar.")
    var maxNGrams: Int = 10_000

    @Option(name: .customLong("group-by"),
            help: ArgumentHelp("Metadata key grouping rows in cross-validation folds (a group never spans two folds).", valueName: "key"))
    var groupBy: String?

    @Option(name: .customLong("min-document-frequency"), help: "N-grams in fewer training prompts than this get no weight.")
    var minDocumentFrequency: Int = 1

    @Option(name: .customLong("ngram-window"),
            help: ArgumentHelp("N-grams are read from the first HEAD and last TAIL bytes of a longer prompt ('all': the whole prompt).",
                               valueName: "HEAD,TAIL"))
    var ngramWindow: String = "512,256"

    @Option(name: .customLong("assumed-output-tokens"), help: "Output tokens per call for costs estimated from prices.")
    var assumedOutputTokens: Int = 512

    @Option(name: .customLong("price-date"), help: ArgumentHelp("Price date for estimated costs (YYYY-MM-DD, default today).", valueName: "date"))
    var priceDate: String?

    @Option(help: ArgumentHelp("Price book (default: the policy's, else the bundled one).", valueName: "file"))
    var prices: String?

    @Option(name: .customLong("from-dev-data"), help: ArgumentHelp("Convert routing development data to outcomes.", valueName: "file"))
    var fromDevData: String?

    @Option(help: "With --from-dev-data: the split to convert (train, test or all).")
    var split: String = "train"

    @Option(name: .customLong("save-outcomes"),
            help: ArgumentHelp("With --fixtures or --from-dev-data: write the outcome lines here.", valueName: "file"))
    var saveOutcomes: String?

    func validate() throws {
        if fromDevData != nil {
            guard saveOutcomes != nil else { throw ValidationError("--from-dev-data needs --save-outcomes FILE") }
            guard ["train", "test", "all"].contains(split) else { throw ValidationError("--split must be train, test or all") }
            return
        }
        guard (outcomes != nil) != (fixtures != nil) else {
            throw ValidationError("give one of --outcomes FILE or --fixtures PATH (or --from-dev-data … --save-outcomes …)")
        }
        if saveOutcomes != nil && fixtures == nil { throw ValidationError("--save-outcomes needs --fixtures or --from-dev-data") }
        if fixtures == nil && ledger != nil { throw ValidationError("--ledger records the calls of --fixtures; give --fixtures") }
        guard output != nil else { throw ValidationError("give --output OUT.yaml") }
        if !(1...64).contains(concurrency) { throw ValidationError("--concurrency must be between 1 and 64") }
        if minTaskRows < 1 { throw ValidationError("--min-task-rows must be at least 1") }
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
        let targets = [targetPassRate != nil, targetQualityRatio != nil, maxCostPerCall != nil].filter { $0 }.count
        guard targets == 1 else {
            throw ValidationError("give exactly one of --target-pass-rate, --target-quality-ratio, --max-cost-per-call-usd")
        }
        if let r = targetPassRate, !(0...1).contains(r) { throw ValidationError("--target-pass-rate must be in 0…1") }
        if let q = targetQualityRatio, !(q > 0 && q <= 1.5) { throw ValidationError("--target-quality-ratio must be in (0, 1.5]") }
        if let x = maxCostPerCall, !(x > 0) { throw ValidationError("--max-cost-per-call-usd must be positive") }
        guard (0...0.9).contains(holdout) else { throw ValidationError("--holdout must be in 0…0.9") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard parsedLambdas() != nil else { throw ValidationError("--lambdas must be positive numbers, e.g. 0.01,0.001") }
        if let priceDate, Self.day(priceDate) == nil { throw ValidationError("--price-date expects YYYY-MM-DD") }
        if ngramWindow != "all" && parsedWindow() == nil {
            throw ValidationError("--ngram-window expects HEAD,TAIL byte counts (e.g. 512,256) or all")
        }
    }

    /// `--ngram-window` as a window (`nil`: `all`, or a value `validate()` rejects).
    func parsedWindow() -> DifficultyFeatures.NGramWindow? {
        let parts = ngramWindow.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let head = parts[0], let tail = parts[1], head >= 0, tail >= 0, head + tail > 0 else {
            return nil
        }
        return DifficultyFeatures.NGramWindow(head: head, tail: tail)
    }

    func parsedLambdas() -> [Double]? {
        let values = lambdas.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return values.map { $0! }
    }

    static func day(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.date(from: text)
    }

    func run() async throws {
        if let fromDevData, let saveOutcomes {
            let lines = try wrap { () throws(OutcomesError) in
                try DevData.outcomeLines(path: fromDevData, split: split == "all" ? nil : split)
            }
            guard FileManager.default.createFile(atPath: saveOutcomes, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else {
                throw CLIError("error: cannot write '\(saveOutcomes)'", status: .failure)
            }
            Terminal.writeError("wrote \(lines.count) outcome lines to \(saveOutcomes)")
            return
        }
        guard let output else { return }
        let base = try Inputs.policy(policy)
        let baseYAML = policy == "default" && !FileManager.default.fileExists(atPath: policy)
            ? BundledPolicies.defaultYAML : try Inputs.text(of: policy)
        let tiers = base.tiers.map(\.name)
        var training: [OutcomeRecord]
        if let fixtures {
            training = try await outcomesFromFixtures(fixtures, policy: base)
        } else {
            training = try wrap { () throws(OutcomesError) in try OutcomesFile.load(path: outcomes!, tiers: tiers) }
        }
        var held: [OutcomeRecord] = []
        if let holdoutOutcomes {
            held = try wrap { () throws(OutcomesError) in try OutcomesFile.load(path: holdoutOutcomes, tiers: tiers) }
        } else if holdout > 0 {
            // A seeded shuffle (SplitMix64, its own stream) picks the held-out lines.
            var order = Array(training.indices)
            var generator = SeededGenerator(seed: seed ^ 0x484F_4C44)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextIndex(below: i + 1)) }
            let count = Int((Double(training.count) * holdout).rounded())
            let heldSet = Set(order.prefix(count))
            held = training.indices.filter { heldSet.contains($0) }.map { training[$0] }
            training = training.indices.filter { !heldSet.contains($0) }.map { training[$0] }
        }
        let target: ThresholdSearch.Target = targetPassRate.map { .passRate($0) }
            ?? targetQualityRatio.map { .qualityRatio($0) } ?? .maxCostPerCall(maxCostPerCall!)
        let options = CalibrationOptions(
            target: target, lambdas: parsedLambdas()!, folds: folds, seed: seed, maxNGrams: maxNGrams,
            assumedOutputTokens: assumedOutputTokens, priceDate: priceDate.flatMap(Self.day) ?? Date(),
            priceBook: try Inputs.prices(explicit: prices, policy: base), minTaskRows: minTaskRows,
            groupKey: groupBy, minDocumentFrequency: max(1, minDocumentFrequency), ngramWindow: parsedWindow())
        let result: CalibrationResult
        do {
            result = try Calibrator.train(policy: base, records: training, options: options)
        } catch {
            throw CLIError("error: \(error.message)", status: error.code == .unreachable ? .targetUnreachable : .dataError)
        }

        // Sidecar next to the output policy, named after it.
        let outputURL = URL(fileURLWithPath: output)
        var stem = outputURL.lastPathComponent
        for suffix in [".yaml", ".yml"] where stem.hasSuffix(suffix) { stem.removeLast(suffix.count) }
        let sidecarName = stem + ".scorer.json"
        let sidecarPath = outputURL.deletingLastPathComponent().appendingPathComponent(sidecarName).path
        let json = result.model.encodedJSON()
        let note = "chosen by `claude-router calibrate` (\(Self.describe(target)); λ \(result.lambda))"
        let taskThresholds = Dictionary(uniqueKeysWithValues: result.tasks.compactMap { fit in fit.thresholds.map { (fit.task, $0) } })
        let newName = name ?? (base.name.hasSuffix("-calibrated") ? base.name : base.name + "-calibrated")
        let yaml = CalibratedPolicyWriter.render(baseYAML: baseYAML, tiers: tiers, thresholds: result.thresholds,
                                                 modelPath: sidecarName, sha256: SHA256.hex(of: Array(json.utf8)), note: note,
                                                 taskThresholds: taskThresholds, name: newName,
                                                 noSignalFallback: base.scorer?.noSignalFallback ?? false,
                                                 minKnownFraction: base.scorer?.minKnownFraction ?? 0)
        if let weight = base.scorer?.heuristicWeight, weight > 0 {
            Terminal.writeError("note: the base policy's heuristic_weight \(weight) is not carried over: the new thresholds "
                                + "apply to the learned score alone (its no-evidence guard is kept)")
        }
        try? FileManager.default.createDirectory(at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: sidecarPath, contents: Data(json.utf8)),
              FileManager.default.createFile(atPath: output, contents: Data(yaml.utf8)) else {
            throw CLIError("error: cannot write '\(output)' or '\(sidecarPath)'", status: .failure)
        }
        // The written policy must load exactly as any user policy would (hash check included)
        // and carry exactly the thresholds chosen (the text edit keeps the base's layout).
        let calibrated = try Inputs.policy(output)
        try Self.verify(calibrated, against: result.policy, path: output)
        var globalOnly: Policy?
        if !taskThresholds.isEmpty {
            var copy = calibrated
            for task in copy.tasks.keys { copy.tasks[task]?.thresholds = nil }
            globalOnly = copy
        }
        let report = try wrapCalibration { () throws(CalibrationError) in
            try CalibrationReport.evaluate(base: base, calibrated: calibrated, records: held, options: options,
                                           globalOnly: globalOnly)
        }
        try printSummary(result: result, report: report, output: output, sidecarPath: sidecarPath, json: json,
                  trainingRows: training.count, heldRows: held.count)
    }

    static func describe(_ target: ThresholdSearch.Target) -> String {
        switch target {
        case .passRate(let r): return "target pass rate \(r)"
        case .qualityRatio(let q): return "target \(q) × top-tier quality"
        case .maxCostPerCall(let x): return "at most $\(x) per call"
        }
    }

    func wrap<T>(_ body: () throws(OutcomesError) -> T) throws -> T {
        do { return try body() } catch { throw CLIError.data(error.description) }
    }

    func wrapCalibration<T>(_ body: () throws(CalibrationError) -> T) throws -> T {
        do { return try body() } catch { throw CLIError.data("error: \(error.message)") }
    }
}
