import ClaudeClient
import Foundation
package import Router
import RouterPolicies

/// Grades answers for `judge` checks (model-graded evals): one call per check to the model of
/// the tier the check or the suite names, sent as an explicit model through a router whose
/// ledger records every grading call with task `eval_judge` and metadata `eval_judge: true`,
/// so the ledger keeps the judge's cost apart from the routed calls.
package struct EvalJudge: Sendable {
    /// Routes (as a pass-through of the named model) and records the grading calls.
    package var router: ModelRouter
    /// Tier name to model id, from the policy the judge tiers are looked up in.
    package var models: [String: String]
    /// Verdicts are cached like answers (same answer, rubric and judge model: same verdict).
    package var cache: EvalCacheBinding?

    /// A judge; `models` maps tier names to model ids.
    package init(router: ModelRouter, models: [String: String], cache: EvalCacheBinding? = nil) {
        self.router = router
        self.models = models
        self.cache = cache
    }

    /// The task every grading call carries in the ledger.
    package static let task = "eval_judge"

    /// The grader's instructions (the system prompt of every grading call).
    static let instructions = """
    You grade an answer against a rubric. Judge only whether the answer meets the rubric. \
    Reply with one JSON object and nothing else: {"pass": true or false, "reason": "one short sentence"}.
    """

    /// A grading verdict: failure text (nil when it passed) and what the call cost this run
    /// (zero for a cached verdict, nil when unpriced).
    struct Verdict {
        var failure: String?
        var cost: USDAmount?
    }

    /// Grades `answer` to `prompt` against `check`.
    func grade(_ check: JudgeCheck, prompt: String, answer: String, item: EvalCase, variant: String,
               control: RunControl) async -> Verdict {
        guard let tier = check.tier else {
            return Verdict(failure: "judge: no tier grades this check (name one, or set 'judge: {tier: …}' on the suite)", cost: .zero)
        }
        guard let model = models[tier] else {
            return Verdict(failure: "judge: '\(tier)' is not a tier of the judging policy", cost: .zero)
        }
        let question = "<rubric>\n\(check.rubric)\n</rubric>\n<question>\n\(prompt)\n</question>\n<answer>\n\(answer)\n</answer>"
        let key = cache.map { $0.judgeKey(model: model, question: question) }
        if let cache, cache.read, let key, let stored = cache.cache.result(for: key) {
            return Verdict(failure: Self.failure(of: stored.answer), cost: .zero)
        }
        let request = MessageRequest(model: model, maxTokens: 300, messages: [.user(question)], system: .text(Self.instructions))
        let options = CallOptions(task: Self.task, metadata: ["eval_judge": "true", "eval_case": item.id, "judged_variant": variant])
        do {
            let response = try await router.send(request, options: options)
            let cost: USDAmount? = response.unpricedAttempts > 0 ? nil : response.totalCost
            let text = response.message.text
            if let cache, let key, response.message.stopReason == .endTurn {
                cache.cache.store(CachedResult(
                    tier: tier, model: response.message.model, task: Self.task, reason: "judge", answer: text,
                    outputTokens: response.message.usage.outputTokens, inputTokens: 0, costUSD: cost?.exactDecimal,
                    baselineCostUSD: nil, latencyMs: 0, escalated: false, attempts: [],
                    mockReply: response.message.id.hasPrefix(CaseOutcome.mockMessageIDPrefix),
                    stopReason: response.message.stopReason?.rawValue ?? ""), key: key, caseID: item.id, variant: "eval-judge")
            }
            return Verdict(failure: Self.failure(of: text), cost: cost)
        } catch {
            if let error = error as? RouterError, let record = error.unrecorded { control.keepUnrecorded(record) }
            if LiveRun.isFatal(error) { control.stop(fatal: error) }
            return Verdict(failure: "judge: the grading call failed: \(LiveRun.describe(error))", cost: .zero)
        }
    }

    /// nil when the grader's reply says pass; else why not. The reply is a JSON object with a
    /// boolean `pass` (a Markdown fence around it is fine), or text starting with PASS or FAIL.
    static func failure(of reply: String) -> String? {
        if let object = EvalCheck.parseJSON(reply) as? [String: Any], let pass = object["pass"] as? Bool {
            let reason = (object["reason"] as? String).map { ": " + EvalCheck.excerpt($0) } ?? ""
            return pass ? nil : "judge: fails the rubric\(reason)"
        }
        let head = reply.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        if head.hasPrefix("PASS") { return nil }
        if head.hasPrefix("FAIL") { return "judge: fails the rubric: \(EvalCheck.excerpt(reply))" }
        return "judge: unreadable verdict (expected {\"pass\": …}): \(EvalCheck.excerpt(reply))"
    }
}

extension EvalCacheBinding {
    /// The cache key of a grading call: SHA-256 of the key version, the judge model, the
    /// answers source and the whole grading prompt (rubric, question and answer).
    func judgeKey(model: String, question: String) -> String {
        let object: [String: Any] = [
            "key_version": Self.keyVersion, "kind": "judge", "model": model, "answers_source": answersSource,
            "system": EvalJudge.instructions, "question": question,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return SHA256.hex(of: Array(data))
    }
}

extension LiveRun {
    /// Runs the case's `command` and `judge` checks on `outcome`'s answer, adding their
    /// failures to it and the judge's cost to `judgeCost`.
    static func runDeferredChecks(_ item: EvalCase, on outcome: inout CaseOutcome, judge: EvalJudge?, control: RunControl) async {
        guard let answer = outcome.answer, item.checks.contains(where: \.check.isDeferred) else { return }
        var judgeCost: USDAmount? = .zero
        var judged = false
        for located in item.checks {
            switch located.check {
            case .command(let command):
                if let failure = await command.failure(answer: answer, caseID: item.id, variant: outcome.variant) {
                    outcome.failures.append(failure)
                }
            case .judge(let check):
                judged = true
                guard let judge else {
                    outcome.failures.append("judge: no judge is configured for this run")
                    continue
                }
                let verdict = await judge.grade(check, prompt: outcome.prompt ?? item.displayPrompt, answer: answer, item: item,
                                                variant: outcome.variant, control: control)
                if let failure = verdict.failure { outcome.failures.append(failure) }
                judgeCost = verdict.cost.flatMap { cost in judgeCost.map { $0 + cost } }
            default:
                continue
            }
        }
        if judged { outcome.judgeCost = judgeCost }
        outcome.passed = outcome.failures.isEmpty
    }
}
