// A copy of policies/prices.yaml — keep them byte-identical (PricingBundledTests checks it):
// after editing policies/prices.yaml, paste it between the #""" delimiters below unchanged.

extension PriceBook {
    /// The text of policies/prices.yaml as shipped with this version of claude-router.
    public static let bundledYAML: String = #"""
# Model prices for claude-router, in US dollars per million tokens.
#
# Source: Anthropic's published prices (see docs/ANTHROPIC-API.md, "Prices"). Prices are data:
# edit this file (or point your policy's `prices:` at a copy) to add a model or a new price
# without a new release of claude-router. Costs are computed exactly, in picodollars.
#
# Format
#   models:
#     MODEL-ID:                  the id the API uses, without a date suffix
#       aliases: [OTHER-ID]      optional: other names that price as this model
#       prices:                  one entry per price change, oldest first
#         - effective_from: YYYY-MM-DD   applies from 00:00 UTC that day until the next entry
#           input: 3.00                  uncached input tokens
#           cache_write_5m: 3.75         tokens written to the 5-minute cache
#           cache_write_1h: 6.00         tokens written to the 1-hour cache
#           cache_read: 0.30             tokens read from the cache
#           output: 15.00                output tokens
#           tiers:                       optional length-priced tiers, ascending
#             - above_prompt_tokens: N   when input + cache reads + cache writes > N,
#               input: …                 these five prices apply to EVERY token of the
#                                        request, output included
#
# Prices may be written as numbers (3.00) or strings ("3.00"); at most 6 decimals, so that
# each is a whole number of picodollars per token. Negative, NaN or unknown keys are errors.
#
# Model ids: a request's model is matched (1) exactly against the ids below, then (2) against
# the aliases, then (3) with a trailing date suffix -YYYYMMDD removed, so
# claude-haiku-4-5-20251001 prices as claude-haiku-4-5. Nothing else matches: an unknown model
# is reported as unpriced, never priced at $0.
#
# The first entry of each model is dated 2025-01-01: a floor that covers every record the
# router can have made, not the model's launch date. Calls dated before a model's first entry
# are unpriced.
#
# YAML anchors (&name) and merge keys (<<: *name) are used below to share identical prices.

# Message Batches API: this fraction is taken off every token category (0.5 = 50% off).
# It stacks with cache prices and with the inference_geo multiplier.
batch_discount: 0.5

# Multipliers on every token category by the response's usage.inference_geo.
# Geographies not listed here cost 1x.
inference_geo:
  us: 1.1

models:
  claude-haiku-4-5:
    prices:
      - effective_from: 2025-01-01
        input: 1.00
        cache_write_5m: 1.25
        cache_write_1h: 2.00
        cache_read: 0.10
        output: 5.00

  claude-sonnet-4-5:
    prices: &sonnet-4-prices
      - effective_from: 2025-01-01
        input: 3.00
        cache_write_5m: 3.75
        cache_write_1h: 6.00
        cache_read: 0.30
        output: 15.00

  claude-sonnet-4-6:
    prices: *sonnet-4-prices

  claude-opus-4-5:
    prices: &opus-4-prices
      - effective_from: 2025-01-01
        input: 5.00
        cache_write_5m: 6.25
        cache_write_1h: 10.00
        cache_read: 0.50
        output: 25.00

  claude-opus-4-6:
    prices: *opus-4-prices

  claude-opus-4-7:
    prices: *opus-4-prices

  claude-opus-4-8:
    prices: *opus-4-prices

  claude-opus-5:
    prices: *opus-4-prices

  claude-sonnet-5:
    prices:
      - &sonnet-5-launch
        effective_from: 2025-01-01
        input: 2.00
        cache_write_5m: 2.50
        cache_write_1h: 4.00
        cache_read: 0.20
        output: 10.00

  claude-sonnet-5-5:
    prices:
      - *sonnet-5-launch
      # Cache reads on Sonnet 5.5 dropped from 0.20 to 0.10 on 2026-10-07.
      - <<: *sonnet-5-launch
        effective_from: 2026-10-07
        cache_read: 0.10

  claude-opus-5-5:
    prices:
      - effective_from: 2025-01-01
        input: 4.00
        cache_write_5m: 5.00
        cache_write_1h: 8.00
        cache_read: 0.20
        output: 20.00

  claude-haiku-5-5:
    prices:
      - effective_from: 2025-01-01
        # Prompts of at most 100,000 tokens.
        input: 0.10
        cache_write_5m: 0.125
        cache_write_1h: 0.20
        cache_read: 0.01
        output: 0.50
        tiers:
          # Prompts over 100,000 tokens (100,001 and up) pay this for every token.
          - above_prompt_tokens: 100000
            input: 0.50
            cache_write_5m: 0.625
            cache_write_1h: 1.00
            cache_read: 0.05
            output: 2.50

"""#

    /// The prices shipped with this version (policies/prices.yaml, embedded), so the SDK can
    /// price calls without reading any file.
    public static let bundledDefault: PriceBook = {
        do {
            return try PriceBook.parse(yaml: bundledYAML, file: "<bundled prices.yaml>")
        } catch {
            // The embedded text is a constant checked by PricingBundledTests, not user input.
            preconditionFailure("the bundled prices.yaml is invalid:\n\(error)")
        }
    }()
}
