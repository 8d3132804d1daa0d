import Foundation
import RouterPolicies

/// `DecisionBench dump [FILE…]`: every field of `PolicyEngine.decide` (doubles as bit patterns)
/// for many prompts, under the default, hand-made-only, learned and guarded-learned policies, one
/// line per decision. Two builds that print the same bytes decide identically; run it before and
/// after a speed change and compare (`cmp`). Prompts: the benchmark's own, every `prompt` of the
/// JSONL files given, and every paragraph of the other files given.
enum DecisionDump {
    static func run(files: [String]) {
        var texts = [Prompts.short, Prompts.prompt(tokens: 2_000), Prompts.prompt(tokens: 20_000), "", " ", "?",
                     "```\ncode\n```", "First do this, then that. 1. step\n- must not\nStep 2: go"]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let content = String(decoding: data, as: UTF8.self)
            if file.hasSuffix(".jsonl") {
                for line in content.split(separator: "\n") {
                    if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                       let prompt = object["prompt"] as? String {
                        texts.append(prompt)
                    }
                }
            } else {
                texts.append(content)
                texts += content.components(separatedBy: "\n\n")
            }
        }
        var guarded = learnedEngine.policy
        guarded.scorer?.noSignalFallback = true
        guarded.scorer?.minKnownFraction = 0.6
        let engines: [(String, PolicyEngine)] = [
            ("default", engine), ("hand-made", handMadeEngine), ("learned", learnedEngine),
            ("guarded", PolicyEngine(policy: guarded)),
        ]
        let tasks: [String?] = [nil, nil, "code-review", "nonexistent"]
        for (index, text) in texts.enumerated() {
            let input = RoutingInput(text: text, messageCount: 1 + index % 5, imageCount: index % 7 == 0 ? 1 : 0,
                                     toolCount: index % 3, task: tasks[index % tasks.count])
            for (name, engine) in engines {
                print("\(index) \(name) \(line(engine.decide(input)))")
            }
        }
        // The scorer and classifier on their own (public API, with their evidence).
        for (index, text) in texts.enumerated() {
            let input = RoutingInput(text: text)
            let score = scorer.score(input)
            let guess = classifier.classify(input)
            print("\(index) score \(bits(score.value)) \(score.recognizedSignal) \(contributions(score.contributions))"
                  + " classify \(guess.task ?? "-") \(bits(guess.confidence)) \(guess.evidence)")
        }
    }

    static func bits(_ value: Double) -> String { String(value.bitPattern, radix: 16) }

    static func contributions(_ list: [SignalContribution]) -> String {
        list.map { "\($0.name)|\(bits($0.weight))|\(bits($0.strength))|\(bits($0.contribution))|\($0.evidence)" }
            .joined(separator: ";")
    }

    static func line(_ d: RoutingDecision) -> String {
        "\(d.tier) \(d.tierIndex) \(d.model) \(d.maxTokens) \(d.escalationPath) \(bits(d.score)) "
            + "\(d.matchedRule ?? "-") \(d.variant ?? "-") \(d.task) \(bits(d.taskConfidence)) \(d.estimatedInputTokens) "
            + "\(d.contextOverflowRisk) \(d.escalationStep) \(contributions(d.contributions)) \(d.reason)"
    }
}
