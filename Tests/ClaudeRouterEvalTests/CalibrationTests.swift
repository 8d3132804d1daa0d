import ClaudeRouterEval
import Foundation
import RouterPolicies
import Testing

@Suite("Calibration: outcomes, regression, APGR, thresholds")
struct CalibrationTests {
    // MARK: Outcomes

    @Test("good lines parse: prompt, system + messages, task, metadata, passed, exact cost")
    func outcomesGood() throws {
        let text = """
        {"prompt": "What is 2+2?", "passed": {"haiku": true, "opus": true}, "cost_usd": {"haiku": "0.0012"}}

        {"system": "Be brief.", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "yo"}]}], "task": "qa", "metadata": {"user": "u1"}, "passed": {"opus": false}}
        """
        let records = try OutcomesFile.parse(Array(text.utf8), file: "o.jsonl", tiers: ["haiku", "opus"])
        #expect(records.count == 2)
        #expect(records[0].line == 1)
        #expect(records[0].costUSD["haiku"] == USDAmount(dollars: "0.0012"))
        #expect(records[1].line == 3)
        #expect(records[1].text == "Be brief.\nhi\nyo")
        #expect(records[1].messageCount == 2)
        #expect(records[1].task == "qa")
        #expect(records[1].metadata == ["user": "u1"])
        #expect(records[1].passed == ["opus": false])
    }

    @Test("bad lines are all reported as FILE:LINE: error: …, none skipped")
    func outcomesBad() throws {
        let text = """
        {"prompt": "ok", "passed": {"haiku": true}}
        {"prompt": "x", "passed": {"haiku": 1}}
        not json
        {"prompt": "x", "passed": {"sonnet": true}}
        {"passed": {"haiku": true}}
        {"prompt": "x", "passed": {"haiku": true}, "cost_usd": {"haiku": 0.1}}
        {"prompt": "x", "pased": {"haiku": true}}
        """
        let error = try #require(throws: OutcomesError.self) {
            try OutcomesFile.parse(Array(text.utf8), file: "o.jsonl", tiers: ["haiku", "opus"])
        }
        #expect(error.code == .invalidLines)
        #expect(error.messages.count == 6)
        #expect(error.messages[0] == "o.jsonl:2: error: passed.haiku must be true or false")
        #expect(error.messages[1].hasPrefix("o.jsonl:3: error: invalid JSON"))
        #expect(error.messages[2].hasPrefix("o.jsonl:4: error: 'passed' names tier 'sonnet'"))
        #expect(error.messages[3] == "o.jsonl:5: error: missing 'prompt' (or 'messages')")
        #expect(error.messages[4].hasPrefix("o.jsonl:6: error: cost_usd.haiku must be a non-negative decimal string"))
        #expect(error.messages[5].hasPrefix("o.jsonl:7: error: unknown key 'pased'"))
    }

    @Test("10,000 outcome lines parse quickly enough to be practical")
    func outcomesScale() throws {
        var text = ""
        for i in 0..<10_000 { text += "{\"prompt\": \"question \(i)\", \"passed\": {\"haiku\": \(i % 2 == 0)}}\n" }
        let records = try OutcomesFile.parse(Array(text.utf8), file: "big.jsonl")
        #expect(records.count == 10_000)
        #expect(records[9_999].line == 10_000)
    }

    // MARK: Logistic regression

    @Test("logistic regression recovers known log-odds on a one-feature set")
    func logisticKnownAnswer() {
        // x = 0: 1 of 4 positive (logit −ln 3); x = 1: 3 of 4 positive (logit +ln 3).
        var rows = SparseRows(columnCount: 1)
        var labels: [Double] = []
        for (x, y) in [(0.0, 1.0), (0, 0), (0, 0), (0, 0), (1, 1), (1, 1), (1, 1), (1, 0)] {
            rows.append(x == 0 ? [] : [(0, x)])
            labels.append(y)
        }
        let fit = LogisticRegression(lambda: 1e-9).fit(rows, labels: labels)
        #expect(abs(fit.bias - -log(3)) < 1e-3)
        #expect(abs(fit.weights[0] - 2 * log(3)) < 1e-3)
        // A strong penalty shrinks the weight towards 0, never the intercept.
        let shrunk = LogisticRegression(lambda: 10).fit(rows, labels: labels)
        #expect(abs(shrunk.weights[0]) < 0.1)
    }

    // MARK: APGR

    @Test("APGR by hand: gains at ranks 1 and 3 of 4 give 0.625; strong share for 95% is 3/4")
    func apgrHandComputed() throws {
        let scores = [0.9, 0.8, 0.2, 0.1], weak = [0.0, 1, 0, 1], strong = [1.0, 1, 1, 1]
        // q(k) = .5, .75, .75, 1, 1 → PGR 0, .5, .5, 1, 1 → trapezoids .25 + .5 + .75 + 1 = 2.5, / 4.
        #expect(try #require(RoutingQuality.apgr(scores: scores, weak: weak, strong: strong)) == 0.625)
        #expect(RoutingQuality.strongShare(reaching: 0.95, scores: scores, weak: weak, strong: strong) == 0.75)
        // Perfect order: both gains first → PGR 0, .5, 1, 1, 1 → (.25 + .75 + 1 + 1) / 4.
        #expect(RoutingQuality.apgr(scores: [4, 3, 2, 1], weak: [0, 0, 1, 1], strong: [1, 1, 1, 1]) == 0.75)
    }

    @Test("ties count as their random-order expectation: a constant score is exactly 0.5")
    func apgrTies() throws {
        let weak = [0.0, 1, 0, 1, 1, 0], strong = [1.0, 1, 1, 0, 1, 1]
        #expect(RoutingQuality.apgr(scores: Array(repeating: 0.3, count: 6), weak: weak, strong: strong) == 0.5)
        // Two tie groups of two: group gains 1 and 1 → q .5, .625, .75, .875, 1 → APGR 0.5.
        #expect(RoutingQuality.apgr(scores: [1, 1, 0, 0], weak: [0, 1, 0, 1], strong: [1, 1, 1, 1]) == 0.5)
        // Order of equal scores in the input does not matter.
        let a = RoutingQuality.apgr(scores: [1, 1, 0, 0], weak: [0, 1, 1, 1], strong: [1, 1, 1, 0])
        let b = RoutingQuality.apgr(scores: [1, 1, 0, 0], weak: [1, 0, 1, 1], strong: [1, 1, 0, 1])
        #expect(a == b)
        #expect(RoutingQuality.apgr(scores: [1, 2], weak: [1, 0], strong: [1, 0]) == nil)
    }

    // MARK: Threshold search

    @Test("threshold search meets a pass-rate target at the least cost and explains an unreachable one")
    func thresholdSearch() throws {
        // Two tiers costing 1 and 10; hard prompts (score ≥ 0.6) pass only on the large tier.
        var rows: [ThresholdSearch.Row] = []
        for i in 0..<10 {
            let score = Double(i) / 10
            rows.append(.init(score: score, minTier: 0, maxTier: 1, passed: [score < 0.6, true], cost: [1, 10]))
        }
        let choice = try ThresholdSearch().search(rows: rows, tierCount: 2, target: .passRate(1))
        #expect(choice.passRate == 1)
        #expect(abs(choice.costPerCall - 4.6) < 1e-12)  // 6 prompts at 1, 4 at 10
        #expect(choice.thresholds[0] == 0)
        #expect(choice.thresholds[1] == 0.6)
        let cheap = try ThresholdSearch().search(rows: rows, tierCount: 2, target: .maxCostPerCall(1))
        #expect(cheap.passRate == 0.6)
        let ratio = try ThresholdSearch().search(rows: rows, tierCount: 2, target: .qualityRatio(0.8))
        #expect(ratio.passRate >= 0.8)
        #expect(abs(ratio.costPerCall - 2.8) < 1e-12)  // 8 at 1, 2 at 10
        var impossible = rows
        impossible[0].passed = [false, false]
        let error = try #require(throws: ThresholdSearch.Unreachable.self) {
            try ThresholdSearch().search(rows: impossible, tierCount: 2, target: .passRate(1))
        }
        #expect(error.bestPassRate == 0.9)
        #expect(error.message.contains("reachable: pass rate up to 90.0%"))
        // A fixed task route wins over the score.
        #expect(ThresholdSearch.Row(score: 0.9, fixedTier: 0, minTier: 0, maxTier: 1, passed: [true, true], cost: [1, 1])
            .tier(thresholds: [0, 0.5]) == 0)
    }

    // MARK: Training

    static func syntheticRecords(count: Int) -> [OutcomeRecord] {
        let hard = ["prove the theorem by induction", "derive the closed form of the recurrence", "optimise the proof"]
        let easy = ["what is the capital of france", "say hello politely", "translate cat to german"]
        return (0..<count).map { i in
            let isHard = i % 3 == 0
            let text = (isHard ? hard : easy)[i % 3] + " number \(i % 7)"
            return OutcomeRecord(line: i + 1, text: text,
                                 passed: ["haiku": !isHard, "sonnet": !isHard || i % 2 == 0, "opus": i % 11 != 0])
        }
    }

    @Test("training is deterministic (same bytes twice) and ranks hard prompts above easy ones")
    func trainingDeterministic() throws {
        let policy = try BundledPolicies.defaultPolicy()
        let records = Self.syntheticRecords(count: 120)
        let options = CalibrationOptions(target: .qualityRatio(0.95), lambdas: [1e-2, 1e-3], folds: 3,
                                         priceDate: Date(timeIntervalSince1970: 1_790_000_000))
        let first = try Calibrator.train(policy: policy, records: records, options: options)
        let second = try Calibrator.train(policy: policy, records: records, options: options)
        #expect(first.model.encodedJSON() == second.model.encodedJSON())
        #expect(first.thresholds == second.thresholds)
        let engine = PolicyEngine(policy: first.policy)
        let hard = engine.decide(RoutingInput(text: "prove the theorem by induction number 3"))
        let easy = engine.decide(RoutingInput(text: "what is the capital of france number 3"))
        #expect(hard.score > easy.score + 0.3)
        #expect(first.crossValidatedAPGR.allSatisfy { ($0.apgr ?? 0) > 0.8 })
    }

    @Test("the calibrated YAML replaces the thresholds block and adds the scorer block, keeping the rest")
    func writer() {
        let base = "name: p\nthresholds:          # old\n  haiku: 0.0\n  opus: 0.2\n    # trailing comment\ntasks: {}\n"
        let out = CalibratedPolicyWriter.render(baseYAML: base, tiers: ["haiku", "sonnet", "opus"], thresholds: [0, nil, 0.31],
                                                modelPath: "p.scorer.json", sha256: "ab", note: "note")
        #expect(out.contains("scorer:"))
        #expect(out.contains("  model: p.scorer.json\n  sha256: ab\nthresholds:                      # note\n  haiku: 0.0\n  opus: 0.31\ntasks: {}\n"))
        #expect(!out.contains("# old"))
        #expect(!out.contains("sonnet:"))
    }

    @Test("the base policy's no-evidence guard is written into the new scorer block; without one nothing is added")
    func writerKeepsGuard() {
        let base = "name: p\nscorer:\n  kind: learned\n  model: old.json\n  sha256: cd\n  no_signal_fallback: true\n"
            + "  min_known_fraction: 0.3\n  heuristic_weight: 0.95\nthresholds: { haiku: 0 }\ntasks: {}\n"
        let out = CalibratedPolicyWriter.render(baseYAML: base, tiers: ["haiku", "opus"], thresholds: [0, 0.2],
                                                modelPath: "p.scorer.json", sha256: "ab", note: "n",
                                                noSignalFallback: true, minKnownFraction: 0.3)
        #expect(out.contains("  sha256: ab\n  no_signal_fallback: true\n  min_known_fraction: 0.3\nthresholds:"))
        #expect(!out.contains("heuristic_weight"))
        #expect(!out.contains("old.json"))
        let plain = CalibratedPolicyWriter.render(baseYAML: "name: p\n", tiers: ["haiku"], thresholds: [0],
                                                  modelPath: "m.json", sha256: "ab", note: "n")
        #expect(!plain.contains("no_signal_fallback") && !plain.contains("min_known_fraction"))
    }
}
