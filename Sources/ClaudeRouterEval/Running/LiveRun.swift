package import ClaudeClient
import Foundation
package import Router
import RouterPolicies
import Synchronization

/// Runs a suite against the API through a `ModelRouter`: one routed call per case, with bounded
/// concurrency, each case's checks evaluated on the final reply.
package struct LiveRun: Sendable {
    /// Calls in flight at once.
    package var concurrency: Int
    /// Called after each finished case with (finished, total).
    package var progress: (@Sendable (Int, Int) -> Void)?

    /// A runner with `concurrency` calls in flight (default 4).
    package init(concurrency: Int = 4, progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.concurrency = concurrency
        self.progress = progress
    }

    /// The request a case sends: `model: "auto"` (routed by the policy) and `max_tokens` 0
    /// (the policy's) unless the case sets `max_tokens`.
    package static func request(for item: EvalCase) -> MessageRequest {
        MessageRequest(
            model: "auto", maxTokens: item.maxTokens ?? 0,
            messages: item.messages.map { $0.role == "assistant" ? .assistant($0.text) : .user($0.text) },
            system: item.system.map { SystemPrompt.text($0) })
    }

    /// Errors after which every further call would fail the same way: the run stops and the
    /// error is rethrown (authentication, permission, unreachable API).
    package static func isFatal(_ error: any Error) -> Bool {
        guard let error = error as? ClaudeError else { return false }
        return [.authentication, .permission, .connection, .refusedClientSide].contains(error.code)
    }

    /// Runs every case of `suite` through `router` as variant `variant`. Throws the first fatal
    /// error (see `isFatal`); other failures fail the case and the run goes on.
    package func run(_ suite: EvalSuite, router: ModelRouter, variant: String, policyFile: String) async throws -> VariantRun {
        let fatal = FatalErrorBox()
        let total = suite.cases.count
        var onFinished: (@Sendable (Int) -> Void)?
        if let report = progress {
            onFinished = { finished in report(finished, total) }
        }
        let body: @Sendable (EvalCase) async -> CaseOutcome = { item in
            if fatal.error != nil {
                return CaseOutcome(caseID: item.id, variant: variant, task: item.task ?? "", passed: false,
                                   failures: ["not run: an earlier call failed fatally"])
            }
            return await Self.runCase(item, router: router, variant: variant, fatal: fatal)
        }
        let outcomes = await boundedConcurrentMap(suite.cases, limit: concurrency, progress: onFinished, body)
        if let error = fatal.error { throw error }
        return VariantRun(name: variant, policyFile: policyFile, outcomes: outcomes)
    }

    static func runCase(_ item: EvalCase, router: ModelRouter, variant: String, fatal: FatalErrorBox) async -> CaseOutcome {
        var metadata = item.metadata
        metadata["eval_case"] = item.id
        // Only JSON validity is handed to the router as an escalation check: it is the check an
        // application would also run in production. The others are measured, not acted on.
        let hasJSONCheck = item.checks.contains { if case .jsonValid = $0.check { true } else { false } }
        let options = CallOptions(task: item.task, metadata: metadata, checks: hasJSONCheck ? [.jsonValid] : [])
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await router.send(request(for: item), options: options)
            let elapsed = started.duration(to: clock.now)
            let latencyMs = elapsed / .milliseconds(1)
            let cost: USDAmount? = response.unpricedAttempts > 0 ? nil : response.totalCost
            let decision = response.decision
            let evaluation = item.evaluate(CheckSubject(
                text: response.message.text, outputTokens: response.message.usage.outputTokens, cost: cost,
                latencyMs: latencyMs, tier: decision.tier))
            return CaseOutcome(
                caseID: item.id, variant: variant, task: item.task ?? decision.task, tier: decision.tier,
                model: response.message.model, passed: evaluation.passed, failures: evaluation.failures,
                skippedChecks: evaluation.skipped, cost: cost, baselineCost: response.baselineCost,
                latencyMs: latencyMs, escalated: response.attempts.count > 1,
                inputTokens: response.attempts.map(\.usage.promptTokens).reduce(0, +),
                outputTokens: response.message.usage.outputTokens, reason: decision.reason)
        } catch {
            if isFatal(error) { fatal.set(error) }
            return CaseOutcome(caseID: item.id, variant: variant, task: item.task ?? "", passed: false,
                               failures: ["call failed: \(Self.describe(error))"])
        }
    }

    /// A one-line, secret-free description of a call error.
    package static func describe(_ error: any Error) -> String {
        if let error = error as? ClaudeError { return error.description }
        if let error = error as? RouterError { return error.description }
        return String(describing: type(of: error))
    }
}

/// The first fatal error of a run, shared by its concurrent cases (a class: the `Mutex` must
/// be shared, not copied, by the cases' closures).
final class FatalErrorBox: Sendable {
    private let stored = Mutex<(any Error)?>(nil)

    var error: (any Error)? { stored.withLock { $0 } }

    func set(_ error: any Error) {
        stored.withLock { if $0 == nil { $0 = error } }
    }
}
