public import Foundation
public import RouterPolicies

/// A call that a budget does not allow, with a stable ``code`` to match on.
public struct BudgetError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// Spent + reserved + requested would exceed a rule's hard limit.
        public static let hardLimitExceeded = Code("hard_limit_exceeded")
        /// The requested worst case is negative.
        public static let invalidAmount = Code("invalid_amount")
        /// The stable code, e.g. `hard_limit_exceeded`.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The rule that refused the call.
    public var ruleName: String
    /// The rule's scope value (task name or metadata value) for per-key rules, else `nil`.
    public var scopeKey: String?
    /// The rule's hard limit.
    public var limit: USDAmount
    /// Spent in the current period.
    public var spent: USDAmount
    /// Reserved by calls in flight.
    public var reserved: USDAmount
    /// The worst case the refused call asked to reserve.
    public var requested: USDAmount
    /// The rule says `onHardLimit: downgrade`: the caller may retry the reservation with a cheaper
    /// tier's worst case before giving up.
    public var downgradeAllowed: Bool

    /// Whether the call would fit once the reservations now held are settled
    /// (spent + requested is within the limit): waiting may let it through.
    public var fitsAfterReservationsSettle: Bool {
        guard code == .hardLimitExceeded else { return false }
        let (wanted, overflow) = spent.picodollars.addingReportingOverflow(requested.picodollars)
        return !overflow && wanted <= limit.picodollars
    }

    /// Creates an error.
    package init(code: Code, ruleName: String, scopeKey: String? = nil, limit: USDAmount, spent: USDAmount,
                reserved: USDAmount, requested: USDAmount, downgradeAllowed: Bool) {
        self.code = code
        self.ruleName = ruleName
        self.scopeKey = scopeKey
        self.limit = limit
        self.spent = spent
        self.reserved = reserved
        self.requested = requested
        self.downgradeAllowed = downgradeAllowed
    }

    /// One line naming the rule, its scope key, the limit, spent, reserved and requested
    /// amounts (USD); never a prompt or a key.
    public var description: String {
        let scope = scopeKey.map { " [\($0)]" } ?? ""
        switch code {
        case .invalidAmount:
            return "budget error (\(code)): requested \(requested) is negative"
        default:
            return "budget error (\(code)): rule '\(ruleName)'\(scope) limit \(limit), spent \(spent), "
                + "reserved \(reserved), requested \(requested)" + (downgradeAllowed ? " (downgrade allowed)" : "")
        }
    }
}

/// Worst-case money held against every budget that applies to one call, until it is settled
/// with the actual cost or released.
public struct BudgetReservation: Sendable, Hashable {
    /// Unique per reservation (a UUID string); the attempt's ledger record id is the same string.
    public let id: String
    /// The worst case reserved.
    public let amount: USDAmount
    /// Names of the rules the reservation counts against.
    public let ruleNames: [String]

    /// A reservation of `amount` against `ruleNames`.
    public init(id: String, amount: USDAmount, ruleNames: [String]) {
        self.id = id
        self.amount = amount
        self.ruleNames = ruleNames
    }
}

/// The state of one budget (one rule, and for per-key rules one key) in its current period.
public struct BudgetStatus: Sendable, Hashable {
    /// The rule's name.
    public var ruleName: String
    /// The task name or metadata value, for per-key rules.
    public var scopeKey: String?
    /// The rule's period.
    public var period: BudgetRule.Period
    /// Start of the current period (UTC); `nil` for `total`.
    public var periodStart: Date?
    /// Settled spend in the current period.
    public var spent: USDAmount
    /// Held by calls in flight.
    public var reserved: USDAmount
    /// The soft limit, if any.
    public var softLimit: USDAmount?
    /// The hard limit.
    public var hardLimit: USDAmount
    /// Whether spend has reached the soft limit this period.
    public var softLimitReached: Bool
    /// What is left: hard limit − spent − reserved (never below zero).
    public var remaining: USDAmount { max(.zero, hardLimit - spent - reserved) }

    /// A status (for stores in other modules of this package, e.g. PostgreSQL's).
    package init(ruleName: String, scopeKey: String?, period: BudgetRule.Period, periodStart: Date?,
                 spent: USDAmount, reserved: USDAmount, softLimit: USDAmount?, hardLimit: USDAmount,
                 softLimitReached: Bool) {
        self.ruleName = ruleName
        self.scopeKey = scopeKey
        self.period = period
        self.periodStart = periodStart
        self.spent = spent
        self.reserved = reserved
        self.softLimit = softLimit
        self.hardLimit = hardLimit
        self.softLimitReached = softLimitReached
    }
}

/// Delivered once per rule, key and period when settled spend first reaches a soft limit.
public struct BudgetSoftLimitEvent: Sendable, Hashable {
    /// The rule whose soft limit was reached.
    public var rule: BudgetRule
    /// The task name or metadata value, for per-key rules.
    public var scopeKey: String?
    /// Spend in the period at the moment of crossing.
    public var spent: USDAmount
    /// Start of the period (UTC); `nil` for `total`.
    public var periodStart: Date?

    /// An event (for stores in other modules of this package, e.g. PostgreSQL's).
    package init(rule: BudgetRule, scopeKey: String?, spent: USDAmount, periodStart: Date?) {
        self.rule = rule
        self.scopeKey = scopeKey
        self.spent = spent
        self.periodStart = periodStart
    }
}
