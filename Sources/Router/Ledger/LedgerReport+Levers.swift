package import Foundation
public import RouterPolicies

/// What the batch, history-trimming and pre-flight levers did over a set of ledger records,
/// with their savings in USD, shown by `claude-router report` next to the routing's savings.
///
/// Definitions:
/// - batch records: results recorded by ``ModelRouter/recordBatchResults(batchID:results:metadata:)``
///   (record id `BATCH_ID:CUSTOM_ID`, request id the batch id). Their cost is at the batch price;
///   the batch saving is what the same tokens cost more at the standard price:
///   (cost − server-tool fees) × d ÷ (1 − d) for the price book's batch discount d (50%: the
///   saving equals the tokens' cost). Server-tool fees (``LedgerRecord/Cost/serverTools``, e.g.
///   web search, priced per use rather than per token:
///   https://docs.anthropic.com/en/docs/about-claude/pricing) are part of the cost, but the
///   batch discount, a token price, does not scale them, so they save nothing.
/// - trimmed tokens: the sum of ``LedgerRecord/trimmedInputTokens`` (estimated, per attempt:
///   every attempt of a trimmed call sent the trimmed conversation). The trimming saving prices
///   them at each model's base input rate (in force at that model's latest record), minus what
///   the `history_summary` calls cost.
/// - pre-flight: attempts with an exact count (``LedgerRecord/preflightInputTokens``) and
///   attempts whose count failed (flag `preflight_fallback`).
public struct LeverSummary: Sendable, Hashable {
    /// Batch result records.
    public var batchRecords = 0
    /// Their cost at the batch price, server-tool fees included.
    public var batchCost = USDAmount.zero
    /// What they would have cost more at the standard price (their tokens only: server-tool fees
    /// are the same at either price).
    public var batchSaving = USDAmount.zero
    /// Attempts that sent a trimmed conversation.
    public var trimmedAttempts = 0
    /// Estimated input tokens trimming removed, summed over those attempts.
    public var trimmedTokens = 0
    /// Those tokens at their models' base input rates (before subtracting summaries).
    public var trimmedTokensValue = USDAmount.zero
    /// Calls that wrote a history summary (task `history_summary`).
    public var summaryCalls = 0
    /// Their cost.
    public var summaryCost = USDAmount.zero
    /// Attempts whose input was counted exactly before sending.
    public var preflightCounted = 0
    /// Attempts whose pre-flight count failed (decided and reserved on the estimate).
    public var preflightFallbacks = 0

    /// An empty summary.
    public init() {}

    /// The net trimming saving: the trimmed tokens' value minus the summaries' cost.
    public var trimmingSaving: USDAmount { trimmedTokensValue - summaryCost }

    /// Whether any lever left a trace.
    public var isEmpty: Bool {
        batchRecords == 0 && trimmedAttempts == 0 && summaryCalls == 0 && preflightCounted == 0 && preflightFallbacks == 0
    }

    /// The summary of `records`, priced with `prices` (trimmed tokens at the record's time).
    /// - Throws: ``LedgerError`` (`integer_overflow`) when a sum of tokens or picodollars, or a
    ///   trimmed-token value, passes the 64-bit range (only hand-edited or corrupt records get there).
    public static func of(_ records: [LedgerRecord], prices: PriceBook) throws(LedgerError) -> LeverSummary {
        var summary = LeverSummary()
        var trimmedByModel: [String: (tokens: Int, latest: Date)] = [:]
        for record in records {
            let isBatch = record.id.hasPrefix(record.requestID + ":") && !record.requestID.isEmpty
            let cost = record.cost?.total ?? .zero
            if isBatch { try summary.addBatch(1, cost: cost, serverTools: record.cost?.serverTools ?? .zero, prices: prices) }
            if let trimmed = record.trimmedInputTokens {
                summary.trimmedAttempts += 1
                summary.trimmedTokens = try sum(summary.trimmedTokens, trimmed)
                let sofar = trimmedByModel[record.model] ?? (0, record.time)
                trimmedByModel[record.model] = (try sum(sofar.tokens, trimmed), max(sofar.latest, record.time))
            }
            if record.task == Policy.historySummaryTask {
                summary.summaryCalls += 1
                summary.summaryCost = try sum(summary.summaryCost, cost)
            }
            if record.preflightInputTokens != nil { summary.preflightCounted += 1 }
            if (record.flags ?? []).contains(where: { $0.hasPrefix("preflight_fallback") }) { summary.preflightFallbacks += 1 }
        }
        for (model, trimmed) in trimmedByModel {
            try summary.addTrimmedValue(trimmed.tokens, model: model, at: trimmed.latest, prices: prices)
        }
        return try summary.checked()
    }

    /// `self`, when its sums are not negative (no record of this library's makes them so), so
    /// that ``trimmingSaving`` and the batch figures are within range.
    /// - Throws: ``LedgerError`` (`integer_overflow`).
    package func checked() throws(LedgerError) -> LeverSummary {
        guard batchRecords >= 0, batchCost.picodollars >= 0, batchSaving.picodollars >= 0, trimmedAttempts >= 0,
              trimmedTokens >= 0, trimmedTokensValue.picodollars >= 0, summaryCalls >= 0, summaryCost.picodollars >= 0,
              preflightCounted >= 0, preflightFallbacks >= 0 else {
            throw LedgerError(code: .overflow, message: "cost levers: a sum is negative (a record with an impossible cost or token count?)")
        }
        return self
    }

    /// Adds `records` batch records costing `cost` in all (picodollars, server-tool fees
    /// included), of which `serverTools` are per-use server-tool fees, and the saving the batch
    /// discount made: `(cost − serverTools) × d ÷ (1 − d)`. The fees are billed at the same price
    /// in a batch as outside one, so they add to ``batchCost`` but save nothing.
    /// - Throws: ``LedgerError`` (`integer_overflow`) when a sum, the difference or the scaled
    ///   saving passes the 64-bit range.
    package mutating func addBatch(_ records: Int, cost: USDAmount, serverTools: USDAmount, prices: PriceBook) throws(LedgerError) {
        batchRecords = try Self.sum(batchRecords, records)
        batchCost = try Self.sum(batchCost, cost)
        let discount = prices.batchDiscount
        let paidShare = discount.denominator - discount.significand
        guard paidShare > 0 else { return }
        let (discounted, differenceOverflow) = cost.picodollars.subtractingReportingOverflow(serverTools.picodollars)
        guard !differenceOverflow, !discounted.multipliedReportingOverflow(by: discount.significand).overflow else {
            throw Self.overflow("the batch saving")
        }
        batchSaving = try Self.sum(batchSaving, USDAmount(picodollars: discounted).scaled(by: discount.significand, over: paidShare))
    }

    /// Adds `tokens` trimmed from `model`'s requests, valued at its base input rate on `date`.
    /// - Throws: ``LedgerError`` (`integer_overflow`).
    package mutating func addTrimmedValue(_ tokens: Int, model: String, at date: Date, prices: PriceBook) throws(LedgerError) {
        trimmedTokensValue = try Self.sum(trimmedTokensValue, Self.inputValue(tokens, model: model, at: date, prices: prices))
    }

    /// `tokens` at `model`'s base input rate; zero for an unpriced model.
    /// - Throws: ``LedgerError`` (`integer_overflow`) past 2^63 − 1 picodollars.
    package static func inputValue(_ tokens: Int, model: String, at date: Date, prices: PriceBook) throws(LedgerError) -> USDAmount {
        guard let price = prices.price(for: model, at: date) else { return .zero }
        let (value, overflow) = price.rates(forPromptTokens: 0).rates.input.picodollars.multipliedReportingOverflow(by: Int64(tokens))
        if overflow { throw Self.overflow("the trimmed tokens' value") }
        return USDAmount(picodollars: value)
    }

    /// `a + b`, or `integer_overflow`.
    package static func sum(_ a: Int, _ b: Int) throws(LedgerError) -> Int {
        let (result, overflow) = a.addingReportingOverflow(b)
        if overflow { throw Self.overflow("a token count") }
        return result
    }

    /// `a + b` in picodollars, or `integer_overflow`.
    package static func sum(_ a: USDAmount, _ b: USDAmount) throws(LedgerError) -> USDAmount {
        let (result, overflow) = a.picodollars.addingReportingOverflow(b.picodollars)
        if overflow { throw Self.overflow("a cost") }
        return USDAmount(picodollars: result)
    }

    private static func overflow(_ what: String) -> LedgerError {
        LedgerError(code: .overflow, message: "cost levers: \(what) passes the 64-bit range (a record with an impossible cost or token count?)")
    }
}

extension SQLiteLedger {
    /// ``LeverSummary`` of the records matching `query`, computed inside SQLite (one pass, grouped
    /// by model; nothing loaded). `query.limit` and `query.newestFirst` are ignored.
    /// - Throws: ``LedgerError`` (`closed`, `sqlite`; `integer_overflow` as ``LeverSummary/of(_:prices:)``).
    public func leverSummary(_ query: LedgerQuery, prices: PriceBook) async throws -> LeverSummary {
        let filter = SQLiteReportQuery(query: query, key: .all).filter
        // Only rows a lever can have touched reach the GROUP BY (a reserved metadata key — lever
        // fields or flags —, a summary call, or a batch record id), so the pass is one scan with
        // cheap tests and the grouping sorts only those rows.
        // `instr(id, ':')` first: record ids are UUIDs except a batch result's `BATCH_ID:CUSTOM_ID`,
        // so the string building of the exact test runs only on those (half the pass's CPU).
        let batchTest = "(CASE WHEN instr(id, ':') > 0 THEN request_id <> '' "
            + "AND substr(id, 1, length(request_id) + 1) = request_id || ':' ELSE 0 END)"
        // A batch record's server-tool fees (its reserved metadata key, part of `cost_total`) are
        // summed apart: the batch discount does not apply to them, so they save nothing.
        let feesKey = Self.serverToolCostKey
        let sql = """
            SELECT model, MAX(time_us),
                   SUM(is_batch), SUM(CASE WHEN is_batch THEN cost_total END),
                   SUM(CASE WHEN is_batch AND cost_total IS NOT NULL THEN fees END),
                   SUM(trimmed IS NOT NULL), SUM(trimmed),
                   SUM(task = '\(Policy.historySummaryTask)'), SUM(CASE WHEN task = '\(Policy.historySummaryTask)' THEN cost_total END),
                   SUM(instr(metadata, '\(Self.preflightInputTokensKey)') > 0), SUM(instr(metadata, 'preflight_fallback') > 0)
            FROM (SELECT model, time_us, task, cost_total, metadata, \(batchTest) AS is_batch,
                         CASE WHEN instr(metadata, '\(Self.trimmedInputTokensKey)') > 0
                              THEN CAST(json_extract(metadata, '$.\(Self.trimmedInputTokensKey)') AS INTEGER) END AS trimmed,
                         CASE WHEN instr(metadata, '"\(feesKey)"') > 0
                              THEN CAST(json_extract(metadata, '$.\(feesKey)') AS INTEGER) END AS fees
                  FROM ledger
                  WHERE \(filter.sql)
                    AND (instr(metadata, '"_router_') > 0 OR task = '\(Policy.historySummaryTask)' OR \(batchTest)))
            GROUP BY model
            """
        return try await writer.withStorage { storage throws(LedgerError) in
            let statement = try storage.connection.statement(sql)
            defer { statement.reset() }
            for (offset, binding) in filter.bindings.enumerated() {
                switch binding {
                case .integer(let value): statement.bind(value, at: Int32(offset + 1))
                case .text(let value): statement.bind(value, at: Int32(offset + 1))
                }
            }
            var summary = LeverSummary()
            while try statement.step() {
                let model = statement.string(0) ?? ""
                let time = LedgerRecord.microsecondDate(statement.int64(1) ?? 0)
                try summary.addBatch(statement.int(2) ?? 0, cost: USDAmount(picodollars: statement.int64(3) ?? 0),
                                     serverTools: USDAmount(picodollars: statement.int64(4) ?? 0), prices: prices)
                summary.trimmedAttempts = try LeverSummary.sum(summary.trimmedAttempts, statement.int(5) ?? 0)
                let tokens = statement.int(6) ?? 0
                summary.trimmedTokens = try LeverSummary.sum(summary.trimmedTokens, tokens)
                try summary.addTrimmedValue(tokens, model: model, at: time, prices: prices)
                summary.summaryCalls = try LeverSummary.sum(summary.summaryCalls, statement.int(7) ?? 0)
                summary.summaryCost = try LeverSummary.sum(summary.summaryCost, USDAmount(picodollars: statement.int64(8) ?? 0))
                summary.preflightCounted = try LeverSummary.sum(summary.preflightCounted, statement.int(9) ?? 0)
                summary.preflightFallbacks = try LeverSummary.sum(summary.preflightFallbacks, statement.int(10) ?? 0)
            }
            return try summary.checked()
        }
    }
}
