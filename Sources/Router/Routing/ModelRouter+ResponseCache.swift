import ClaudeClient
import Foundation
import Logging
import RouterPolicies

extension ModelRouter {
    /// What the response cache says about a call before it is sent.
    enum ResponseCacheLookup {
        /// The task has no response cache, no cache is configured, or the partition key is missing.
        case notCached
        /// Not stored (or expired): after a clean reply, store it under `key` for `policy`.
        case miss(key: String, task: String, policy: ResponseCachePolicy)
        /// Served from the cache: recorded, no request sent.
        case hit(RoutedResponse)
    }

    /// Looks `request` up in the response cache when its task opts in. A hit is recorded in the
    /// ledger ($0, `responseCacheHit`, the stored call's cost as `avoidedCost`), counted in
    /// metrics and returned; a cache that cannot be read is logged and treated as a miss.
    /// - Throws: `RouterError.ledgerWriteFailed` when the hit's record cannot be written (the
    ///   stored reply travels with the error).
    func lookUpResponse(_ request: MessageRequest, options callOptions: CallOptions, logger: Logger?,
                        isStream: Bool = false) async throws -> ResponseCacheLookup {
        guard let cache = options.responseCache else { return .notCached }
        let snapshot = await store.current()
        // Without a task that caches, no decision can find settings: skip deciding twice per call.
        guard snapshot.policy.tasks.values.contains(where: { $0.responseCache != nil }) else { return .notCached }
        let input = RoutingInput(request: request, options: callOptions)
        let decision = initialDecision(request, input: input, engine: snapshot.engine)
        guard let settings = snapshot.policy.tasks[decision.task]?.responseCache else { return .notCached }
        var partition: String?
        if let partitionKey = settings.partitionBy {
            // No partition value, no caching: an answer must never cross partitions.
            guard let value = input.metadata[partitionKey] else { return .notCached }
            partition = "\(partitionKey)=\(value)"
        }
        guard let key = ResponseCacheKey(request: request, task: decision.task, policyHash: snapshot.policy.contentHash,
                                         partition: partition, requestOptions: callOptions.request).digest else { return .notCached }
        let log = logger ?? self.logger
        let started = ContinuousClock.now
        let now = options.now()
        let entry: ResponseCache.Entry?
        do {
            entry = try cache.lookup(key: key, now: now)
        } catch {
            log.warning("response cache unreadable; sending the request", metadata: ["error": "\(error)"])
            return .miss(key: key, task: decision.task, policy: settings)
        }
        guard let entry, let message = try? JSONDecoder().decode(Message.self, from: entry.messageJSON) else {
            metrics.responseCacheMiss(task: decision.task)
            return .miss(key: key, task: decision.task, policy: settings)
        }
        return .hit(try await recordHit(entry, message: message, decision: decision, input: input,
                                        snapshot: snapshot, started: started, isStream: isStream, logger: log))
    }

    /// Writes the ledger record of a response-cache hit and builds the caller's response.
    private func recordHit(_ entry: ResponseCache.Entry, message: Message, decision: RoutingDecision,
                           input: RoutingInput, snapshot: PolicyStore.Snapshot, started: ContinuousClock.Instant,
                           isStream: Bool, logger: Logger) async throws -> RoutedResponse {
        var decision = decision
        decision.model = entry.model
        decision.tier = entry.tier
        decision.reason = "served from the response cache (stored \(ISO8601DateFormatter().string(from: entry.storedAt)))"
        let policy = snapshot.policy
        let baselineModel = policy.tierIndex(named: policy.baselineTier).map { policy.tiers[$0].model }
        let latency = ContinuousClock.now - started
        let id = RecordID.next()
        var record = LedgerRecord(
            id: id, time: options.now(), requestID: "response_cache_" + id, attempt: 1, task: decision.task,
            variant: decision.variant, policyName: policy.name, policyHash: policy.contentHash, tier: entry.tier,
            model: entry.model, reason: decision.reason, score: decision.score, usage: TokenUsage(), cost: LedgerRecord.Cost(),
            baselineModel: baselineModel, baselineCost: .zero, latencyMs: latency.whole(.milliseconds(1)),
            outcome: .success, stream: isStream, metadata: input.metadata,
            promptText: options.recordContent ? input.text : nil,
            responseText: options.recordContent ? message.text : nil)
        record.responseCacheHit = true
        record.avoidedCost = entry.cost
        let zero = CostBreakdown(input: .zero, cacheWrite5m: .zero, cacheWrite1h: .zero, cacheRead: .zero, output: .zero,
                                 modelID: entry.model, priceID: "response-cache", tierAbovePromptTokens: nil, batch: false,
                                 inferenceGeo: nil, multiplier: "0")
        let summary = AttemptSummary(attempt: 1, recordID: id, decision: decision, requestID: record.requestID,
                                     usage: TokenUsage(), cost: zero, baselineCost: .zero, latency: latency,
                                     outcome: .success, trigger: nil)
        var response = RoutedResponse(message: message, attempts: [summary], unresolvedTrigger: nil)
        response.messageJSON = entry.messageJSON
        response.responseCacheHit = true
        response.avoidedCost = entry.cost
        metrics.responseCacheHit(task: decision.task, avoided: entry.cost)
        do {
            try await ledger.record(record)
        } catch {
            metrics.ledgerWriteFailed()
            logger.error("ledger write failed", metadata: ["record": "\(record.id)", "error": "\(error)"])
            throw RouterError(code: .ledgerWriteFailed, message: "the response-cache hit's ledger record could not be written: \(error)",
                              underlying: error, response: response, unrecorded: record)
        }
        return response
    }

    /// Stores a finished call's reply when it is clean: never an error, a refusal, a truncated
    /// reply (`max_tokens`, context window), a paused turn, or a reply that still fails a trigger.
    func storeResponse(_ response: RoutedResponse, key: String, task: String, policy: ResponseCachePolicy,
                       logger: Logger?) {
        guard let cache = options.responseCache, response.unresolvedTrigger == nil,
              Self.isCacheable(response.message) else { return }
        let json: Data
        if let raw = response.messageJSON {
            json = raw
        } else if let encoded = try? JSONEncoder().encode(response.message) {
            json = encoded
        } else {
            return
        }
        let now = options.now()
        let cost = response.unpricedAttempts == 0 ? response.totalCost : nil
        let entry = ResponseCache.Entry(messageJSON: json, cost: cost, model: response.decision.model,
                                        tier: response.decision.tier, storedAt: now,
                                        expiresAt: now.addingTimeInterval(TimeInterval(policy.ttlSeconds)))
        do {
            try cache.store(entry, key: key, task: task)
            metrics.responseCacheStored(task: task)
        } catch {
            (logger ?? self.logger).warning("response cache write failed", metadata: ["error": "\(error)"])
        }
    }

    /// A reply that ended on its own terms (`end_turn`, `stop_sequence`, `tool_use`).
    static func isCacheable(_ message: Message) -> Bool {
        switch message.stopReason {
        case .endTurn?, .stopSequence?, .toolUse?: true
        default: false
        }
    }
}
