import ClaudeRouterEval
import Foundation
import RouterPolicies
import Testing

/// Per-task thresholds in calibration, the policy writer's edits, and outcome lines made from
/// eval cases.
@Suite("Calibration: per-task thresholds, writer, tier sweep lines")
struct CalibrationTaskTests {
    static let policy = try! Policy.parse(yaml: """
    name: t
    tiers:
      - { name: small, model: m-small, context_window: 100000, max_output_tokens: 1000 }
      - { name: large, model: m-large, context_window: 100000, max_output_tokens: 1000 }
    thresholds: { small: 0.0, large: 0.5 }
    tasks:
      easy: { min_tier: small }
      hard: { min_tier: small }
      few: { min_tier: small }
      pinned: { tier: large }
    classifier: { fallback_task: easy }

    """, file: "t.yaml")

    /// Rows of one task at ten score levels 0, 0.1, …, 0.9 (so every cross-validation fold sees
    /// each level): the small tier fails at `cut` and above; the large tier fails every 20th row
    /// routed by score (at level 0, where the small tier passes) and passes the rest.
    static func rows(count: Int, cut: Double, fixed: Int? = nil) -> [ThresholdSearch.Row] {
        (0..<count).map { i in
            let score = Double(i % 10) / 10
            return ThresholdSearch.Row(score: score, fixedTier: fixed, minTier: 0, maxTier: 1,
                                       passed: [score < cut, fixed != nil || i % 20 != 0], cost: [1, 10])
        }
    }

    @Test("a task with enough rows gets its own thresholds; the rest keep global ones, each with a reason")
    func perTask() throws {
        // 'easy' needs the large tier only above 0.8; 'hard' above 0.2. One global threshold
        // cannot serve both at the least cost.
        let easy = Self.rows(count: 100, cut: 0.8), hard = Self.rows(count: 100, cut: 0.2)
        let few = Self.rows(count: 10, cut: 0.5), pinned = Self.rows(count: 20, cut: 0.5, fixed: 1)
        let rows = easy + hard + few + pinned
        let tasks = Array(repeating: "easy", count: 100) + Array(repeating: "hard", count: 100)
            + Array(repeating: "few", count: 10) + Array(repeating: "pinned", count: 20)
        let options = CalibrationOptions(target: .passRate(1), folds: 4, minTaskRows: 50)
        let global = try ThresholdSearch().search(rows: rows, tierCount: 2, target: .passRate(1))
        let split = TaskThresholdFit.fit(rows: rows, tasks: tasks, policy: Self.policy, global: global, options: options)
        let byTask = Dictionary(uniqueKeysWithValues: split.tasks.map { ($0.task, $0) })
        #expect(byTask["easy"]?.thresholds == [0, 0.8], "\(split.tasks)")
        #expect(byTask["easy"]?.crossValidatedPassRate == 1)
        #expect(byTask["hard"]?.thresholds == [0, 0.2])
        #expect(byTask["few"]?.thresholds == nil)
        #expect(byTask["few"]?.note == "global: 10 rows < 50")
        #expect(byTask["pinned"]?.note == "fixed tier: thresholds do not apply")
        // The global thresholds are chosen again on the rows left to them ('few' and 'pinned').
        #expect(split.global.thresholds == [0, 0.5])
        // Every row still passes, and cheaper than one global threshold for all.
        #expect(split.estimate.passRate == 1)
        #expect(split.estimate.costPerCall < global.costPerCall)
    }

    @Test("the joint choice lets one group carry another's shortfall at the least total cost")
    func jointChoice() throws {
        typealias Point = ThresholdSearch.FrontierPoint
        // Group A: 10 rows; 6 passes for 6, 9 for 20. Group B (say, fixed tiers): always 5 passes for 10.
        let a = [Point(thresholds: [0, nil], passes: 6, cost: 6), Point(thresholds: [0, 0.5], passes: 9, cost: 20)]
        let b = [Point(thresholds: [0, nil], passes: 5, cost: 10)]
        // 14 of 20 needs A's 9-pass point; 11 of 20 is met by the cheap one.
        #expect(ThresholdSearch.combine([a, b], rowCount: 20, topPasses: 20, target: .passRate(0.7)) == [1, 0])
        #expect(ThresholdSearch.combine([a, b], rowCount: 20, topPasses: 20, target: .passRate(0.55)) == [0, 0])
        #expect(ThresholdSearch.combine([a, b], rowCount: 20, topPasses: 20, target: .passRate(0.8)) == nil)
        // A cap of $1.5 per call ($30 in all) affords the 9-pass point ($30); $0.9 only the cheap one ($16).
        #expect(ThresholdSearch.combine([a, b], rowCount: 20, topPasses: 20, target: .maxCostPerCall(1.5)) == [1, 0])
        #expect(ThresholdSearch.combine([a, b], rowCount: 20, topPasses: 20, target: .maxCostPerCall(0.9)) == [0, 0])
        // The frontier keeps, per pass count, the cheapest thresholds.
        let frontier = ThresholdSearch().frontier(rows: Self.rows(count: 20, cut: 0.5), tierCount: 2)
        #expect(frontier.map(\.passes) == frontier.map(\.passes).sorted())
        // Every row can pass: level 0 on the small tier (where the large one fails once), 0.5+ on the large.
        #expect(frontier.last?.passes == 20)
        #expect(frontier.last?.thresholds[1].map { $0 > 0 && $0 <= 0.5 } == true)
    }

    @Test("a task where a tier never fails keeps the global thresholds and says which tier")
    func degenerate() throws {
        let rows = Self.rows(count: 100, cut: 2)  // the small tier passes everything
        let global = try ThresholdSearch().search(rows: rows, tierCount: 2, target: .passRate(1))
        let split = TaskThresholdFit.fit(rows: rows, tasks: Array(repeating: "easy", count: 100), policy: Self.policy,
                                         global: global, options: CalibrationOptions(target: .passRate(1), minTaskRows: 50))
        #expect(split.tasks.first?.thresholds == nil)
        #expect(split.tasks.first?.note == "global: tier 'small' never fails on this task")
        #expect(split.global == global)
    }

    @Test("the writer renames the policy and sets, replaces or removes task thresholds in both layouts")
    func writerTasks() {
        let base = """
        name: base   # the name
        tiers: []
        tasks:
          # flow style, aligned
          qa:     { min_tier: haiku, max_tier: opus, thresholds: { haiku: 0.0, opus: 0.9 } }
          other:  { min_tier: haiku, max_tokens: 10 }
          block:
            min_tier: haiku
            thresholds:
              haiku: 0.0
            max_tokens: 20
          fixed:  { tier: opus }
        classifier: { fallback_task: qa }

        """
        let out = CalibratedPolicyWriter.render(
            baseYAML: base, tiers: ["haiku", "sonnet", "opus"], thresholds: [0, 0.4, 0.7], modelPath: "m.json", sha256: "ab",
            note: "n", taskThresholds: ["other": [0, nil, 0.25], "block": [0, 0.1, 0.2]], name: "base-calibrated")
        #expect(out.hasPrefix("name: base-calibrated\n"))
        #expect(out.contains("  qa:     { min_tier: haiku, max_tier: opus }\n"))
        #expect(out.contains("  other:  { min_tier: haiku, max_tokens: 10, thresholds: { haiku: 0.0, opus: 0.25 } }\n"))
        #expect(out.contains("  block:\n    min_tier: haiku\n    max_tokens: 20\n    thresholds: { haiku: 0.0, sonnet: 0.1, opus: 0.2 }\n"))
        #expect(out.contains("  fixed:  { tier: opus }\n"))
        #expect(out.contains("  # flow style, aligned\n"))
        // A name that is not a plain word is quoted.
        let quoted = CalibratedPolicyWriter.render(baseYAML: base, tiers: ["haiku"], thresholds: [0], modelPath: "m",
                                                   sha256: "ab", note: "n", name: "my policy: v2")
        #expect(quoted.hasPrefix("name: \"my policy: v2\"\n"))
    }

    @Test("an unknown tier in an outcome line suggests the close one")
    func didYouMean() throws {
        let error = try #require(throws: OutcomesError.self) {
            try OutcomesFile.parse(Array(#"{"prompt": "x", "passed": {"sonet": true}}"#.utf8), file: "o.jsonl",
                                   tiers: ["haiku", "sonnet", "opus"])
        }
        #expect(error.messages == ["o.jsonl:1: error: 'passed' names tier 'sonet', which the policy does not declare "
                                   + "(haiku, opus, sonnet); did you mean 'sonnet'?"])
        let cost = try #require(throws: OutcomesError.self) {
            try OutcomesFile.parse(Array(#"{"prompt": "x", "passed": {"haiku": true}, "cost_usd": {"hiaku": "0.1"}}"#.utf8),
                                   file: "o.jsonl", tiers: ["haiku", "sonnet", "opus"])
        }
        #expect(cost.messages == ["o.jsonl:1: error: 'cost_usd' names tier 'hiaku', which the policy does not declare; did you mean 'haiku'?"])
        let far = try #require(throws: OutcomesError.self) {
            try OutcomesFile.parse(Array(#"{"prompt": "x", "passed": {"gpt": true}}"#.utf8), file: "o.jsonl", tiers: ["haiku", "opus"])
        }
        #expect(far.messages == ["o.jsonl:1: error: 'passed' names tier 'gpt', which the policy does not declare (haiku, opus)"])
    }

    @Test("a swept case becomes an outcome line that parses back with its passes and exact costs")
    func sweepLine() throws {
        let mark = SourceMark(file: "f.yaml", line: 1, column: 1)
        let single = EvalCase(id: "a", task: "qa", messages: [FixtureMessage(role: "user", text: "Say \"hi\"\nplease")],
                              metadata: ["team": "x"], mark: mark)
        let line = try #require(TierSweep.outcomeLine(
            TierSweep.CaseResult(item: single, passed: ["haiku": false, "opus": true],
                                 costUSD: ["haiku": USDAmount(dollars: "0.000125")!, "opus": USDAmount(dollars: "0.0031")!],
                                 errors: ["sonnet": "overloaded"]),
            tiers: ["haiku", "sonnet", "opus"]))
        let conversation = EvalCase(id: "b", messages: [FixtureMessage(role: "user", text: "q"), FixtureMessage(role: "assistant", text: "a"),
                                                        FixtureMessage(role: "user", text: "q2")], system: "sys", mark: mark)
        let second = try #require(TierSweep.outcomeLine(
            TierSweep.CaseResult(item: conversation, passed: ["haiku": true], costUSD: [:], errors: [:]), tiers: ["haiku", "opus"]))
        let records = try OutcomesFile.parse(Array((line + "\n" + second + "\n").utf8), file: "o.jsonl",
                                             tiers: ["haiku", "sonnet", "opus"])
        #expect(records[0].text == "Say \"hi\"\nplease")
        #expect(records[0].task == "qa")
        #expect(records[0].metadata == ["team": "x"])
        #expect(records[0].passed == ["haiku": false, "opus": true])
        #expect(records[0].costUSD["haiku"] == USDAmount(dollars: "0.000125"))
        #expect(records[1].text == "sys\nq\na\nq2")
        #expect(records[1].messageCount == 3)
        #expect(records[1].task == nil)
        // No tier answered: nothing is known, so no line.
        #expect(TierSweep.outcomeLine(TierSweep.CaseResult(item: single, passed: [:], costUSD: [:], errors: ["haiku": "x"]),
                                      tiers: ["haiku"]) == nil)
    }
}
