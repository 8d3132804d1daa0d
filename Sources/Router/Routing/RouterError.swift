import ClaudeClient
import RouterPolicies

/// Why a routed call failed, beyond the API errors the client throws (`ClaudeError`).
public struct RouterError: Error, Sendable, CustomStringConvertible {
    /// Stable, label-safe codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A budget's hard limit would be crossed and no cheaper tier fits.
        public static let budgetExceeded = Code("budget_exceeded")
        /// A budget applies but the model has no price, so no worst case can be reserved.
        public static let unpricedUnderBudget = Code("unpriced_under_budget")
        /// A budget applies and the request carries content whose billed tokens its bytes do not
        /// bound (a document or image by URL or `file_id`, a base64 image or PDF), but
        /// `count_tokens` could not count it exactly (`underlying` holds the count's
        /// `ClaudeError`); or it declares a server tool billed per use (web search) without
        /// `max_uses` (`underlying` is `nil`). Either way no worst case could be reserved and
        /// nothing was sent.
        public static let unboundedUnderBudget = Code("unbounded_under_budget")
        /// The reply arrived but its ledger record could not be written.
        public static let ledgerWriteFailed = Code("ledger_write_failed")
        /// The stream ended before a complete reply.
        public static let incompleteStream = Code("incomplete_stream")
        /// The policy refers to something missing (e.g. a baseline tier without a model).
        public static let invalidPolicy = Code("invalid_policy")
        /// Deferred work was refused before anything was submitted: a task that is not
        /// `deferrable`, a bad or repeated custom id, or one request larger than a whole batch.
        public static let invalidBatch = Code("invalid_batch")
        /// A Message Batch had not ended when polling gave up (``BatchPolling/timeout``).
        public static let batchNotEnded = Code("batch_not_ended")
        /// The label.
        public var description: String { name }
    }

    /// The stable code.
    public var code: Code
    /// A human-readable explanation (never a key, prompt or reply text).
    public var message: String
    /// The budget error behind `budgetExceeded`.
    public var budget: BudgetError?
    /// The client error or ledger error behind this one.
    public var underlying: (any Error)?
    /// For `ledgerWriteFailed`: the reply that was paid for, so it is not lost.
    public var response: RoutedResponse?
    /// For `ledgerWriteFailed`: the record that could not be written (usage and cost of a paid
    /// attempt), so the caller can keep it elsewhere or print it.
    public var unrecorded: LedgerRecord?

    init(code: Code, message: String, budget: BudgetError? = nil, underlying: (any Error)? = nil,
         response: RoutedResponse? = nil, unrecorded: LedgerRecord? = nil) {
        self.code = code
        self.message = message
        self.budget = budget
        self.underlying = underlying
        self.response = response
        self.unrecorded = unrecorded
    }

    /// `router error (CODE): MESSAGE`.
    public var description: String { "router error (\(code)): \(message)" }
}
