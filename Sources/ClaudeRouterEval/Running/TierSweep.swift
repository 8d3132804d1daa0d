import ClaudeClient
import Foundation
package import Router
package import RouterPolicies

/// Runs every eval case on every tier of a policy (the data `claude-router calibrate --fixtures`
/// learns from): one call per (case, tier) through a `ModelRouter`, with the tier's model named
/// in the request so the policy does not route it (the ledger still records every call, with
/// the case's task as the policy classifies it). Bounded concurrency; each reply is judged by
/// the case's checks except `expected_tier` (a routing check, not a quality one) and
/// `max_cost_usd` (calibration weighs cost itself).
package struct TierSweep: Sendable {
    /// Check kinds not counted towards a tier's pass.
    package static let ignoredChecks: Set<String> = ["expected_tier", "max_cost_usd"]

    /// What one case did on each tier.
    package struct CaseResult: Sendable {
        /// The case.
        package var item: EvalCase
        /// Tier name → passed the counted checks; a tier whose call failed is absent (unknown).
        package var passed: [String: Bool]
        /// Tier name → exact cost of the call from its real usage; absent when unpriced or failed.
        package var costUSD: [String: USDAmount]
        /// Tier name → why its call failed (secret-free), for calls that did.
        package var errors: [String: String]

        /// A case's results.
        package init(item: EvalCase, passed: [String: Bool], costUSD: [String: USDAmount], errors: [String: String]) {
            self.item = item
            self.passed = passed
            self.costUSD = costUSD
            self.errors = errors
        }
    }

    /// Calls in flight at once.
    package var concurrency: Int
    /// Called after each finished call with (finished, total calls).
    package var progress: (@Sendable (Int, Int) -> Void)?

    /// A sweep with `concurrency` calls in flight (default 4).
    package init(concurrency: Int = 4, progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.concurrency = concurrency
        self.progress = progress
    }

    /// Runs every case of `suite` on every tier of `router`'s policy, case by case in suite
    /// order. Throws the first fatal error (`LiveRun.isFatal`: authentication, permission,
    /// unreachable API, a ledger write failure); other failed calls leave that tier unknown for
    /// that case. Once `control` is stopped (a fatal error, or `interrupt` on a signal) no new
    /// call starts; paid attempts whose ledger record could not be written are kept in
    /// `control.unrecorded`.
    package func run(_ suite: EvalSuite, router: ModelRouter, policy: Policy,
                     control: RunControl = RunControl()) async throws -> [CaseResult] {
        let engine = PolicyEngine(policy: policy)
        let jobs = suite.cases.indices.flatMap { c in policy.tiers.indices.map { (c, $0) } }
        let total = jobs.count
        var onFinished: (@Sendable (Int) -> Void)?
        if let report = progress { onFinished = { finished in report(finished, total) } }
        let cases = suite.cases
        let outcomes = await boundedConcurrentMap(jobs, limit: concurrency, progress: onFinished) { job -> Attempt in
            if let reason = control.stopReason { return .failed("not run: \(reason)") }
            return await Self.call(cases[job.0], tier: policy.tiers[job.1], engine: engine, router: router, control: control)
        }
        if let error = control.fatal { throw error }
        var results = cases.map { CaseResult(item: $0, passed: [:], costUSD: [:], errors: [:]) }
        for (job, outcome) in zip(jobs, outcomes) {
            let tier = policy.tiers[job.1].name
            switch outcome {
            case .done(let passed, let cost):
                results[job.0].passed[tier] = passed
                if let cost { results[job.0].costUSD[tier] = cost }
            case .failed(let reason):
                results[job.0].errors[tier] = reason
            }
        }
        return results
    }

    enum Attempt: Sendable {
        case done(passed: Bool, cost: USDAmount?)
        case failed(String)
    }

    static func call(_ item: EvalCase, tier: Tier, engine: PolicyEngine, router: ModelRouter,
                     control: RunControl) async -> Attempt {
        // The policy's decision gives the task (for the ledger) and the max_tokens it would send.
        let decision = engine.decide(item.routingInput)
        let maxTokens = min(item.maxTokens ?? decision.maxTokens, tier.maxOutputTokens)
        let request = MessageRequest(
            model: tier.model, maxTokens: max(maxTokens, 1),
            messages: item.messages.map { $0.role == "assistant" ? .assistant($0.text) : .user($0.text) },
            system: item.system.map { SystemPrompt.text($0) })
        var metadata = item.metadata
        metadata["eval_case"] = item.id
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await router.send(request, options: CallOptions(task: decision.task, metadata: metadata))
            let latencyMs = started.duration(to: clock.now) / .milliseconds(1)
            let cost: USDAmount? = response.unpricedAttempts > 0 ? nil : response.totalCost
            var counted = item
            counted.checks.removeAll { ignoredChecks.contains($0.check.kind) }
            let evaluation = counted.evaluate(CheckSubject(
                text: response.message.text, outputTokens: response.message.usage.outputTokens, cost: cost,
                latencyMs: latencyMs, tier: tier.name))
            return .done(passed: evaluation.passed, cost: cost)
        } catch {
            if let error = error as? RouterError, let record = error.unrecorded { control.keepUnrecorded(record) }
            if LiveRun.isFatal(error) { control.stop(fatal: error) }
            return .failed(LiveRun.describe(error))
        }
    }

    /// The outcome line (docs/CALIBRATION.md) of one case: `id`, `task` (when the case names
    /// one), `prompt` (or `system` + `messages`), `metadata`, `passed` and `cost_usd` in tier
    /// order. `nil` when no tier's call succeeded (nothing is known about the case).
    package static func outcomeLine(_ result: CaseResult, tiers: [String]) -> String? {
        let known = tiers.filter { result.passed[$0] != nil }
        guard !known.isEmpty else { return nil }
        let item = result.item
        var fields = ["\"id\": " + DifficultyModel.quote(item.id)]
        if let task = item.task { fields.append("\"task\": " + DifficultyModel.quote(task)) }
        if item.system == nil, item.messages.count == 1, item.messages[0].role == "user" {
            fields.append("\"prompt\": " + DifficultyModel.quote(item.messages[0].text))
        } else {
            if let system = item.system { fields.append("\"system\": " + DifficultyModel.quote(system)) }
            let messages = item.messages.map {
                "{\"role\": \(DifficultyModel.quote($0.role)), \"content\": \(DifficultyModel.quote($0.text))}"
            }
            fields.append("\"messages\": [" + messages.joined(separator: ", ") + "]")
        }
        if !item.metadata.isEmpty {
            let entries = item.metadata.keys.sorted().map { "\(DifficultyModel.quote($0)): \(DifficultyModel.quote(item.metadata[$0]!))" }
            fields.append("\"metadata\": {" + entries.joined(separator: ", ") + "}")
        }
        fields.append("\"passed\": {" + known.map { "\(DifficultyModel.quote($0)): \(result.passed[$0]!)" }.joined(separator: ", ") + "}")
        let priced = tiers.filter { result.costUSD[$0] != nil }
        if !priced.isEmpty {
            fields.append("\"cost_usd\": {" + priced.map {
                "\(DifficultyModel.quote($0)): \"\(result.costUSD[$0]!.exactDecimal)\""
            }.joined(separator: ", ") + "}")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
