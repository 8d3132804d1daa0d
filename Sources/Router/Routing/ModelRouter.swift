public import ClaudeClient
public import Foundation
public import Logging
public import RouterPolicies

/// The drop-in replacement for direct `AnthropicClient` calls: decide by policy, call, escalate
/// when a configured trigger fires, and record the exact cost of every attempt.
///
/// ```swift
/// let router = try ModelRouter(policy: .file("policies/default.yaml"), client: client,
///                         ledger: try SQLiteLedger(path: "ledger.sqlite"))
/// let reply = try await router.send(MessageRequest(model: "auto", maxTokens: 0, messages: [...]),
///                                   options: CallOptions(task: "extraction", checks: [.jsonValid]))
/// print(reply.message.text, reply.totalCost, reply.savings ?? .zero)
/// ```
public final class ModelRouter: Sendable {
    /// Where the policy comes from.
    public enum PolicySource: Sendable {
        /// A YAML file, re-read when it changes on disk (validated first; a broken edit keeps
        /// the previous policy and logs the errors).
        case file(String)
        /// A policy already loaded; never reloaded.
        case policy(Policy)
    }

    /// ModelRouter settings; every default is documented.
    public struct Options: Sendable {
        /// Store prompt and reply text in ledger records. Default `false`: records hold
        /// token counts, costs and decisions only.
        public var recordContent: Bool
        /// How often a `.file` policy's modification time and size are checked, on calls.
        /// Default 1 s; `.zero` checks on every call.
        public var policyReloadInterval: Duration
        /// The current time for ledger records, price effective dates and budget periods.
        /// Default `Date()`.
        public var now: @Sendable () -> Date
        /// Called (in addition to a warning log and a metric) when a budget's soft limit is reached.
        public var onSoftLimit: (@Sendable (BudgetSoftLimitEvent) -> Void)?
        /// Where budget state lives. Default `nil`: in the ledger file when the ledger is a
        /// ``SQLiteLedger`` (``BudgetStoreFactory/sqlite(_:reservationExpiry:)``: limits hold
        /// across threads and processes), else in this router's memory (``BudgetStoreFactory/inMemory``).
        public var budgetStore: BudgetStoreFactory?
        /// How long a call that a hard limit refuses only because of other calls' reservations
        /// (spent + its worst case fits the limit) waits for them to settle, re-trying the
        /// reservation, before it fails with `budgetExceeded`. Default `.zero`: fail at once.
        public var budgetWait: Duration
        /// Where replies of tasks with a `response_cache:` are stored and served from. Default
        /// `nil`: no response cache, whatever the policy says.
        public var responseCache: ResponseCache? = nil

        /// Defaults as documented on each property.
        public init(recordContent: Bool = false, policyReloadInterval: Duration = .seconds(1),
                    now: @escaping @Sendable () -> Date = { Date() },
                    onSoftLimit: (@Sendable (BudgetSoftLimitEvent) -> Void)? = nil,
                    budgetStore: BudgetStoreFactory? = nil, budgetWait: Duration = .zero) {
            self.recordContent = recordContent
            self.policyReloadInterval = policyReloadInterval
            self.now = now
            self.onSoftLimit = onSoftLimit
            self.budgetStore = budgetStore
            self.budgetWait = budgetWait
        }
    }

    let client: AnthropicClient
    let ledger: any CostLedger
    let prices: PriceBook
    let options: Options
    let logger: Logger
    let store: PolicyStore
    let metrics: RouterMetrics
    /// Each conversation's last tier and warm prefix size (cache-aware routing), bounded LRU.
    let sessions = SessionTierMemory()

    /// Creates a router.
    /// - Parameters:
    ///   - policy: the policy file (hot-reloaded) or a loaded policy.
    ///   - client: the client every attempt is sent through.
    ///   - ledger: where every attempt is recorded; `record` is awaited before a call returns.
    ///   - prices: the price book; default the one bundled with the library (policies/prices.yaml).
    ///   - options: router settings (``Options``).
    ///   - logger: where the router logs (policy reloads, escalations, unpriced models, ledger
    ///     failures). Default: no output, as is usual for a library — pass your own `Logger` to
    ///     see these; a call's `logger:` argument overrides it for that call.
    /// - Throws: `PolicyError` when the policy file is invalid; the budget store's error (e.g. a
    ///   ``LedgerError`` opening the SQLite budget tables).
    public init(policy: PolicySource, client: AnthropicClient, ledger: any CostLedger,
                prices: PriceBook = .bundledDefault, options: Options = .init(),
                logger: Logger = Logger(label: "claude-router.router", factory: { _ in SwiftLogNoOpLogHandler() }))
        throws {
        self.client = client
        self.ledger = ledger
        self.prices = prices
        self.options = options
        self.logger = logger
        self.metrics = RouterMetrics()
        let metrics = self.metrics
        let softLimitHook = options.onSoftLimit
        let softLogger = logger
        let budgetStore = options.budgetStore ?? (ledger as? SQLiteLedger).map { BudgetStoreFactory.sqlite($0) }
            ?? BudgetStoreFactory.inMemory
        self.store = try PolicyStore(
            source: policy, ledger: ledger, budgetStore: budgetStore, reloadInterval: options.policyReloadInterval, now: options.now,
            logger: logger,
            onSoftLimit: { event in
                softLogger.warning("budget soft limit reached", metadata: [
                    "budget": "\(event.rule.name)", "spent": "\(event.spent)",
                ])
                metrics.softLimitReached(rule: event.rule.name)
                softLimitHook?(event)
            })
    }

    /// Seeds every budget with the spend already in the ledger for the current period, so a
    /// restart does not reset a monthly budget. Call once after creating the router. (A SQLite
    /// budget store reads its spend from the ledger file on every reservation; this does nothing.)
    /// - Throws: the ledger's read error.
    public func restoreBudgets() async throws {
        try await store.current().budgets.restore(from: ledger)
    }

    /// Re-reads a `.file` policy source now, regardless of the reload interval or the file's
    /// modification time (what a gateway does on `SIGHUP`). A file that fails validation keeps
    /// the previous policy; its errors are logged (every time, not once per content) and returned.
    /// - Returns: `nil` when the file was reloaded, was unchanged, or the source is not a file;
    ///   else every diagnostic as `FILE:LINE:COLUMN: error: …` lines.
    @discardableResult
    public func reloadPolicy() async -> String? {
        await store.reloadNow()
    }

    /// The policy in force now (after any reload).
    public func currentPolicy() async -> Policy {
        await store.current().policy
    }

    /// Budget status per rule (and per metadata key) in the current period; empty when the
    /// budget store cannot be read (a SQLite error).
    public func budgetStatus() async -> [BudgetStatus] {
        (try? await store.current().budgets.status()) ?? []
    }
}
