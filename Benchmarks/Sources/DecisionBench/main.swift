import Foundation
import RouterPolicies

/// Measures each function on each prompt and prints median, p99 and the ratio to a baseline
/// measured in the same run: one `lowercased()` plus one `contains` over the same prompt — the
/// cost of merely reading it once.
///
/// To measure another function, add one line to `measured` below.

/// The repository's policies/ folder (this file is Benchmarks/Sources/DecisionBench/main.swift).
let policiesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("policies").path

/// The default policy, as the CLI and ModelRouter use it when given no policy file — read from
/// policies/default.yaml and its sidecar on disk (ShippedPolicyTests checks they are the
/// embedded copies), so a retrained sidecar is measured without rebuilding the library.
let policy: Policy = {
    do {
        return try Policy.load(file: policiesDirectory + "/default.yaml")
    } catch {
        print("the bundled default policy does not load:\n\(error)")
        exit(1)
    }
}()
let scorer = ComplexityScorer(policy.signals)
let classifier = TaskClassifier(rules: policy.classifier.rules, minimumConfidence: policy.classifier.minimumConfidence,
                                signals: policy.signals)
let engine = PolicyEngine(policy: policy)
/// The default policy without its `scorer:` block: the hand-made complexity score alone.
let handMadeEngine: PolicyEngine = {
    var plain = policy
    plain.scorer = nil
    return PolicyEngine(policy: plain)
}()

/// policies/learned.yaml: the same learned score with calibrate's thresholds and no guard.
let learnedEngine: PolicyEngine = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("policies/learned.yaml").path
    do {
        return PolicyEngine(policy: try Policy.load(file: path))
    } catch {
        print("policies/learned.yaml does not load:\n\(error)")
        exit(1)
    }
}()

let measured: [(name: String, run: (RoutingInput) -> Int)] = [
    ("ComplexityScorer.score", { Int(scorer.score($0).value * 1_000) }),
    ("TaskClassifier.classify", { classifier.classify($0).evidence.count }),
    ("score + classify", { Int(scorer.score($0).value * 1_000) + classifier.classify($0).evidence.count }),
    ("PolicyEngine.decide (default policy)", { engine.decide($0).tierIndex }),
    ("decide, hand-made score only", { handMadeEngine.decide($0).tierIndex }),
    ("decide, learned.yaml (no guard)", { learnedEngine.decide($0).tierIndex }),
    ("n-gram hashing pass only", { input in
        var text = input.text
        var sum: UInt32 = 0
        text.withUTF8 { bytes in DifficultyFeatures.forEachNGram(in: bytes, mask: (1 << 18) - 1) { sum &+= $0 &+ ($1 ? 1 : 0) } }
        return Int(sum & 1)
    }),
]

let baseline: (RoutingInput) -> Int = { $0.text.lowercased().contains("step by step") ? 1 : 0 }

let prompts: [(name: String, input: RoutingInput)] = [
    ("short (~25 tokens)", RoutingInput(text: Prompts.short)),
    ("2,000 tokens", RoutingInput(text: Prompts.prompt(tokens: 2_000), messageCount: 3, toolCount: 2)),
    ("20,000 tokens", RoutingInput(text: Prompts.prompt(tokens: 20_000), messageCount: 9, documentCount: 1)),
]

let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "check-markers" {
    exit(MarkerCheck.run(texts: 20_000) ? 0 : 1)
}
if arguments.count > 1, arguments[1] == "check-keywords" {
    exit(KeywordCheck.run(texts: 3_000) ? 0 : 1)
}
if arguments.count > 1, arguments[1] == "dump" {
    DecisionDump.run(files: Array(arguments.dropFirst(2)))
    exit(0)
}
if arguments.count > 1, arguments[1] == "startup" {
    StartupBench.run(policiesDirectory: policiesDirectory,
                     repetitions: arguments.count > 2 ? Int(arguments[2]) ?? 30 : 30)
    exit(0)
}
if arguments.count > 1, arguments[1] == "check-structure" {
    exit(StructureCheck.run(texts: 20_000) ? 0 : 1)
}
/// Optional second argument: only run functions whose name contains it; optional third: only
/// prompts whose name contains it (`2,000`), e.g. to profile one row with `perf record`.
let filter: String? = arguments.count > 2 ? arguments[2] : nil
let promptFilter: String? = arguments.count > 3 ? arguments[3] : nil
let samples = arguments.count > 1 ? Int(arguments[1]) ?? 2_000 : 2_000

print("DecisionBench — \(samples) samples per row after warm-up; times per call")
print(pad("prompt", 20) + pad("function", 26) + pad("median", 12) + pad("p99", 12) + "× baseline (median)")
for prompt in prompts where promptFilter.map({ prompt.name.contains($0) }) ?? true {
    let reference = Measurement.run(samples: samples) { baseline(prompt.input) }
    print(pad(prompt.name, 20) + pad("baseline lowercased+contains", 26)
          + pad(format(reference.median), 12) + pad(format(reference.p99), 12) + "1.00")
    for function in measured where filter.map({ function.name.contains($0) }) ?? true {
        let result = Measurement.run(samples: samples) { function.run(prompt.input) }
        let ratio = result.median / reference.median
        print(pad("", 20) + pad(function.name, 26) + pad(format(result.median), 12) + pad(format(result.p99), 12)
              + String(Int((ratio * 100).rounded())) .leftPadded(3).insertingDecimal())
    }
}
