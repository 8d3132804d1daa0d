/// A routing policy: which Claude model serves which request, how far a call may escalate,
/// and how much may be spent. Decoded from YAML by `Policy.load(file:)` / `Policy.parse(yaml:file:)`
/// (schema in docs/POLICY.md) or built in code. `PolicyEngine` turns it into decisions.
///
/// Tier, task and rule references are by name. A policy loaded from YAML is fully validated;
/// one built in code is used as given and `PolicyEngine` ignores references it cannot resolve.
public struct Policy: Sendable {
    /// The policy's name (`name:`), shown in reports and the ledger.
    public var name: String
    /// The author's version label (`version:`), free text such as `"3"` or `"2026-11-01"`.
    public var version: String
    /// Stable hash of the policy file's bytes (FNV-1a 64, 16 hex digits); empty for code-built policies.
    public var contentHash: String
    /// Tiers in ascending capability (and price): index 0 is the cheapest.
    public var tiers: [Tier]
    /// Tier whose cost every call is compared against to report savings.
    public var baselineTier: String
    /// Tier for a prompt in which the scorer recognised no signal at all.
    public var defaultTier: String
    /// Absolute path of the price book this policy names (`prices:`); `nil` means the bundled one.
    public var pricesFile: String?
    /// Task types by name, each with its route.
    public var tasks: [String: TaskRoute]
    /// Complexity signals scored for every prompt (the defaults, adjusted by `signals:`).
    public var signals: ComplexityConfiguration
    /// Minimum complexity score per tier name; a tier without one is never chosen by score.
    public var thresholds: [String: Double]
    /// How a task type is guessed when the caller names none.
    public var classifier: ClassifierSettings
    /// Override rules, tried in order; the first one that matches applies.
    public var rules: [OverrideRule]
    /// When a failed or unsatisfactory call may be retried on a larger tier.
    public var escalation: EscalationSettings
    /// Spending limits enforced by the ModelRouter's `BudgetGuard`.
    public var budgets: [BudgetRule]
    /// A/B variants; `nil` when the policy runs no experiment.
    public var variants: VariantSet?
    /// The learned difficulty scorer (`scorer:`); `nil` keeps the hand-made complexity score.
    public var scorer: ScorerSettings?
    /// History caps for every task without its own (`history:`); `nil`: nothing is trimmed.
    public var history: HistorySettings? = nil
    /// Pre-flight token counting for every task without its own (`preflight:`); `nil`: none.
    public var preflight: PreflightSettings? = nil
    /// Prompt caching for every task without its own (`caching:`); `nil`: the router places no breakpoints.
    public var caching: CachingPolicy? = nil

    /// Builds a policy in code. Defaults: baseline and default tier are the last and first tier.
    public init(name: String, version: String = "1", contentHash: String = "", tiers: [Tier],
                baselineTier: String? = nil, defaultTier: String? = nil, pricesFile: String? = nil,
                tasks: [String: TaskRoute], signals: ComplexityConfiguration = .default,
                thresholds: [String: Double] = [:], classifier: ClassifierSettings,
                rules: [OverrideRule] = [], escalation: EscalationSettings = .init(),
                budgets: [BudgetRule] = [], variants: VariantSet? = nil, scorer: ScorerSettings? = nil) {
        self.name = name
        self.version = version
        self.contentHash = contentHash
        self.tiers = tiers
        self.baselineTier = baselineTier ?? tiers.last?.name ?? ""
        self.defaultTier = defaultTier ?? tiers.first?.name ?? ""
        self.pricesFile = pricesFile
        self.tasks = tasks
        self.signals = signals
        self.thresholds = thresholds
        self.classifier = classifier
        self.rules = rules
        self.escalation = escalation
        self.budgets = budgets
        self.variants = variants
        self.scorer = scorer
    }

    /// The caching settings for prompts of `task`: the task's own, else the policy's (`nil`: none).
    public func caching(forTask task: String) -> CachingPolicy? {
        tasks[task]?.caching ?? caching
    }

    /// The index of the tier called `name`, if there is one.
    public func tierIndex(named name: String) -> Int? {
        tiers.firstIndex { $0.name == name }
    }
}

/// One capability level: a model and its limits.
public struct Tier: Sendable, Hashable {
    /// The name rules and tasks use (`haiku`, `small`, …).
    public var name: String
    /// The model id sent to the API.
    public var model: String
    /// Tokens of input plus output the model accepts.
    public var contextWindow: Int
    /// The largest `max_tokens` the model accepts.
    public var maxOutputTokens: Int

    /// A tier; limits are in tokens.
    public init(name: String, model: String, contextWindow: Int, maxOutputTokens: Int) {
        self.name = name
        self.model = model
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
    }
}

/// Where one task type is routed: a fixed tier, or a range the complexity score picks within.
public struct TaskRoute: Sendable, Hashable {
    /// Always this tier (rules may still move it).
    public var tier: String?
    /// Lowest tier the score may pick (default: the cheapest).
    public var minTier: String?
    /// Highest tier the score may pick (default: the largest).
    public var maxTier: String?
    /// `max_tokens` sent when the caller gives none (capped by the tier's maximum output).
    public var maxTokens: Int
    /// Tiers to escalate through, ascending; `nil` means every tier above the chosen one.
    public var escalation: [String]?
    /// This task's own minimum score (0…1) per tier name, replacing the policy's `thresholds`
    /// for prompts of this task (a tier it does not list is never chosen by score for them);
    /// `nil` uses the policy's. Written by `claude-router calibrate` where a task has enough
    /// outcome data (docs/CALIBRATION.md).
    public var thresholds: [String: Double]?
    /// Typical reply length of this task in output tokens (at most `maxTokens`), for cost
    /// projections that make no call (`eval --dry-run`); `nil` when the policy does not say.
    public var expectedOutputTokens: Int?
    /// Work of this task may wait: `ModelRouter.submitDeferred` sends it through the Message
    /// Batches API at the batch price (`deferrable: true`).
    public var deferrable: Bool = false
    /// This task's own history caps, replacing the policy's `history:`.
    public var history: HistorySettings? = nil
    /// This task's own pre-flight settings, replacing the policy's `preflight:`.
    public var preflight: PreflightSettings? = nil
    /// This task's own `caching:`, replacing the policy's for its prompts; `nil` uses the policy's.
    public var caching: CachingPolicy? = nil
    /// This task's `response_cache:`; `nil` (the default) never serves a stored reply.
    public var responseCache: ResponseCachePolicy? = nil

    /// The tokens used when a task gives no `max_tokens`.
    public static let defaultMaxTokens = 4096

    /// A route; give `tier`, or `minTier`/`maxTier` (and optionally the task's own `thresholds`
    /// and its typical reply length `expectedOutputTokens`).
    public init(tier: String? = nil, minTier: String? = nil, maxTier: String? = nil,
                maxTokens: Int = TaskRoute.defaultMaxTokens, escalation: [String]? = nil,
                thresholds: [String: Double]? = nil, expectedOutputTokens: Int? = nil) {
        self.expectedOutputTokens = expectedOutputTokens
        self.tier = tier
        self.minTier = minTier
        self.maxTier = maxTier
        self.maxTokens = maxTokens
        self.escalation = escalation
        self.thresholds = thresholds
    }
}

/// The `classifier:` section: rules that guess a task type from the prompt.
public struct ClassifierSettings: Sendable {
    /// Keyword/pattern rules, one or more per task.
    public var rules: [TaskClassifierRule]
    /// A guess below this confidence (0…1) is ignored and the fallback task is used.
    public var minimumConfidence: Double
    /// A guess below this confidence (0…1) keeps its task name and may lower the tier ceiling,
    /// but never raises the floor: it cannot pin a tier above the fallback task's lowest, nor
    /// force a minimum tier; the score picks within the fallback task's range instead. One
    /// unopposed keyword gives confidence 0.5, so the default (0.6) asks for two.
    public var pinConfidence: Double
    /// The task for a prompt nobody named and the classifier could not place.
    public var fallbackTask: String

    /// `pinConfidence` when a policy gives none.
    public static let defaultPinConfidence = 0.6

    /// Classifier settings.
    public init(rules: [TaskClassifierRule] = [], minimumConfidence: Double = 0.3,
                pinConfidence: Double = ClassifierSettings.defaultPinConfidence, fallbackTask: String) {
        self.rules = rules
        self.minimumConfidence = minimumConfidence
        self.pinConfidence = pinConfidence
        self.fallbackTask = fallbackTask
    }
}

/// An ordered override: when `match` holds, `action` changes the decision. First match wins.
public struct OverrideRule: Sendable, Hashable {
    /// Conditions; all given ones must hold (an empty match always holds).
    public struct Match: Sendable, Hashable {
        /// Any of these task types (`nil`: any task).
        public var tasks: [String]?
        /// Each key must be present with one of its listed values; `"*"` accepts any value.
        public var metadata: [String: [String]]
        /// Inclusive lower bound on the difficulty score (0…1; `nil`: none).
        public var minScore: Double?
        /// Inclusive upper bound on the difficulty score (0…1; `nil`: none).
        public var maxScore: Double?
        /// Inclusive lower bound on the estimated input tokens (`nil`: none).
        public var minInputTokens: Int?
        /// Inclusive upper bound on the estimated input tokens (`nil`: none).
        public var maxInputTokens: Int?

        /// A match; every condition is optional.
        public init(tasks: [String]? = nil, metadata: [String: [String]] = [:], minScore: Double? = nil,
                    maxScore: Double? = nil, minInputTokens: Int? = nil, maxInputTokens: Int? = nil) {
            self.tasks = tasks
            self.metadata = metadata
            self.minScore = minScore
            self.maxScore = maxScore
            self.minInputTokens = minInputTokens
            self.maxInputTokens = maxInputTokens
        }
    }

    /// Changes to the decision; all given ones apply.
    public struct Action: Sendable, Hashable {
        /// Force this tier, ignoring the score and the task's range.
        public var tier: String?
        /// Raise the tier to at least this one.
        public var minTier: String?
        /// Lower the tier to at most this one.
        public var maxTier: String?
        /// Send this `max_tokens` (capped by the tier's maximum output).
        public var maxTokens: Int?

        /// An action; every change is optional.
        public init(tier: String? = nil, minTier: String? = nil, maxTier: String? = nil, maxTokens: Int? = nil) {
            self.tier = tier
            self.minTier = minTier
            self.maxTier = maxTier
            self.maxTokens = maxTokens
        }
    }

    /// The rule's name, reported in decisions.
    public var name: String
    /// When the rule applies (every given condition must hold).
    public var match: Match
    /// What the rule sets when it applies (tier, max_tokens).
    public var action: Action

    /// A rule.
    public init(name: String, match: Match, action: Action) {
        self.name = name
        self.match = match
        self.action = action
    }
}

/// The `escalation:` section.
public struct EscalationSettings: Sendable, Hashable {
    /// Off: `PolicyEngine.escalate` always returns `nil`.
    public var enabled: Bool
    /// Triggers that may escalate a call.
    public var triggers: Set<EscalationTrigger>
    /// Most escalations for one call (0 disables escalation).
    public var maxSteps: Int

    /// Defaults: enabled on every trigger, at most 2 steps.
    public init(enabled: Bool = true, triggers: Set<EscalationTrigger> = Set(EscalationTrigger.allCases),
                maxSteps: Int = 2) {
        self.enabled = enabled
        self.triggers = triggers
        self.maxSteps = maxSteps
    }
}

/// The `variants:` section: an A/B experiment.
public struct VariantSet: Sendable {
    /// The metadata key whose value assigns a caller to a variant (e.g. `user`).
    /// A request without that key runs the base policy (`RoutingDecision.variant == nil`).
    public var assignBy: String
    /// The variants; their weights sum to a positive number.
    public var variants: [Variant]

    /// A variant set.
    public init(assignBy: String, variants: [Variant]) {
        self.assignBy = assignBy
        self.variants = variants
    }
}

/// One arm of an A/B experiment.
public struct Variant: Sendable {
    /// What a variant changes relative to the base policy; empty for a control arm.
    public struct Overrides: Sendable, Hashable {
        /// Replaces the thresholds of the listed tiers.
        public var thresholds: [String: Double]
        /// Replaces the routes of the listed tasks.
        public var tasks: [String: TaskRoute]
        /// Replaces the default tier.
        public var defaultTier: String?
        /// Replaces the model of the listed tiers (tier name → model id).
        public var models: [String: String]

        /// Overrides; every change is optional.
        public init(thresholds: [String: Double] = [:], tasks: [String: TaskRoute] = [:],
                    defaultTier: String? = nil, models: [String: String] = [:]) {
            self.thresholds = thresholds
            self.tasks = tasks
            self.defaultTier = defaultTier
            self.models = models
        }
    }

    /// The variant's name, reported in decisions and the ledger.
    public var name: String
    /// Relative share of callers (non-negative).
    public var weight: Double
    /// What the variant changes relative to the policy.
    public var overrides: Overrides

    /// A variant.
    public init(name: String, weight: Double, overrides: Overrides = .init()) {
        self.name = name
        self.weight = weight
        self.overrides = overrides
    }
}
