import Foundation
public import RouterPolicies

/// Cost, savings, escalation and latency aggregates over ledger records, computed exactly.
///
/// Works from `[LedgerRecord]`, so any ``CostLedger`` can feed it. A logical call (its first
/// attempt and every escalation linked to it through `parentID`) is counted whole in ONE group:
/// the group of its final attempt, the one whose reply was returned (for ``GroupKey/model``,
/// the model that finally answered). So every row compares like with like: what its calls cost,
/// escalations included, against what the baseline would have cost for the same answers.
/// Definitions:
/// - attempts: records of the group's calls; logical calls: the calls.
/// - cost: the sum of priced attempts' totals. Unknown cost is never zero: with an unpriced
///   attempt in the group, ``Row/cost`` is only a lower bound and ``Row/exactCost`` is `nil`.
/// - baseline cost: once per logical call, the `baselineCost` of its final attempt — the reply
///   actually returned, priced on the baseline model: what calling the baseline directly would
///   have cost for that answer. (An escalated first attempt's usage is often a truncated reply
///   and would understate the baseline.) Matches `RoutedResponse.baselineCost`.
/// - savings: baseline cost − cost (all attempts, escalations included); `nil` when the group
///   holds an unpriced attempt or a call without a baseline cost, because the difference would
///   then be wrong in an unknown direction.
/// - escalation rate: calls with more than one attempt ÷ calls.
/// - escalation cost: the cost of attempts whose outcome is `escalated` (money spent on replies
///   that were not returned), included in cost.
/// - errors: attempts whose outcome is `error`; flagged: attempts whose usage was flagged
///   (docs/RELIABILITY.md, "Replies are validated").
/// - latency percentiles: over attempts, nearest-rank: the p-th percentile of n sorted values
///   is the value at 1-based rank ⌈p·n/100⌉ (always an observed value, no interpolation).
public enum LedgerReport {
    /// What records are grouped by.
    public enum GroupKey: String, Sendable, Hashable, CaseIterable {
        /// One row for everything.
        case all
        /// The record's task (`(none)` when missing).
        case task
        /// The model id.
        case model
        /// The tier (`(none)` for pass-through calls).
        case tier
        /// The variant (`(none)` outside experiments).
        case variant
        /// The UTC calendar day, `yyyy-MM-dd`.
        case day
        /// `metadata["user"]` (`(none)` when missing).
        case user
    }

    /// The group value used for a missing task, tier, variant or user.
    public static let noValue = "(none)"

    /// One group's aggregates.
    public struct Row: Sendable, Hashable {
        /// The group's value (for ``GroupKey/all``: `all`).
        public var group: String
        /// Records (attempts) in the group.
        public var attempts: Int
        /// Records with `attempt == 1`.
        public var logicalCalls: Int
        /// Token counts summed by kind.
        public var tokens: TokenUsage
        /// Sum of priced attempts' costs.
        public var cost: USDAmount
        /// Sum over logical calls of the last attempt's baseline cost.
        public var baselineCost: USDAmount
        /// `baselineCost − cost`, `nil` when not computable (see ``LedgerReport``).
        public var savings: USDAmount?
        /// Logical calls that needed more than one attempt.
        public var escalatedCalls: Int
        /// Cost of attempts that were escalated from.
        public var escalationCost: USDAmount
        /// Attempts without a price.
        public var unpricedRecords: Int
        /// Attempts whose outcome is `error`.
        public var errorAttempts: Int
        /// Attempts whose usage was flagged (`LedgerRecord.flags`).
        public var flaggedRecords: Int
        /// Logical calls without a baseline cost.
        public var callsWithoutBaseline: Int
        /// Median latency in milliseconds, nearest-rank (`nil` for an empty group).
        public var latencyP50: Int?
        /// 95th-percentile latency in milliseconds, nearest-rank.
        public var latencyP95: Int?
        /// 99th-percentile latency in milliseconds, nearest-rank.
        public var latencyP99: Int?
        /// Prompt caching's saving, summed over attempts (``LedgerRecord/cacheSaving``): cached
        /// tokens at the input price minus what they cost. Apart from ``savings`` (routing).
        public var cacheSaving: USDAmount = .zero
        /// Calls answered from the response cache (no request sent).
        public var responseCacheHits: Int = 0
        /// What those response-cache hits avoided paying (``LedgerRecord/avoidedCost``).
        public var avoidedCost: USDAmount = .zero

        /// Share of prompt tokens read from the prompt cache: cache reads ÷ (input + cache
        /// reads + cache writes); `nil` when the group has no prompt tokens.
        public var cacheHitRate: Double? {
            let prompt = tokens.promptTokens
            return prompt == 0 ? nil : Double(tokens.cacheRead) / Double(prompt)
        }

        /// The group's cost when every attempt is priced; `nil` when ``unpricedRecords`` > 0
        /// (then ``cost`` is a lower bound).
        public var exactCost: USDAmount? { unpricedRecords == 0 ? cost : nil }

        /// Savings as a percentage of the baseline cost (display only).
        public var savingsPercent: Double? {
            guard let savings, baselineCost.picodollars > 0 else { return nil }
            return Double(savings.picodollars) / Double(baselineCost.picodollars) * 100
        }

        /// Escalated logical calls ÷ logical calls (0 when there are none).
        public var escalationRate: Double {
            logicalCalls == 0 ? 0 : Double(escalatedCalls) / Double(logicalCalls)
        }
    }

    /// Aggregates `records` by `key`, each logical call whole in the group of its final
    /// attempt; rows are sorted by group value.
    /// - Throws: ``LedgerError`` (`integer_overflow`) when a group's sum of picodollars or tokens
    ///   passes the 64-bit range (only records edited by hand or corrupted get there), as the
    ///   SQL ledgers' reports do, instead of trapping.
    public static func aggregate(_ records: [LedgerRecord], by key: GroupKey) throws(LedgerError) -> [Row] {
        // The final attempt of each logical call decides the call's group.
        var finalAttempt: [String: LedgerRecord] = [:]
        var attemptsPerCall: [String: Int] = [:]
        for record in records {
            attemptsPerCall[record.logicalCallID, default: 0] += 1
            if record.attempt >= finalAttempt[record.logicalCallID]?.attempt ?? 0 {
                finalAttempt[record.logicalCallID] = record
            }
        }

        var builders: [String: Builder] = [:]
        for record in records {
            let final = finalAttempt[record.logicalCallID] ?? record
            builders[groupValue(of: final, by: key), default: Builder()].add(
                record, isFinal: final.id == record.id, attemptsInCall: attemptsPerCall[record.logicalCallID] ?? 1)
        }
        if let group = builders.filter({ $0.value.overflows }).keys.min() {
            throw overflowError(group: group, by: key.rawValue)
        }
        return builders.sorted { $0.key < $1.key }.map { $0.value.row(group: $0.key) }
    }

    /// Whether a row's sums allow every figure derived from them (savings = baseline − cost, the
    /// answered calls' cost = cost − escalation cost, prompt tokens and their parts) to be computed
    /// without leaving the 64-bit range: the token, cost, baseline and escalation sums are not
    /// negative (no record of this library's has a negative count or amount) and the prompt
    /// tokens fit. Every report path checks it and fails with `integer_overflow` otherwise.
    package static func figuresFit(tokens: TokenUsage, cost: Int64, baseline: Int64, escalationCost: Int64) -> Bool {
        guard tokens.input >= 0, tokens.output >= 0, tokens.cacheRead >= 0, tokens.cacheWrite5m >= 0,
              tokens.cacheWrite1h >= 0, cost >= 0, baseline >= 0, escalationCost >= 0 else { return false }
        let (prompt, first) = tokens.input.addingReportingOverflow(tokens.cacheRead)
        let (withWrites, second) = prompt.addingReportingOverflow(tokens.cacheWrite5m)
        return !(first || second || withWrites.addingReportingOverflow(tokens.cacheWrite1h).overflow)
    }

    /// The error of a report whose group `group` (by `key`) fails ``figuresFit(tokens:cost:baseline:escalationCost:)``.
    package static func overflowError(group: String, by key: String) -> LedgerError {
        LedgerError(code: .overflow, message: "integer overflow: a sum of group '\(group)' by \(key) is negative or passes "
            + "the 64-bit range (a record with an impossible cost or token count?)")
    }

    /// The group a record falls in.
    package static func groupValue(of record: LedgerRecord, by key: GroupKey) -> String {
        switch key {
        case .all: "all"
        case .task: record.task ?? noValue
        case .model: record.model
        case .tier: record.tier ?? noValue
        case .variant: record.variant ?? noValue
        case .user: record.metadata["user"] ?? noValue
        case .day: utcDay(record.time)
        }
    }

    /// The nearest-rank percentile of `values` (sorted or not); `nil` when empty.
    package static func nearestRank(_ percentile: Int, of values: [Int]) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = (percentile * sorted.count + 99) / 100 // ⌈p·n/100⌉ in integers
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func utcDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))"
    }

    private struct Builder {
        var attempts = 0
        var logicalCalls = 0
        var tokens = TokenUsage()
        var cost = USDAmount.zero
        var baseline = USDAmount.zero
        var escalatedCalls = 0
        var escalationCost = USDAmount.zero
        var unpriced = 0
        var errors = 0
        var flagged = 0
        var withoutBaseline = 0
        var latencies: [Int] = []
        var cacheSaving = USDAmount.zero
        var responseCacheHits = 0
        var avoidedCost = USDAmount.zero
        /// A sum passed the 64-bit range; the sums are then meaningless and the report fails.
        var overflowed = false

        /// `total += value`, noting an overflow in `overflowed` instead of trapping.
        private static func sum(_ total: inout Int, _ value: Int, _ overflowed: inout Bool) {
            let (result, overflow) = total.addingReportingOverflow(value)
            total = result
            overflowed = overflowed || overflow
        }

        private static func sum(_ total: inout USDAmount, _ value: USDAmount, _ overflowed: inout Bool) {
            let (result, overflow) = total.picodollars.addingReportingOverflow(value.picodollars)
            total = USDAmount(picodollars: result)
            overflowed = overflowed || overflow
        }

        /// Adds one attempt; the final attempt of its call also adds the call.
        mutating func add(_ record: LedgerRecord, isFinal: Bool, attemptsInCall: Int) {
            attempts += 1
            Self.sum(&tokens.input, record.usage.input, &overflowed)
            Self.sum(&tokens.output, record.usage.output, &overflowed)
            Self.sum(&tokens.cacheWrite5m, record.usage.cacheWrite5m, &overflowed)
            Self.sum(&tokens.cacheWrite1h, record.usage.cacheWrite1h, &overflowed)
            Self.sum(&tokens.cacheRead, record.usage.cacheRead, &overflowed)
            if let total = record.cost?.total { Self.sum(&cost, total, &overflowed) } else { unpriced += 1 }
            switch record.outcome {
            case .escalated: Self.sum(&escalationCost, record.cost?.total ?? .zero, &overflowed)
            case .error: errors += 1
            case .success: break
            }
            if !(record.flags ?? []).isEmpty { flagged += 1 }
            latencies.append(record.latencyMs)
            Self.sum(&cacheSaving, record.cacheSaving ?? .zero, &overflowed)
            if record.responseCacheHit == true { responseCacheHits += 1 }
            Self.sum(&avoidedCost, record.avoidedCost ?? .zero, &overflowed)
            if isFinal {
                logicalCalls += 1
                if attemptsInCall > 1 { escalatedCalls += 1 }
                if let callBaseline = record.baselineCost { Self.sum(&baseline, callBaseline, &overflowed) } else { withoutBaseline += 1 }
            }
        }

        /// Whether a sum passed the 64-bit range, or the sums are outside what
        /// ``LedgerReport/figuresFit(tokens:cost:baseline:escalationCost:)`` allows.
        var overflows: Bool {
            overflowed || !LedgerReport.figuresFit(tokens: tokens, cost: cost.picodollars, baseline: baseline.picodollars,
                                                   escalationCost: escalationCost.picodollars)
        }

        func row(group: String) -> Row {
            var row = Row(group: group, attempts: attempts, logicalCalls: logicalCalls, tokens: tokens, cost: cost,
                baselineCost: baseline,
                savings: unpriced == 0 && withoutBaseline == 0 ? baseline - cost : nil,
                escalatedCalls: escalatedCalls, escalationCost: escalationCost, unpricedRecords: unpriced,
                errorAttempts: errors, flaggedRecords: flagged, callsWithoutBaseline: withoutBaseline,
                latencyP50: nearestRank(50, of: latencies), latencyP95: nearestRank(95, of: latencies),
                latencyP99: nearestRank(99, of: latencies))
            row.cacheSaving = cacheSaving
            row.responseCacheHits = responseCacheHits
            row.avoidedCost = avoidedCost
            return row
        }
    }
}
