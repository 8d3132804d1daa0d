package import ClaudeClient
import Foundation
package import Router
package import RouterPolicies
import Synchronization

/// Runs a suite against the API through a `ModelRouter`: one routed call per case, with bounded
/// concurrency, each case's checks evaluated on the final reply.
package struct LiveRun: Sendable {
    /// Calls in flight at once.
    package var concurrency: Int
    /// Called after each finished case with (finished, total).
    package var progress: (@Sendable (Int, Int) -> Void)?
    /// Called with each case's outcome as soon as it is known (cases not run included), for
    /// progress lines that show the running cost and passes.
    package var onOutcome: (@Sendable (CaseOutcome) -> Void)?
    /// The result cache for this variant: hits are answered without a call, and successful
    /// replies are stored. nil: no cache (`--no-cache`, a dry run, no cache path).
    package var cache: EvalCacheBinding?
    /// Grades `judge` checks; nil when the suite has none.
    package var judge: EvalJudge?

    /// A runner with `concurrency` calls in flight (default 4).
    package init(concurrency: Int = 4, progress: (@Sendable (Int, Int) -> Void)? = nil,
                 onOutcome: (@Sendable (CaseOutcome) -> Void)? = nil) {
        self.concurrency = concurrency
        self.progress = progress
        self.onOutcome = onOutcome
    }

    /// The request a case sends: `model: "auto"` (routed by the policy) and `max_tokens` 0
    /// (the policy's) unless the case sets `max_tokens`.
    package static func request(for item: EvalCase) -> MessageRequest {
        MessageRequest(
            model: "auto", maxTokens: item.maxTokens ?? 0,
            messages: item.messages.map { $0.role == "assistant" ? .assistant($0.text) : .user($0.text) },
            system: item.system.map { SystemPrompt.text($0) })
    }

    /// Errors after which every further call would fail the same way, so the run stops
    /// starting calls: authentication, permission, an unreachable API, a missing API key — and a
    /// ledger that can no longer be written (calls that cannot be recorded must not be made).
    /// Every other failure fails its case and the run goes on.
    package static func isFatal(_ error: any Error) -> Bool {
        if let error = error as? RouterError {
            if error.code == .ledgerWriteFailed { return true }
            return error.underlying.map(isFatal) ?? false
        }
        guard let error = error as? ClaudeError else { return false }
        if error.code == .refusedClientSide { return error.message.contains("API key") }
        return [.authentication, .permission, .connection].contains(error.code)
    }

    /// Runs every case of `suite` through `router` as variant `variant`. A fatal error (see
    /// `isFatal`) or `control.stop` stops new calls: cases not yet started are marked not run,
    /// and the reason is left in `control` for the caller. Never throws: a partial run is
    /// still a run to report.
    package func run(_ suite: EvalSuite, router: ModelRouter, variant: String, policyFile: String,
                     policy: Policy? = nil, control: RunControl = RunControl()) async -> VariantRun {
        let total = suite.cases.count
        var onFinished: (@Sendable (Int) -> Void)?
        if let report = progress {
            onFinished = { finished in report(finished, total) }
        }
        let onOutcome = self.onOutcome, cache = self.cache, judge = self.judge
        let body: @Sendable (EvalCase) async -> CaseOutcome = { item in
            let outcome: CaseOutcome
            if let reason = control.stopReason {
                outcome = CaseOutcome(caseID: item.id, variant: variant, task: item.task ?? "", passed: false,
                                      failures: ["not run: \(reason)"])
            } else {
                outcome = await Self.runCase(item, router: router, variant: variant, control: control, cache: cache,
                                              judge: judge)
            }
            onOutcome?(outcome)
            return outcome
        }
        let outcomes = await boundedConcurrentMap(suite.cases, limit: concurrency, progress: onFinished, body)
        return VariantRun(name: variant, policyFile: policyFile, outcomes: outcomes, policyName: policy?.name ?? "",
                          policyHash: policy?.contentHash ?? "")
    }

    /// The checks handed to the router as escalation checks, by fixture name. Only JSON
    /// validity is: it is the check an application would also run in production. The others
    /// are measured, not acted on.
    package static func escalationChecks(for item: EvalCase) -> [String] {
        item.checks.contains { if case .jsonValid = $0.check { true } else { false } } ? ["json_valid"] : []
    }

    static func runCase(_ item: EvalCase, router: ModelRouter, variant: String, control: RunControl,
                        cache: EvalCacheBinding? = nil, judge: EvalJudge? = nil) async -> CaseOutcome {
        let key = cache?.key(for: item)
        if let cache, cache.read, let key, let stored = cache.cache.result(for: key) {
            var outcome = CaseOutcome.fromCache(stored, item: item, variant: variant)
            await runDeferredChecks(item, on: &outcome, judge: judge, control: control)
            return outcome
        }
        var metadata = item.metadata
        metadata["eval_case"] = item.id
        let options = CallOptions(task: item.task, metadata: metadata,
                                  checks: escalationChecks(for: item).isEmpty ? [] : [.jsonValid])
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
            var outcome = CaseOutcome(
                caseID: item.id, variant: variant, task: item.task ?? decision.task, tier: decision.tier,
                model: response.message.model, passed: evaluation.passed, failures: evaluation.failures,
                skippedChecks: evaluation.skipped, cost: cost, baselineCost: response.baselineCost,
                latencyMs: latencyMs, escalated: response.attempts.count > 1,
                inputTokens: response.attempts.map(\.usage.promptTokens).reduce(0, +),
                outputTokens: response.message.usage.outputTokens, reason: decision.reason)
            outcome.mockReply = response.message.id.hasPrefix(CaseOutcome.mockMessageIDPrefix)
            outcome.prompt = item.displayPrompt
            outcome.answer = response.message.text
            outcome.attempts = response.attempts.map { attempt in
                let detail: String? = switch attempt.outcome {
                case .success: attempt.trigger.map { "unresolved " + $0.rawValue }
                case .escalated(let reason): reason
                case .error(let code): code
                }
                return AttemptLine(
                    attempt: attempt.attempt, tier: attempt.decision.tier, model: attempt.decision.model,
                    outcome: attempt.outcome.kind + (detail.map { ": " + $0 } ?? ""),
                    inputTokens: attempt.usage.promptTokens, outputTokens: attempt.usage.output,
                    cost: attempt.cost?.total, latencyMs: attempt.latency.whole(.milliseconds(1)))
            }
            // Only whole, successful replies are reused: never an error (thrown above), never a
            // reply cut off by max_tokens or refused. A reply whose JSON check failed on every
            // tier is still the answer the routing gives, and is reused like any other.
            let stop = response.message.stopReason
            if let cache, let key, stop == .endTurn || stop == .stopSequence {
                cache.cache.store(CachedResult(
                    tier: decision.tier, model: response.message.model, task: outcome.task, reason: decision.reason,
                    answer: response.message.text, outputTokens: response.message.usage.outputTokens,
                    inputTokens: outcome.inputTokens ?? 0, costUSD: cost?.exactDecimal,
                    baselineCostUSD: response.baselineCost?.exactDecimal, latencyMs: latencyMs, escalated: outcome.escalated,
                    attempts: outcome.attempts, mockReply: outcome.mockReply, stopReason: stop?.rawValue ?? ""),
                    key: key, caseID: item.id, variant: variant)
            }
            await runDeferredChecks(item, on: &outcome, judge: judge, control: control)
            return outcome
        } catch {
            if let error = error as? RouterError, let record = error.unrecorded { control.keepUnrecorded(record) }
            if isFatal(error) { control.stop(fatal: error) }
            var outcome = CaseOutcome(caseID: item.id, variant: variant, task: item.task ?? "", passed: false,
                                      failures: ["call failed: \(Self.describe(error))"])
            outcome.prompt = item.displayPrompt
            return outcome
        }
    }

    /// A one-line, secret-free description of a call error.
    package static func describe(_ error: any Error) -> String {
        if let error = error as? ClaudeError { return error.description }
        if let error = error as? RouterError { return error.description }
        return String(describing: type(of: error))
    }
}

/// Shared stop state of a live eval across its concurrent cases and variants: why new calls
/// must not start (a fatal error, an interruption), and the ledger records that could not be
/// written. A class: the `Mutex` must be shared, not copied, by the cases' closures.
package final class RunControl: Sendable {
    private struct State {
        var fatal: (any Error)?
        var interrupted: String?
        var unrecorded: [LedgerRecord] = []
    }

    private let state = Mutex(State())

    /// A control with nothing stopped.
    package init() {}

    /// The first fatal error, if any.
    package var fatal: (any Error)? { state.withLock { $0.fatal } }

    /// Why new calls must not start (`nil` while they may), for "not run: …" outcomes.
    package var stopReason: String? {
        state.withLock { state in
            if let interrupted = state.interrupted { return "interrupted by \(interrupted)" }
            if let fatal = state.fatal { return "an earlier call failed fatally (\(LiveRun.describe(fatal)))" }
            return nil
        }
    }

    /// Ledger records of paid attempts that could not be written, in the order they failed.
    package var unrecorded: [LedgerRecord] { state.withLock { $0.unrecorded } }

    /// Stops new calls after `error` (the first one is kept).
    package func stop(fatal error: any Error) {
        state.withLock { if $0.fatal == nil { $0.fatal = error } }
    }

    /// Stops new calls because the run was interrupted (`signal` names it, e.g. `SIGINT`).
    package func interrupt(_ signal: String) {
        state.withLock { if $0.interrupted == nil { $0.interrupted = signal } }
    }

    /// Keeps a record whose ledger write failed.
    package func keepUnrecorded(_ record: LedgerRecord) {
        state.withLock { $0.unrecorded.append(record) }
    }
}
