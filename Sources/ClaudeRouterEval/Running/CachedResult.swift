import Foundation
import RouterPolicies

/// One finished routed call as the result cache keeps it: everything a case's outcome and
/// checks need, so a cache hit is judged exactly like the call it replaces.
package struct CachedResult: Sendable, Hashable, Codable {
    /// Final tier and model.
    package var tier: String
    package var model: String
    /// Task type the policy used.
    package var task: String
    /// The routing decision's reason.
    package var reason: String
    /// The final answer's text.
    package var answer: String
    /// Output tokens of the final answer; input tokens over every attempt.
    package var outputTokens: Int
    package var inputTokens: Int
    /// What the call (every attempt) cost when it was made, as an exact decimal-dollar
    /// string; nil when an attempt was unpriced.
    package var costUSD: String?
    /// What the same tokens would have cost on the policy's baseline tier (exact decimal dollars).
    package var baselineCostUSD: String?
    /// Wall-clock latency of the original call in milliseconds.
    package var latencyMs: Double
    /// Whether the call escalated.
    package var escalated: Bool
    /// Every attempt of the original call.
    package var attempts: [AttemptLine]
    /// Whether the answer came from the local mock.
    package var mockReply: Bool
    /// The final reply's `stop_reason`.
    package var stopReason: String
}

/// What a variant's cache lookups share: the cache and the parts of the key that are the same
/// for every case of the variant.
package struct EvalCacheBinding: Sendable {
    /// The cache.
    package var cache: EvalResultCache
    /// Whether stored results are reused (`false` still stores new ones: unused today, kept
    /// so that a "refresh" mode needs no new plumbing).
    package var read: Bool
    /// The policy's content hash (it decides the tier, model and escalation path).
    package var policyHash: String
    /// Identity of the price book (costs are stored, so a price change must miss).
    package var pricesIdentity: String
    /// Where answers come from (the API base URL): a mock's answer never serves the real API.
    package var answersSource: String

    /// A binding; see the properties.
    package init(cache: EvalResultCache, read: Bool = true, policyHash: String, pricesIdentity: String, answersSource: String) {
        self.cache = cache
        self.read = read
        self.policyHash = policyHash
        self.pricesIdentity = pricesIdentity
        self.answersSource = answersSource
    }

    /// Version of the key's layout; bumping it invalidates every stored entry.
    package static let keyVersion = 1

    /// The cache key of `item`: SHA-256 (hex) of a canonical JSON object (sorted keys, no
    /// whitespace) holding the key version, the policy hash, the price book identity, the
    /// answers source, and the exact request the router is given: `model` (`auto`, routed by the
    /// policy), `max_tokens`, `system`, `messages` (role and text), the task, the caller
    /// metadata, and the checks handed to the router as escalation checks. The case id is not
    /// part of it (renaming a case reuses its result); nor are the case's other checks (editing
    /// a check re-judges the stored answer for free).
    package func key(for item: EvalCase) -> String {
        var request: [String: Any] = [
            "model": "auto", "max_tokens": item.maxTokens ?? 0,
            "messages": item.messages.map { ["role": $0.role, "content": $0.text] },
        ]
        if let system = item.system { request["system"] = system }
        let object: [String: Any] = [
            "key_version": Self.keyVersion, "policy_hash": policyHash, "prices": pricesIdentity,
            "answers_source": answersSource, "request": request, "task": item.task ?? NSNull(),
            "metadata": item.metadata, "escalation_checks": LiveRun.escalationChecks(for: item),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return SHA256.hex(of: Array(data))
    }

    /// Fingerprint of a whole run: the keys of every case under every variant, in order.
    package static func fingerprint(_ keys: [String]) -> String {
        SHA256.hex(of: Array(keys.joined(separator: "\n").utf8))
    }
}

extension CaseOutcome {
    /// The outcome of `item` answered from the cache: the stored answer, judged by the case's
    /// current checks (cost and latency checks see the original call's figures).
    static func fromCache(_ stored: CachedResult, item: EvalCase, variant: String) -> CaseOutcome {
        let cost = stored.costUSD.flatMap { USDAmount(dollars: $0) }
        let evaluation = item.evaluate(CheckSubject(
            text: stored.answer, outputTokens: stored.outputTokens, cost: cost, latencyMs: stored.latencyMs, tier: stored.tier))
        var outcome = CaseOutcome(
            caseID: item.id, variant: variant, task: item.task ?? stored.task, tier: stored.tier, model: stored.model,
            passed: evaluation.passed, failures: evaluation.failures, skippedChecks: evaluation.skipped, cost: cost,
            baselineCost: stored.baselineCostUSD.flatMap { USDAmount(dollars: $0) }, latencyMs: stored.latencyMs,
            escalated: stored.escalated, inputTokens: stored.inputTokens, outputTokens: stored.outputTokens,
            reason: stored.reason)
        outcome.cached = true
        outcome.mockReply = stored.mockReply
        outcome.prompt = item.displayPrompt
        outcome.answer = stored.answer
        outcome.attempts = stored.attempts
        return outcome
    }
}
