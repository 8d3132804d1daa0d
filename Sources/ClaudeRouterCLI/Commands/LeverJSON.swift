import ClaudeClient
import Foundation
import Router
import RouterPolicies

/// The cost levers of one decision in `explain --json` and `--jsonl`, under the key `levers`:
/// the text output's `caching:`, `ttl:`, `session:`, `response:`, `history:`, `preflight:` and
/// `deferrable:` lines as fields (docs/CLI.md, "explain"). Only the levers the policy turns on
/// for the decision's task appear; a policy that turns on none adds no `levers` key, so its
/// output is byte for byte what it was before levers existed.
struct LeverJSON: Encodable, Equatable {
    var caching: Caching?
    var cacheAwareRouting: CacheAwareRouting?
    var responseCache: ResponseCache?
    var history: History?
    var preflight: Preflight?
    var deferrable: Deferrable?

    enum CodingKeys: String, CodingKey {
        case caching, history, preflight, deferrable
        case cacheAwareRouting = "cache_aware_routing", responseCache = "response_cache"
    }

    /// Prompt caching placed by policy: the settings, the breakpoints the planner would place on
    /// this request for the decision's model, and when the 1-hour TTL pays off at its prices.
    struct Caching: Encodable, Equatable {
        var ttl: String
        var prefixes: [String]
        /// The model's minimum cacheable prefix (tokens), from the price book or assumed.
        var minimumCacheableTokens: Int
        /// `false` when the price book lists no minimum for the model and 1,024 is assumed.
        var minimumFromPriceBook: Bool
        /// Whether the estimated input reaches the minimum.
        var longEnough: Bool
        var breakpoints: [Breakpoint]
        /// `cache_control` markers the request already carried (kept; they count in the four).
        var callerBreakpoints: Int
        /// Candidate prefixes left out, each with why.
        var skipped: [String]
        /// `nil` when the model is not in the price book.
        var ttlBreakEven: TTLBreakEven?

        enum CodingKeys: String, CodingKey {
            case ttl, prefixes, breakpoints, skipped
            case minimumCacheableTokens = "minimum_cacheable_tokens", minimumFromPriceBook = "minimum_from_price_book"
            case longEnough = "long_enough", callerBreakpoints = "caller_breakpoints", ttlBreakEven = "ttl_break_even"
        }
    }

    /// One breakpoint the router would place.
    struct Breakpoint: Encodable, Equatable {
        /// `tools`, `system`, `documents` or `conversation`.
        var prefix: String
        /// `system[0]`, `messages[3].content[1]`, …
        var location: String
        /// Estimated tokens of everything up to and including the marked block.
        var prefixTokens: Int
        var ttl: String

        enum CodingKeys: String, CodingKey {
            case prefix, location, ttl
            case prefixTokens = "prefix_tokens"
        }
    }

    /// `CacheEconomics.TTLBreakEven` at the model's rates (USD per million tokens).
    struct TTLBreakEven: Encodable, Equatable {
        var write5mUSDPerMTok: String
        var write1hUSDPerMTok: String
        var readUSDPerMTok: String
        /// `(w1 − w5) / (w5 − r)`; absent when a read costs as much as a 5-minute write.
        var ratio: Double?
        /// The fewest reuses an hour, each more than 5 minutes after the previous one, for the
        /// 1-hour write to be cheaper; absent when it never is.
        var minimumLateReusesPerHour: Int?
        var explanation: String

        enum CodingKeys: String, CodingKey {
            case ratio, explanation
            case write5mUSDPerMTok = "write_5m_usd_per_mtok", write1hUSDPerMTok = "write_1h_usd_per_mtok"
            case readUSDPerMTok = "read_usd_per_mtok", minimumLateReusesPerHour = "minimum_late_reuses_per_hour"
        }
    }

    /// Cache-aware routing: whether the conversation keeps the tier whose cache is warm.
    struct CacheAwareRouting: Encodable, Equatable {
        var sessionKey: String
        /// Whether the request's metadata carries the session key.
        var sessionPresent: Bool
        /// The conversation's last tier (`explain --previous-tier`; the router's session memory in `send`).
        var previousTier: String?
        var cachedPrefixTokens: Int?
        /// `kept` (stays on the previous tier), `switched` (moves to the policy's tier) or
        /// `not_applicable` (see `explanation`).
        var verdict: String
        /// The tier the policy chose before cache-aware routing.
        var policyTier: String?
        /// This turn on the previous tier, reading the warm prefix (estimated).
        var stayCostUSD: String?
        /// This turn on the policy's tier, re-writing the prefix to its cold cache (estimated).
        var switchCostUSD: String?
        /// Of `switch_cost_usd`, the re-write of the prefix.
        var rewriteCostUSD: String?
        var explanation: String

        enum CodingKeys: String, CodingKey {
            case verdict, explanation
            case sessionKey = "session_key", sessionPresent = "session_present", previousTier = "previous_tier"
            case cachedPrefixTokens = "cached_prefix_tokens", policyTier = "policy_tier"
            case stayCostUSD = "stay_cost_usd", switchCostUSD = "switch_cost_usd", rewriteCostUSD = "rewrite_cost_usd"
        }
    }

    /// The task's response cache.
    struct ResponseCache: Encodable, Equatable {
        var ttlSeconds: Int
        /// The metadata key that partitions the cache; absent when answers are shared (`partition_by: none`).
        var partitionBy: String?
        /// Whether this request would be looked up and stored (a partitioned cache needs its key).
        var eligible: Bool
        var explanation: String

        enum CodingKeys: String, CodingKey {
            case eligible, explanation
            case ttlSeconds = "ttl_seconds", partitionBy = "partition_by"
        }
    }

    /// History trimming (estimated tokens, ~4 characters each).
    struct History: Encodable, Equatable {
        var maxMessages: Int?
        var maxInputTokens: Int?
        var trimmed: Bool
        var messagesRemoved: Int
        var messagesKept: Int
        var originalTokens: Int
        var keptTokens: Int
        var tokensRemoved: Int
        var systemDropped: Bool
        /// `false` when no smaller valid conversation fits the caps.
        var withinCaps: Bool
        /// The tier that would summarize the dropped turns (`summarize: true` and something trimmed).
        var summaryTier: String?

        enum CodingKeys: String, CodingKey {
            case trimmed
            case maxMessages = "max_messages", maxInputTokens = "max_input_tokens"
            case messagesRemoved = "messages_removed", messagesKept = "messages_kept"
            case originalTokens = "original_tokens", keptTokens = "kept_tokens", tokensRemoved = "tokens_removed"
            case systemDropped = "system_dropped", withinCaps = "within_caps", summaryTier = "summary_tier"
        }
    }

    /// Pre-flight `count_tokens`.
    struct Preflight: Encodable, Equatable {
        /// `always` or `near_limit`.
        var when: String
        var margin: Double
        var wouldRun: Bool
        var reason: String
        /// The input bound a budget reserves without pre-flight (tokens, from the encoded request's bytes).
        var byteBoundTokens: Int

        enum CodingKeys: String, CodingKey {
            case when, margin, reason
            case wouldRun = "would_run", byteBoundTokens = "byte_bound_tokens"
        }
    }

    /// A `deferrable: true` task: the Message Batches API's price for the decision's model.
    struct Deferrable: Encodable, Equatable {
        /// The price book's batch discount, as a fraction (`0.5`).
        var batchDiscount: String
        /// Absent when the model is not in the price book.
        var batchInputUSDPerMTok: String?
        var batchOutputUSDPerMTok: String?
        var inputUSDPerMTok: String?
        var outputUSDPerMTok: String?

        enum CodingKeys: String, CodingKey {
            case batchDiscount = "batch_discount"
            case batchInputUSDPerMTok = "batch_input_usd_per_mtok", batchOutputUSDPerMTok = "batch_output_usd_per_mtok"
            case inputUSDPerMTok = "input_usd_per_mtok", outputUSDPerMTok = "output_usd_per_mtok"
        }
    }

    /// The compact JSON of this object (sorted keys, `/` unescaped): the bytes `--jsonl` splices
    /// into a decision line, equal to what `--json` nests.
    func compactBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array("null".utf8)
    }
}
