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
        docs/CALIBRATION.md), trains one logistic regression per tier, picks λ and thresholds by k-fold \
        cross-validation on the training rows, and writes OUT.yaml (the base policy plus a `scorer:` block \
        and new thresholds) and its sidecar OUT.scorer.json. Prints a report on held-out rows (--holdout \
        FRACTION of the outcomes, or --holdout-outcomes F).
        Conversion mode: --from-dev-data DEV.jsonl --split train --save-outcomes F writes outcome lines \
        from the routing development data and exits.
        Exit codes: 0 written, 2 usage, 3 target unreachable (says what is reachable), 65 bad input.
        """)

    @Option(help: ArgumentHelp("Base policy file (`default` for the bundled policy).", valueName: "file"))
    var policy: String = "default"

    @Option(help: ArgumentHelp("Outcomes file (JSON Lines).", valueName: "file"))
    var outcomes: String?

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

    @Option(name: .customLong("save-outcomes"), help: ArgumentHelp("With --from-dev-data: write the outcome lines here.", valueName: "file"))
    var saveOutcomes: String?

    func validate() throws {
        if fromDevData != nil {
            guard saveOutcomes != nil else { throw ValidationError("--from-dev-data needs --save-outcomes FILE") }
            guard ["train", "test", "all"].contains(split) else { throw ValidationError("--split must be train, test or all") }
            return
        }
        guard outcomes != nil else { throw ValidationError("give --outcomes FILE (or --from-dev-data … --save-outcomes …)") }
        guard output != nil else { throw ValidationError("give --output OUT.yaml") }
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
        guard let outcomes, let output else { return }
        let base = try Inputs.policy(policy)
        let baseYAML = policy == "default" && !FileManager.default.fileExists(atPath: policy)
            ? BundledPolicies.defaultYAML : try Inputs.text(of: policy)
        let tiers = base.tiers.map(\.name)
        var training = try wrap { () throws(OutcomesError) in try OutcomesFile.load(path: outcomes, tiers: tiers) }
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
            priceBook: try Inputs.prices(explicit: prices, policy: base), groupKey: groupBy,
            minDocumentFrequency: max(1, minDocumentFrequency))
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
        let yaml = CalibratedPolicyWriter.render(baseYAML: baseYAML, tiers: tiers, thresholds: result.thresholds,
                                                 modelPath: sidecarName, sha256: SHA256.hex(of: Array(json.utf8)), note: note)
        try? FileManager.default.createDirectory(at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: sidecarPath, contents: Data(json.utf8)),
              FileManager.default.createFile(atPath: output, contents: Data(yaml.utf8)) else {
            throw CLIError("error: cannot write '\(output)' or '\(sidecarPath)'", status: .failure)
        }
        // The written policy must load exactly as any user policy would (hash check included).
        let calibrated = try Inputs.policy(output)
        let report = try wrapCalibration { () throws(CalibrationError) in
            try CalibrationReport.evaluate(base: base, calibrated: calibrated, records: held, options: options)
        }
        switch format {
        case .json:
            let summary = Summary(policy: output, model: sidecarPath, lambda: result.lambda,
                                  crossValidatedAPGR: result.crossValidatedAPGR.map { CVEntry(lambda: $0.lambda, apgr: $0.apgr) },
                                  thresholds: Dictionary(uniqueKeysWithValues: zip(tiers, result.thresholds).compactMap { pair in pair.1.map { (pair.0, $0) } }),
                                  trainingRows: training.count, heldOutRows: held.count,
                                  trainingPassRate: result.trainingEstimate.passRate,
                                  trainingCostPerCall: result.trainingEstimate.costPerCall, report: report)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Terminal.writeOut(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n")
        default:
            var text = "wrote \(output) and \(sidecarPath) (\(result.model.ngramBuckets.count) n-gram weights, \(json.utf8.count) bytes)\n"
            text += "trained on \(training.count) lines (\(result.completeRows) with every tier); λ \(result.lambda) by \(folds)-fold CV "
            text += "(out-of-fold APGR " + result.crossValidatedAPGR.map { "\($0.lambda): \($0.apgr.map { String(format: "%.3f", $0) } ?? "–")" }.joined(separator: ", ") + ")\n"
            text += "thresholds: " + zip(tiers, result.thresholds).map { "\($0.0) \($0.1.map { String($0) } ?? "never")" }.joined(separator: ", ")
            text += String(format: " — out-of-fold pass rate %.1f%%, $%.6f per call\n", result.trainingEstimate.passRate * 100,
                           result.trainingEstimate.costPerCall)
            text += "\nheld-out report (\(report.rows) lines with every tier's outcome):\n" + report.table
            Terminal.writeOut(text)
        }
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

    struct CVEntry: Encodable { var lambda: Double; var apgr: Double? }

    struct Summary: Encodable {
        var policy: String
        var model: String
        var lambda: Double
        var crossValidatedAPGR: [CVEntry]
        var thresholds: [String: Double]
        var trainingRows: Int
        var heldOutRows: Int
        var trainingPassRate: Double
        var trainingCostPerCall: Double
        var report: CalibrationReport
    }
}
