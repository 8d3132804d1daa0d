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

func calibrated(_ base: Policy, _ rows: [OutcomeRecord]) -> Policy {
    let options = CalibrationOptions(target: .qualityRatio(0.95), priceDate: Date(timeIntervalSince1970: 1_790_000_000))
    do {
        return try Calibrator.train(policy: base, records: rows, options: options).policy
    } catch {
        print("calibration failed: \(error)")
        exit(1)
    }
}

/// The shipped learned scorer (policies/learned.yaml + policies/default.scorer.json) and the
/// default policy with its hand-made complexity score.
let bundled: Policy, heuristic: Policy
do {
    bundled = try Policy.load(file: root + "/policies/learned.yaml")
    heuristic = try BundledPolicies.defaultPolicy()
} catch { print("\(error)"); exit(1) }

let train = records(split: "train"), test = records(split: "test")
var table: [Row] = []
let started = Date()
table.append(measure("(a) shipped learned scorer (learned.yaml)", scores: scores(bundled, test), rows: test))
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
table.append(measure("old heuristic complexity", scores: scores(heuristic, test), rows: test))

func cell(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count) }

print("RoutingQualityBench — weak = haiku ← mistral-7b-instruct-v0.3, strong = opus ← llama-3.1-nemotron-51b-instruct")
print("upstream test split: \(test.count) prompts (train: \(train.count)); (c): \(firstHalf.count) train / \(secondHalf.count) eval")
print(pad("score", 34) + pad("APGR", 8) + "strong share for 95% of strong-only quality")
for row in table + [halfRow] {
    print(pad(row.name, 34) + pad(cell(row.apgr, "%.3f"), 8) + cell(row.share95.map { $0 * 100 }, "%.0f%%"))
}
print(String(format: "calibrate on the train split took %.1f s (features, 3 λ × 5-fold CV, 3 tier fits, thresholds)", trainSeconds))

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
