/// A spending limit declared in a policy's `budgets:` section.
public struct BudgetRule: Sendable, Hashable {
    /// What a budget's spend is counted against.
    public enum Scope: Sendable, Hashable {
        /// Every call routed by the policy.
        case global
        /// Calls of one task type (`nil`: a separate budget per task type).
        case task(String?)
        /// A separate budget per value of a metadata key, e.g. `user`.
        case metadata(key: String)
    }

    /// The window after which spend starts again from zero (UTC calendar periods).
    public enum Period: String, Sendable, Hashable, CaseIterable {
        case day, month, total
    }

    /// What happens to a call that would cross the hard limit.
    public enum HardLimitAction: String, Sendable, Hashable, CaseIterable {
        /// Fail the call with a budget error before any network traffic.
        case reject
        /// Route the call to a cheaper tier that still fits, else reject.
        case downgrade
    }

    public var name: String
    public var scope: Scope
    public var period: Period
    /// Crossing it logs a warning, counts a metric and calls the soft-limit callback.
    public var softLimit: USDAmount?
    /// Never overspent: worst-case cost is reserved before a call is sent.
    public var hardLimit: USDAmount
    public var onHardLimit: HardLimitAction

    public init(name: String, scope: Scope, period: Period, softLimit: USDAmount? = nil,
                hardLimit: USDAmount, onHardLimit: HardLimitAction = .reject) {
        self.name = name
        self.scope = scope
        self.period = period
        self.softLimit = softLimit
        self.hardLimit = hardLimit
        self.onHardLimit = onHardLimit
    }
}
