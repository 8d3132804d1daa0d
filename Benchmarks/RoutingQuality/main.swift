import ClaudeRouterEval
import Foundation
import RouterPolicies

/// Routing quality of the learned difficulty score on the routing development data
/// (data/routing-dev/, upstream `test` split unless noted), against baselines measured in the
/// same run. Weak = haiku ← mistral-7b-instruct-v0.3, strong = opus ← llama-3.1-nemotron-51b.
/// Run: swift run -c release RoutingQualityBench [--no-sensitivity]   (from the repository root)

// This file is Benchmarks/RoutingQuality/main.swift: three levels below the repository root.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let devData = root + "/data/routing-dev/routing-dev-llmrouter.jsonl"
let sensitivity = !CommandLine.arguments.contains("--no-sensitivity")

func records(split: String?, tierModels: [(tier: String, model: String)] = DevData.defaultTierModels) -> [OutcomeRecord] {
    do {
        let lines = try DevData.outcomeLines(path: devData, split: split, tierModels: tierModels)
        return try OutcomesFile.parse(Array(lines.joined(separator: "\n").utf8), file: devData)
    } catch {
        print("cannot read the development data: \(error)")
        exit(1)
    }
}

func outcome(_ rows: [OutcomeRecord], _ tier: String) -> [Double] { rows.map { $0.passed[tier]! ? 1 : 0 } }

struct Row { var name: String; var apgr: Double?; var share95: Double? }

func measure(_ name: String, scores: [Double], rows: [OutcomeRecord]) -> Row {
    let weak = outcome(rows, "haiku"), strong = outcome(rows, "opus")
    return Row(name: name, apgr: RoutingQuality.apgr(scores: scores, weak: weak, strong: strong),
               share95: RoutingQuality.strongShare(reaching: 0.95, scores: scores, weak: weak, strong: strong))
}

func scores(_ policy: Policy, _ rows: [OutcomeRecord]) -> [Double] {
    let engine = PolicyEngine(policy: policy)
    return rows.map { engine.decide($0.routingInput).score }
}

/// The training settings of scripts/train-default-scorer.sh (keep the two in step): λ grid,
/// cross-validation folds grouped by task family, n-grams seen in at least 3 prompts, 4,000 kept,
/// read from the first 512 and last 256 bytes of a longer prompt.
let lambdaGrid = [0.1, 0.03, 0.01, 0.003, 0.001]
func calibrated(_ base: Policy, _ rows: [OutcomeRecord]) -> Policy {
    let options = CalibrationOptions(target: .qualityRatio(0.95), lambdas: lambdaGrid, maxNGrams: 4_000,
                                     priceDate: Date(timeIntervalSince1970: 1_790_000_000),
                                     groupKey: "task_hint", minDocumentFrequency: 3,
                                     ngramWindow: DifficultyFeatures.NGramWindow(head: 512, tail: 256))
    do {
        return try Calibrator.train(policy: base, records: rows, options: options).policy
    } catch {
        print("calibration failed: \(error)")
        exit(1)
    }
}

/// The shipped learned scorer (policies/learned.yaml + policies/default.scorer.json), the bundled
/// default policy (the same sidecar blended with the hand-made score, behind the guard) and the
/// default policy without its scorer: the hand-made complexity score alone.
let bundled: Policy, defaultPolicy: Policy
do {
    bundled = try Policy.load(file: root + "/policies/learned.yaml")
    defaultPolicy = try Policy.load(file: root + "/policies/default.yaml")
} catch { print("\(error)"); exit(1) }
var heuristic = defaultPolicy
heuristic.scorer = nil

/// The default policy's scorer settings (guard, heuristic_weight) with another sidecar model.
func defaultScoring(with model: Policy, heuristicWeight: Double? = nil) -> Policy {
    var result = defaultPolicy
    if let learned = model.scorer?.model { result.scorer?.model = learned }
    if let heuristicWeight { result.scorer?.heuristicWeight = heuristicWeight }
    return result
}
let shippedWeight = defaultPolicy.scorer?.heuristicWeight ?? 0

/// `policy` behind the no-evidence guard (docs/CALIBRATION.md): no hand-made content signal, or
/// fewer than 30% of the n-gram occurrences seen in training → the hand-made score.
func guarded(_ policy: Policy) -> Policy {
    var result = policy
    result.scorer?.noSignalFallback = true
    result.scorer?.minKnownFraction = 0.3
    return result
}

let train = records(split: "train"), test = records(split: "test")
var table: [Row] = []
let started = Date()
table.append(measure("(a) shipped learned scorer (learned.yaml)", scores: scores(bundled, test), rows: test))
table.append(measure("(a') the same behind the guard", scores: scores(guarded(bundled), test), rows: test))
table.append(measure(String(format: "(d) bundled default (blend h %.2f, guard)", shippedWeight),
                     scores: scores(defaultPolicy, test), rows: test))
let trained = calibrated(heuristic, train)
let trainSeconds = Date().timeIntervalSince(started)
table.append(measure("(b) calibrate on train split", scores: scores(trained, test), rows: test))

// (c) a seeded random half of all rows trains, the other half evaluates.
let all = records(split: nil)
var order = Array(all.indices)
var generator = SeededGenerator(seed: 42)
for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextIndex(below: i + 1)) }
let firstHalf = order.prefix(all.count / 2).sorted().map { all[$0] }
let secondHalf = order.dropFirst(all.count / 2).sorted().map { all[$0] }
let halfPolicy = calibrated(heuristic, firstHalf)
let halfRow = measure("(c) random half → other half", scores: scores(halfPolicy, secondHalf), rows: secondHalf)

// Baselines on the test split, same run.
var random = SeededGenerator(seed: 7)
table.append(measure("random score (seeded)", scores: test.map { _ in Double(random.next() >> 11) * 0x1p-53 }, rows: test))
table.append(measure("constant score (tie rule)", scores: test.map { _ in 0.5 }, rows: test))
table.append(measure("prompt length", scores: test.map { Double($0.text.utf8.count) }, rows: test))
table.append(measure("hand-made score (default without scorer)", scores: scores(heuristic, test), rows: test))

func cell(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count) }

print("RoutingQualityBench — weak = haiku ← mistral-7b-instruct-v0.3, strong = opus ← llama-3.1-nemotron-51b-instruct")
print("upstream test split: \(test.count) prompts (train: \(train.count)); (c): \(firstHalf.count) train / \(secondHalf.count) eval")
print(pad("score", 42) + pad("APGR", 8) + "strong share for 95% of strong-only quality")
for row in table + [halfRow] {
    print(pad(row.name, 42) + pad(cell(row.apgr, "%.3f"), 8) + cell(row.share95.map { $0 * 100 }, "%.0f%%"))
}
print(String(format: "calibrate on the train split took %.1f s (features, 5 λ × 5-fold CV grouped by task family, 3 tier fits, thresholds)", trainSeconds))

// Leave one task family out: calibrate on the other 11 families (both splits), score the 12th.
print("\nleave-one-family-out (calibrate on 11 task families, APGR on the 12th; both splits)")
print(pad("held-out family", 34) + pad("rows", 6) + pad("weak", 6) + pad("strong", 8) + pad("learned", 9) + pad("guarded", 9)
      + pad("default", 9) + pad("heuristic", 10) + "length")
// The blend weight h of the default policy's score, (1 − h)·learned + h·hand-made, swept here.
let weightGrid = [0.0, 0.5, 0.8, 0.9, 0.92, 0.95, 0.98, 1.0]
var pooledByWeight = [[Double]](repeating: [], count: weightGrid.count)
var familyByWeight = [[Double]](repeating: [], count: weightGrid.count)
var pooledDefault: [Double] = []
var familyDefault: [Double] = []
let families = Set(all.map { $0.metadata["task_hint"] ?? "" }).sorted()
var pooledRows: [OutcomeRecord] = [], pooledLearned: [Double] = [], pooledGuarded: [Double] = []
var familyAPGR: [(learned: Double, guarded: Double, heuristic: Double, length: Double)] = []
let lofoStarted = Date()
for family in families {
    let held = all.filter { $0.metadata["task_hint"] == family }
    let policy = calibrated(heuristic, all.filter { $0.metadata["task_hint"] != family })
    let learned = scores(policy, held), protected = scores(guarded(policy), held)
    let blended = scores(defaultScoring(with: policy), held)
    pooledRows += held; pooledLearned += learned; pooledGuarded += protected; pooledDefault += blended
    let d = measure("", scores: blended, rows: held)
    if let value = d.apgr { familyDefault.append(value) }
    for (k, weight) in weightGrid.enumerated() {
        let swept = scores(defaultScoring(with: policy, heuristicWeight: weight), held)
        pooledByWeight[k] += swept
        if let value = measure("", scores: swept, rows: held).apgr { familyByWeight[k].append(value) }
    }
    let a = measure("", scores: learned, rows: held), b = measure("", scores: protected, rows: held)
    let h = measure("", scores: scores(heuristic, held), rows: held)
    let l = measure("", scores: held.map { Double($0.text.utf8.count) }, rows: held)
    let weak = outcome(held, "haiku").reduce(0, +) / Double(held.count), strong = outcome(held, "opus").reduce(0, +) / Double(held.count)
    if let x = a.apgr, let y = b.apgr, let z = h.apgr, let w = l.apgr { familyAPGR.append((x, y, z, w)) }
    print(pad(family, 34) + pad("\(held.count)", 6) + pad(String(format: "%.2f", weak), 6) + pad(String(format: "%.2f", strong), 8)
          + pad(cell(a.apgr, "%.3f"), 9) + pad(cell(b.apgr, "%.3f"), 9) + pad(cell(d.apgr, "%.3f"), 9)
          + pad(cell(h.apgr, "%.3f"), 10) + cell(l.apgr, "%.3f"))
}
func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
print(pad("mean of families", 54) + pad(String(format: "%.3f", mean(familyAPGR.map(\.learned))), 9)
      + pad(String(format: "%.3f", mean(familyAPGR.map(\.guarded))), 9) + pad(String(format: "%.3f", mean(familyDefault)), 9)
      + pad(String(format: "%.3f", mean(familyAPGR.map(\.heuristic))), 10)
      + String(format: "%.3f", mean(familyAPGR.map(\.length))))
let pooledA = measure("", scores: pooledLearned, rows: pooledRows), pooledB = measure("", scores: pooledGuarded, rows: pooledRows)
let pooledH = measure("", scores: scores(heuristic, pooledRows), rows: pooledRows)
let pooledL = measure("", scores: pooledRows.map { Double($0.text.utf8.count) }, rows: pooledRows)
let pooledD = measure("", scores: pooledDefault, rows: pooledRows)
print(pad("pooled (all \(pooledRows.count) out-of-family scores)", 54) + pad(cell(pooledA.apgr, "%.3f"), 9) + pad(cell(pooledB.apgr, "%.3f"), 9)
      + pad(cell(pooledD.apgr, "%.3f"), 9) + pad(cell(pooledH.apgr, "%.3f"), 10) + cell(pooledL.apgr, "%.3f"))
print(String(format: "leave-one-family-out took %.0f s (12 calibrations)", Date().timeIntervalSince(lofoStarted)))
print("(a family whose weak and strong pass rates are close has an ill-conditioned APGR: read the pooled figure)")
print("\nthe default policy's blend weight h, score = (1 − h)·learned + h·hand-made behind the guard")
print("(leave-one-family-out pooled and mean of families; test split with the shipped sidecar):")
for (k, weight) in weightGrid.enumerated() {
    let pooled = measure("", scores: pooledByWeight[k], rows: pooledRows)
    let onTest = measure("", scores: scores(defaultScoring(with: bundled, heuristicWeight: weight), test), rows: test)
    print(String(format: "  h %.2f: pooled ", weight) + cell(pooled.apgr, "%.3f")
          + String(format: ", mean of families %.3f", mean(familyByWeight[k])) + ", test split " + cell(onTest.apgr, "%.3f"))
}

if sensitivity {
    print("\nsensitivity: other weak models as haiku (calibrate on train, APGR on test)")
    for weakModel in ["qwen2.5-7b-instruct", "llama-3.1-8b-instruct", "gemma-2-9b-it"] {
        let mapping = [("haiku", weakModel)] + DevData.defaultTierModels.dropFirst()
        let trainRows = records(split: "train", tierModels: mapping), testRows = records(split: "test", tierModels: mapping)
        let policy = calibrated(heuristic, trainRows)
        let learned = measure("", scores: scores(policy, testRows), rows: testRows)
        let old = measure("", scores: scores(heuristic, testRows), rows: testRows)
        let length = measure("", scores: testRows.map { Double($0.text.utf8.count) }, rows: testRows)
        print(pad("  weak = \(weakModel)", 34) + "learned " + cell(learned.apgr, "%.3f") + "  heuristic " + cell(old.apgr, "%.3f")
              + "  length " + cell(length.apgr, "%.3f"))
    }
}
