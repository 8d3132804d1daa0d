public import ClaudeClient
import Foundation
public import Logging
public import RouterPolicies

/// One piece of work that can wait: sent through the Message Batches API at the batch price
/// (https://docs.anthropic.com/en/docs/build-with-claude/batch-processing).
public struct DeferredItem: Sendable {
    /// The caller's id for the item, unique within one submission: 1 to 64 characters of
    /// `A-Z a-z 0-9 _ -` (the API's `custom_id` rule). Results are mapped back by it.
    public var customID: String
    /// The request; `model: "auto"` (or empty) is decided by the policy, as for `send`.
    public var request: MessageRequest
    /// The item's task (must be `deferrable: true` in the policy) and metadata.
    public var options: CallOptions

    /// An item.
    public init(customID: String, request: MessageRequest, options: CallOptions) {
        self.customID = customID
        self.request = request
        self.options = options
    }
}

/// How a submission is split into Message Batches. The defaults are the API's limits
/// (https://docs.anthropic.com/en/docs/build-with-claude/batch-processing#batch-limitations):
/// 100,000 requests or 256 MB of request body per batch, whichever comes first.
public struct BatchLimits: Sendable, Hashable {
    /// Most requests per batch.
    public var maxRequests: Int
    /// Most bytes of the encoded `{"requests":[…]}` body per batch.
    public var maxBytes: Int

    /// Limits; the defaults are the API's.
    public init(maxRequests: Int = 100_000, maxBytes: Int = 256 * 1024 * 1024) {
        self.maxRequests = max(maxRequests, 1)
        self.maxBytes = max(maxBytes, 64)
    }

    /// Consecutive runs of `sizes` (encoded item bytes), each within both limits, in order.
    /// - Returns: `nil` when one item alone is larger than `maxBytes` (with the body's envelope).
    public func split(_ sizes: [Int]) -> [Range<Int>]? {
        // `{"requests":[` + `]}`, and a comma between items.
        let envelope = 15
        var ranges: [Range<Int>] = []
        var start = 0
        var bytes = envelope
        for (index, size) in sizes.enumerated() {
            if envelope + size > maxBytes { return nil }
            let added = (index > start ? 1 : 0) + size
            if index > start, index - start >= maxRequests || bytes + added > maxBytes {
                ranges.append(start..<index)
                start = index
                bytes = envelope + size
            } else {
                bytes += added
            }
        }
        if start < sizes.count { ranges.append(start..<sizes.count) }
        return ranges
    }
}

/// What the router knew of a deferred item when it submitted it.
public struct DeferredItemContext: Sendable, Hashable, Codable {
    /// The task the item was routed as.
    public var task: String
    /// The tier the policy chose.
    public var tier: String
    /// The model sent.
    public var model: String
    /// The routing reason.
    public var reason: String
    /// The routing score.
    public var score: Double
    /// The caller's metadata (stored on the item's ledger record).
    public var metadata: [String: String]
    /// Estimated input tokens history trimming removed before submitting; `nil` when nothing was trimmed.
    public var trimmedInputTokens: Int?
    /// The exact input tokens pre-flight `count_tokens` reported; `nil` when it did not run or failed.
    public var preflightInputTokens: Int?
    /// Ledger flags of the levers (`preflight_fallback: …`, `history_summary_failed: …`); `nil` when none.
    public var flags: [String]?
    /// The caller named the model (no routing): the item's baseline is that model at the
    /// standard price, so only the batch discount shows as a saving. `nil` (older saved batches)
    /// reads as false.
    public var callerNamedModel: Bool?

    /// A context.
    public init(task: String, tier: String, model: String, reason: String, score: Double, metadata: [String: String],
                trimmedInputTokens: Int? = nil, preflightInputTokens: Int? = nil, flags: [String]? = nil,
                callerNamedModel: Bool? = nil) {
        self.task = task
        self.tier = tier
        self.model = model
        self.reason = reason
        self.score = score
        self.metadata = metadata
        self.trimmedInputTokens = trimmedInputTokens
        self.preflightInputTokens = preflightInputTokens
        self.flags = flags
        self.callerNamedModel = callerNamedModel
    }
}

/// One submitted Message Batch.
public struct DeferredBatch: Sendable {
    /// The API's batch id (`msgbatch_…`).
    public var id: String
    /// The custom ids in it, in submission order.
    public var customIDs: [String]
    /// Each item's routing, by custom id (recorded with its result).
    public var items: [String: DeferredItemContext]
    /// The worst case held against the budgets for this batch (USD, at the batch price).
    public var reserved: USDAmount
    /// The holds (one per task and metadata); settled when the results are recorded.
    public var holds: [BatchHold]

    /// A batch, e.g. one remembered across processes (then without holds: a hold lives in the
    /// process or the SQLite file that reserved it).
    public init(id: String, customIDs: [String], items: [String: DeferredItemContext], reserved: USDAmount = .zero,
                holds: [BatchHold] = []) {
        self.id = id
        self.customIDs = customIDs
        self.items = items
        self.reserved = reserved
        self.holds = holds
    }
}

/// What ``ModelRouter/submitDeferred(_:limits:logger:)`` did.
public struct DeferredSubmission: Sendable {
    /// The batches created, in order.
    public var batches: [DeferredBatch]
    /// Items whose batch could not be created (none were sent; their holds were released),
    /// with the error; never silently dropped.
    public var unsubmitted: [(customID: String, error: String)]
}

/// How a batch's result for one item ended.
public enum DeferredOutcome: Sendable, Hashable {
    /// A reply, at this cost (batch price; `nil`: the model is unpriced).
    case succeeded(Message, cost: USDAmount?)
    /// The API refused or failed the item (`error.type`, message).
    case errored(type: String, message: String)
    /// The batch expired (24 h) before the item was processed.
    case expired
    /// The batch was canceled before the item was processed.
    case canceled
    /// The batch ended without a result line for the item (should not happen; reported, not dropped).
    case missing
}

/// The results of a submission.
public struct DeferredResults: Sendable {
    /// Every submitted item's outcome, by custom id.
    public var outcomes: [String: DeferredOutcome]
    /// Ledger records written now (items recorded by an earlier fetch are not counted again).
    public var recorded: Int
    /// The total cost of the records written now (USD, batch price); `nil` when one of them is
    /// unknown (an unpriced model or server-tool counter), never counted as $0.
    public var cost: USDAmount?

    /// The custom ids whose outcome is not `succeeded`, sorted.
    public var failedIDs: [String] {
        outcomes.filter { if case .succeeded = $0.value { false } else { true } }.keys.sorted()
    }
}

/// How a submission's batches are polled until they end: exponential backoff.
public struct BatchPolling: Sendable {
    /// The first wait after submitting.
    public var initialDelay: Duration
    /// The longest wait between two polls.
    public var maxDelay: Duration
    /// The factor between two waits (≥ 1).
    public var multiplier: Double
    /// Give up (``RouterError/Code/batchNotEnded``) after waiting this long in total. The API
    /// ends every batch within 24 hours (expiring what it did not process).
    public var timeout: Duration
    /// How a wait is done (tests inject a fake clock).
    public var sleep: @Sendable (Duration) async throws -> Void

    /// Defaults: 5 s doubling to 5 minutes, for up to 25 hours, with `Task.sleep`.
    public init(initialDelay: Duration = .seconds(5), maxDelay: Duration = .seconds(300), multiplier: Double = 2,
                timeout: Duration = .seconds(25 * 3600),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = max(multiplier, 1)
        self.timeout = timeout
        self.sleep = sleep
    }
}

extension ModelRouter {
    /// Routes each item by the policy, splits the items into Message Batches at `limits`,
    /// reserves each batch's worst case at the batch price against the budgets, and submits them.
    ///
    /// Nothing is sent when any item is refused: a task not marked `deferrable: true`, a custom id
    /// that is malformed or repeated, one item larger than a whole batch, or items whose
    /// ``CallOptions/request`` differ (a batch is sent, held and counted with one
    /// `anthropic-version` and one set of betas: the items'). A batch the API
    /// refuses has its hold released and its items listed in ``DeferredSubmission/unsubmitted``.
    /// History trimming and pre-flight apply to each item as to a direct call (same policy
    /// rules, after every item has been checked, so a refused submission sends nothing); what
    /// they did is kept in the item's ``DeferredItemContext`` and recorded with its result, and
    /// an exact pre-flight count replaces the byte bound in the batch's budget hold.
    /// - Throws: `RouterError` (`invalidBatch`; `budgetExceeded` or `unpricedUnderBudget` for the
    ///   first batch — later batches' budget errors put their items in `unsubmitted`).
    public func submitDeferred(_ items: [DeferredItem], limits: BatchLimits = .init(),
                               logger: Logger? = nil) async throws -> DeferredSubmission {
        let logger = logger ?? self.logger
        let snapshot = await store.current()
        var problems: [String] = []
        var seen: Set<String> = []
        var accepted: [DeferredItem] = []
        for (index, item) in items.enumerated() {
            if !Self.isValidCustomID(item.customID) {
                problems.append("item \(index + 1): custom id '\(item.customID)' must be 1 to 64 characters of A-Z a-z 0-9 _ -")
                continue
            }
            if !seen.insert(item.customID).inserted {
                problems.append("item \(index + 1): custom id '\(item.customID)' is repeated")
                continue
            }
            let input = RoutingInput(request: item.request, options: item.options)
            let decision = initialDecision(item.request, input: input, engine: snapshot.engine)
            if !snapshot.policy.isDeferrable(task: decision.task) {
                problems.append("item \(index + 1) (\(item.customID)): task '\(decision.task)' is not deferrable:true in the policy")
                continue
            }
            accepted.append(item)
        }
        if items.isEmpty { problems.append("no items to submit") }
        // One batch is one request to the API: its anthropic-version and betas are the batch's.
        let requestOptions = Set(accepted.map(\.options.request))
        if requestOptions.count > 1 {
            problems.append("the items ask for \(requestOptions.count) different anthropic-version/beta settings "
                + "(CallOptions.request); a batch is sent with one: submit each setting apart")
        }
        let batchRequestOptions = requestOptions.first ?? AnthropicClient.RequestOptions()
        guard problems.isEmpty else {
            throw RouterError(code: .invalidBatch, message: problems.joined(separator: "\n"))
        }
        var routed: [(item: DeferredItem, request: MessageRequest, context: DeferredItemContext, counted: Int?)] = []
        for item in accepted {
            // The same levers as a direct call: trimming (a summary is its own recorded call), then pre-flight.
            let prepared = try await prepare(item.request, options: item.options, snapshot: snapshot, logger: logger)
            let decision = prepared.decision
            var request = prepared.request
            request.model = decision.model
            request.maxTokens = decision.maxTokens
            request.stream = nil
            let notes = prepared.notes
            let context = DeferredItemContext(
                task: decision.task, tier: decision.tier, model: decision.model,
                reason: "deferred (Message Batches, batch price): " + decision.reason, score: decision.score,
                metadata: prepared.input.metadata, trimmedInputTokens: notes.trimmedInputTokens,
                preflightInputTokens: notes.preflightInputTokens, flags: notes.flags.isEmpty ? nil : notes.flags,
                callerNamedModel: item.request.namedModel == nil ? nil : true)
            routed.append((item, request, context, prepared.input.countedInputTokens))
        }
        let encoder = JSONEncoder()
        let sizes = try routed.map {
            try encoder.encode(BatchRequestItem(customID: $0.item.customID, params: $0.request)).count
        }
        guard let ranges = limits.split(sizes) else {
            let largest = sizes.max() ?? 0
            throw RouterError(code: .invalidBatch, message:
                "one request encodes to \(largest) bytes, more than a whole batch may hold (\(limits.maxBytes) bytes)")
        }

        var submission = DeferredSubmission(batches: [], unsubmitted: [])
        for range in ranges {
            let chunk = Array(routed[range])
            var holds: [BatchHold] = []
            do {
                // One hold per task and metadata, so per-user and per-task budgets see their own share.
                var groups: [String: [Int]] = [:]
                var order: [String] = []
                for (offset, entry) in chunk.enumerated() {
                    let key = entry.context.task + "\u{1}" + entry.context.metadata.sorted { $0.key < $1.key }
                        .map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append(offset)
                }
                for key in order {
                    let members = groups[key] ?? []
                    let first = chunk[members[0]]
                    var holdOptions = CallOptions(task: first.context.task, metadata: first.context.metadata)
                    holdOptions.request = batchRequestOptions
                    holds.append(try await reserveBatch(
                        members.map { (request: chunk[$0].request, countedInput: chunk[$0].counted) }, options: holdOptions))
                }
                let body = CreateBatchRequest(requests: chunk.map { BatchRequestItem(customID: $0.item.customID, params: $0.request) })
                let created = try await client.createBatch(body, logger: logger, options: batchRequestOptions).body
                submission.batches.append(DeferredBatch(
                    id: created.id, customIDs: chunk.map(\.item.customID),
                    items: Dictionary(uniqueKeysWithValues: chunk.map { ($0.item.customID, $0.context) }),
                    reserved: holds.reduce(USDAmount.zero) { $0 + $1.reservation.amount }, holds: holds))
                logger.info("message batch submitted", metadata: ["batch": "\(created.id)", "requests": "\(chunk.count)"])
            } catch {
                for hold in holds { await releaseBatch(hold) }
                if submission.batches.isEmpty, let error = error as? RouterError { throw error }
                let reason = Self.describe(error)
                submission.unsubmitted += chunk.map { (customID: $0.item.customID, error: reason) }
                logger.error("message batch not created", metadata: ["error": "\(reason)", "requests": "\(chunk.count)"])
            }
        }
        return submission
    }

    /// Polls every batch of `submission` with exponential backoff until it has ended, then reads
    /// its results, records each item once in the ledger at the batch price (task, tier and
    /// metadata as submitted), settles the batch's budget holds with what it cost, and maps each
    /// result back to its custom id. Errored, expired and canceled items are recorded (cost $0)
    /// and reported; an item without a result line is reported as ``DeferredOutcome/missing``.
    /// - Throws: `RouterError.batchNotEnded` when `polling.timeout` passes first (nothing of the
    ///   unfinished batches is recorded; poll again later), `ClaudeError`, the ledger's errors.
    public func collectDeferred(_ submission: DeferredSubmission, polling: BatchPolling = .init(),
                                logger: Logger? = nil) async throws -> DeferredResults {
        var results = DeferredResults(outcomes: [:], recorded: 0, cost: .zero)
        var pending = submission.batches
        var delay = polling.initialDelay
        var waited = Duration.zero
        while !pending.isEmpty {
            var still: [DeferredBatch] = []
            for batch in pending {
                let status = try await client.retrieveBatch(id: batch.id, logger: logger).body
                if status.processingStatus == .ended {
                    let collected = try await collect(batch, logger: logger)
                    results.outcomes.merge(collected.outcomes) { _, new in new }
                    results.recorded += collected.recorded
                    results.cost = results.cost.flatMap { sum in collected.cost.map { sum + $0 } }
                } else {
                    still.append(batch)
                }
            }
            pending = still
            guard !pending.isEmpty else { break }
            if waited >= polling.timeout {
                throw RouterError(code: .batchNotEnded, message:
                    "batches still processing after \(waited): \(pending.map(\.id).joined(separator: ", "))")
            }
            try await polling.sleep(delay)
            waited += delay
            delay = min(delay * polling.multiplier, polling.maxDelay)
        }
        return results
    }

    /// Reads one ended batch's results, records them and settles its holds.
    /// - Throws: `ClaudeError`, the ledger's errors.
    public func collect(_ batch: DeferredBatch, logger: Logger? = nil) async throws -> DeferredResults {
        var lines: [BatchResult] = []
        for try await line in try await client.batchResults(id: batch.id, logger: logger) { lines.append(line) }
        let costs = try await recordBatchItems(batchID: batch.id, results: lines, metadata: [:], items: batch.items)
        // Each hold (one per task and metadata) is settled with its own items' cost.
        for hold in batch.holds {
            // Only this hold's items written now; one of unknown cost keeps the hold (never $0).
            let share = Self.knownSum(batch.items.filter { $0.value.task == hold.task && $0.value.metadata == hold.metadata }
                .keys.compactMap { costs[$0] })
            await settleBatch(hold, actualCost: share)
        }
        var outcomes: [String: DeferredOutcome] = [:]
        for line in lines {
            switch line.result {
            case .succeeded(let message):
                outcomes[line.customID] = .succeeded(message, cost: costs[line.customID] ?? prices.cost(
                    of: CostAccounting.tokenUsage(message.usage), model: message.model, at: options.now(), batch: true)?.total)
            case .errored(let detail): outcomes[line.customID] = .errored(type: detail.type, message: detail.message)
            case .expired: outcomes[line.customID] = .expired
            case .canceled: outcomes[line.customID] = .canceled
            case .unknown(let type, _): outcomes[line.customID] = .errored(type: type, message: "unknown result type")
            }
        }
        for id in batch.customIDs where outcomes[id] == nil { outcomes[id] = .missing }
        return DeferredResults(outcomes: outcomes, recorded: costs.count, cost: Self.knownSum(costs.values))
    }

    /// The API's `custom_id` rule: 1 to 64 of `A-Z a-z 0-9 _ -`.
    static func isValidCustomID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
        }
    }
}
