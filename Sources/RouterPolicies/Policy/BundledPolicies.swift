/// Policies compiled into the library, so `claude-router` works without any file on disk.
public enum BundledPolicies {
    /// Byte-for-byte copy of `policies/default.yaml` (a test keeps the two identical).
    public static let defaultYAML: String = #"""
# claude-router default policy. Schema reference: docs/POLICY.md.
# Cheap, well-bounded work (classification, extraction, formatting) goes to Haiku; open-ended
# generation, Q&A and summaries to Sonnet; complex reasoning to Opus. Savings are reported
# against Opus (baseline_tier). Prices: USD per million tokens, see the price book.
name: default
version: "1"
# prices: my-prices.yaml        # a price book relative to this file; omitted = the bundled one
baseline_tier: opus
default_tier: sonnet             # a prompt with no recognised signal: the safe middle, not the cheapest

tiers:                           # ascending capability (and price)
  - name: haiku
    model: claude-haiku-4-5
    context_window: 200000
    max_output_tokens: 64000
  - name: sonnet
    model: claude-sonnet-4-6
    context_window: 1000000
    max_output_tokens: 64000
  - name: opus
    model: claude-opus-4-8
    context_window: 1000000
    max_output_tokens: 128000

thresholds:                      # minimum complexity score (0…1) per tier, ascending. The score is
  haiku: 0.0                     # Σ weight·strength / Σ weight over all 15 signals (Σ weight = 23.5
  sonnet: 0.05                   # here), so one fully-firing expert domain (law, code, …; weight 2)
  opus: 0.13                     # adds 0.085: Sonnet from ~60% of a domain, Opus from a full domain
                                 # plus about half of the reasoning signal (2 of its 3 markers)

tasks:
  classification: { tier: haiku, max_tokens: 1024 }
  extraction:     { tier: haiku, max_tokens: 4096 }
  formatting:     { tier: haiku, max_tokens: 4096 }
  generation:     { min_tier: sonnet, max_tier: opus, max_tokens: 8192 }
  qa:             { min_tier: haiku, max_tier: opus, max_tokens: 4096 }
  summarization:  { min_tier: sonnet, max_tier: opus, max_tokens: 4096 }
  reasoning:      { tier: opus, max_tokens: 16384 }
  code-review:    { min_tier: sonnet, max_tier: opus, max_tokens: 8192 }

signals:                         # adjust built-in signals (see docs/POLICY.md) or add new ones
  law:
    add_keywords: [data processing agreement, sub processor, limitation of liability]
  security:                      # a new signal
    kind: keywords
    weight: 2
    keywords: [vulnerability, exploit, cve, sql injection, xss, authentication bypass, privilege escalation]
    full_at: 3

classifier:
  minimum_confidence: 0.3
  fallback_task: qa
  rules:
    - task: classification
      keywords: [classify, categorize, categorise, label, sentiment, "which category"]
    - task: extraction
      keywords: [extract, "pull out", "list all", parse, "find all"]
    - task: formatting
      keywords: [format, reformat, "convert to json", "convert to markdown", "as a table", capitalize]
    - task: summarization
      keywords: [summarize, summarise, summary, tl;dr, "key points"]
    - task: generation
      keywords: [write, draft, compose, "blog post", story, poem, email]
    - task: code-review         # func/def/class as keywords, not a regex: keywords cost nothing extra
      keywords: [review, "code review", refactor, "pull request", bug, func, def, class]
      patterns: ['```[a-z]*\n']  # a fenced code block
    - task: reasoning
      keywords: [prove, proof, theorem, derive, "step by step", lemma, induction]

rules:                           # tried in order; the first match applies
  - name: long-input-needs-sonnet
    when: { task: [extraction, classification, formatting], input_tokens: { min: 100000 } }
    then: { min_tier: sonnet }
  - name: enterprise-floor
    when: { metadata: { plan: enterprise } }
    then: { min_tier: sonnet }
  # A one-line question with (almost) no signal, such as "What is the capital of France?", is a
  # lookup: Haiku rather than the no-signal default tier. Listed after enterprise-floor so that
  # enterprise callers keep their Sonnet floor (only the first matching rule applies).
  - name: short-lookup
    when: { task: qa, input_tokens: { max: 40 }, score: { max: 0.02 } }
    then: { max_tier: haiku }

escalation:
  enabled: true
  max_steps: 2
  on: [max_tokens, refusal, failed_check, invalid_json, overloaded, server_error, context_overflow]

budgets:
  - name: daily-global
    scope: global
    period: day
    soft_usd: "40"
    hard_usd: "50"
    on_hard_limit: downgrade
  - name: per-user-monthly
    scope: metadata:user
    period: month
    hard_usd: "20"
    on_hard_limit: reject

"""#

    /// The default policy, decoded. The file is validated by the test suite, so this does not throw in practice.
    /// A `scorer:` sidecar resolves to its embedded copy (no file on disk needed).
    public static func defaultPolicy() throws(PolicyError) -> Policy {
        try Policy.parse(yaml: defaultYAML, file: "<bundled>/default.yaml", baseDirectory: ".",
                         scorerResolver: scorerResolver)
    }

    /// Resolves the bundled policies' sidecars to their embedded copies (`default.scorer.json`,
    /// the learned difficulty model of policies/learned.yaml). A build-time embedding of
    /// policies/ can replace `files` without touching callers.
    public static let scorerResolver = EmbeddedScorerResolver(files: ["default.scorer.json": Array(defaultScorerJSON.utf8)])
}
