package import Foundation
package import RouterPolicies

/// One budget: a rule (by its index in policy order) and, for per-key rules, the task name or
/// metadata value it counts.
package struct BudgetBucketID: Hashable, Sendable {
    package var rule: Int
    package var key: String?
}

/// Which budgets a call counts against and when their periods start: the pure part shared by
/// every ``BudgetStore``, so the in-memory and SQLite stores cannot disagree on it.
package struct BudgetBuckets: Sendable {
    /// The rules, in policy order.
    package let rules: [BudgetRule]
    private let calendar: Calendar

    package init(rules: [BudgetRule]) {
        self.rules = rules
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        self.calendar = calendar
    }

    /// The budgets a call (or a recorded attempt) with this task and metadata counts against,
    /// in policy order.
    package func applicable(task: String?, metadata: [String: String]) -> [BudgetBucketID] {
        rules.indices.compactMap { index in
            switch rules[index].scope {
            case .global: return BudgetBucketID(rule: index, key: nil)
            case .task(.some(let name)): return task == name ? BudgetBucketID(rule: index, key: nil) : nil
            case .task(.none): return BudgetBucketID(rule: index, key: task ?? LedgerReport.noValue)
            case .metadata(let key): return metadata[key].map { BudgetBucketID(rule: index, key: $0) }
            }
        }
    }

    /// The budget of rule `rule` with `key` (a shared name read back from a store).
    package func applicableID(rule: Int, key: String?) -> BudgetBucketID {
        BudgetBucketID(rule: rule, key: key)
    }

    /// The budgets that exist before any call: one per rule that is not keyed.
    package var unkeyed: [BudgetBucketID] {
        rules.indices.compactMap { index in
            switch rules[index].scope {
            case .global, .task(.some): return BudgetBucketID(rule: index, key: nil)
            case .task(.none), .metadata: return nil
            }
        }
    }

    /// Whether any rule is per metadata value (only then must stored metadata be decoded).
    package var usesMetadata: Bool {
        rules.contains { if case .metadata = $0.scope { true } else { false } }
    }

    /// The start (UTC) of the period containing `date`; `nil` for `total`.
    package func periodStart(_ period: BudgetRule.Period, at date: Date) -> Date? {
        switch period {
        case .total: return nil
        case .day: return calendar.startOfDay(for: date)
        case .month: return calendar.date(from: calendar.dateComponents([.year, .month], from: date))
        }
    }

    /// The earliest start of the rules' current periods; `nil` when a rule is `total` (or there
    /// are no rules): everything recorded counts.
    package func earliestPeriodStart(at now: Date) -> Date? {
        var since: Date? = now
        for rule in rules {
            guard let start = periodStart(rule.period, at: now) else { return nil }
            since = min(since ?? start, start)
        }
        return rules.isEmpty ? nil : since
    }

    /// The name a budget is shared under between processes: the rule's name, plus the key for
    /// per-key rules (unit separator between them, a character no rule name or key uses).
    package func sharedName(_ id: BudgetBucketID) -> String {
        id.key.map { rules[id.rule].name + "\u{1F}" + $0 } ?? rules[id.rule].name
    }

    /// Whether `spent + reserved + requested` crosses `rule`'s hard limit (overflow counts as crossing).
    package static func exceeds(_ rule: BudgetRule, spent: USDAmount, reserved: USDAmount, requested: USDAmount) -> Bool {
        let (held, overflow1) = spent.picodollars.addingReportingOverflow(reserved.picodollars)
        let (wanted, overflow2) = held.addingReportingOverflow(requested.picodollars)
        return overflow1 || overflow2 || wanted > rule.hardLimit.picodollars
    }
}
