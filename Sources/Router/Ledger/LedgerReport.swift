import Foundation
public import RouterPolicies

/// Cost, savings, escalation and latency aggregates over ledger records, computed exactly.
///
/// Works from `[LedgerRecord]`, so any ``CostLedger`` can feed it. Definitions:
/// - attempts: records in the group; logical calls: records with `attempt == 1`.
/// - cost: the sum of priced attempts' totals; unpriced attempts are counted in
///   ``Row/unpricedRecords`` instead of being taken as `$0`.
/// - baseline cost: once per logical call (in its first attempt's group), the `baselineCost` of
///   its LAST attempt — the reply actually returned, priced on the baseline model: what calling
///   the baseline directly would have cost for that answer. (An escalated first attempt's usage
///   is often a truncated reply and would understate the baseline.) Matches
///   `RoutedResponse.baselineCost`.
/// - savings: baseline cost − cost (all attempts, escalations included); `nil` when the group
///   holds an unpriced attempt or a logical call without a baseline cost, because the
///   difference would then be wrong in an unknown direction.
/// - escalation rate: logical calls that had more than one attempt ÷ logical calls. Attempts are
///   linked through `parentID` across the whole input, so a call whose later attempt falls in
///   another group (another model, say) still counts as escalated in its first attempt's group.
/// - escalation cost: the cost of attempts whose outcome is `escalated` (money spent on replies
///   that were thrown away).
/// - latency percentiles: nearest-rank: the p-th percentile of n sorted values is the value at
///   1-based rank ⌈p·n/100⌉ (always an observed value, no interpolation).
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
        /// Logical calls without a baseline cost.
        public var callsWithoutBaseline: Int
        /// Median latency in milliseconds, nearest-rank (`nil` for an empty group).
        public var latencyP50: Int?
        /// 95th-percentile latency in milliseconds, nearest-rank.
        public var latencyP95: Int?
        /// 99th-percentile latency in milliseconds, nearest-rank.
        public var latencyP99: Int?

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

    /// Aggregates `records` by `key`; rows are sorted by group value.
    public static func aggregate(_ records: [LedgerRecord], by key: GroupKey) -> [Row] {
        // Attempts per logical call over the whole input, so escalation is seen across groups.
        var attemptsPerCall: [String: Int] = [:]
        var lastAttempt: [String: LedgerRecord] = [:]
        for record in records {
            attemptsPerCall[record.logicalCallID, default: 0] += 1
            if record.attempt >= lastAttempt[record.logicalCallID]?.attempt ?? 0 {
                lastAttempt[record.logicalCallID] = record
            }
        }

        var builders: [String: Builder] = [:]
        for record in records {
            let group = groupValue(of: record, by: key)
            builders[group, default: Builder()].add(
                record, attemptsInCall: attemptsPerCall[record.logicalCallID] ?? 1,
                callBaseline: lastAttempt[record.logicalCallID]?.baselineCost)
        }
        return builders.sorted { $0.key < $1.key }.map { $0.value.row(group: $0.key) }
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
        var withoutBaseline = 0
        var latencies: [Int] = []

        mutating func add(_ record: LedgerRecord, attemptsInCall: Int, callBaseline: USDAmount?) {
            attempts += 1
            tokens.input += record.usage.input
            tokens.output += record.usage.output
            tokens.cacheWrite5m += record.usage.cacheWrite5m
            tokens.cacheWrite1h += record.usage.cacheWrite1h
            tokens.cacheRead += record.usage.cacheRead
            if let total = record.cost?.total { cost += total } else { unpriced += 1 }
            if case .escalated = record.outcome { escalationCost += record.cost?.total ?? .zero }
            latencies.append(record.latencyMs)
            if record.attempt == 1 {
                logicalCalls += 1
                if attemptsInCall > 1 { escalatedCalls += 1 }
                if let callBaseline { baseline += callBaseline } else { withoutBaseline += 1 }
            }
        }

        func row(group: String) -> Row {
            Row(group: group, attempts: attempts, logicalCalls: logicalCalls, tokens: tokens, cost: cost,
                baselineCost: baseline,
                savings: unpriced == 0 && withoutBaseline == 0 ? baseline - cost : nil,
                escalatedCalls: escalatedCalls, escalationCost: escalationCost, unpricedRecords: unpriced,
                callsWithoutBaseline: withoutBaseline,
                latencyP50: nearestRank(50, of: latencies), latencyP95: nearestRank(95, of: latencies),
                latencyP99: nearestRank(99, of: latencies))
        }
    }
}
