import ClaudeRouterEval
import Foundation
import Router
import RouterPolicies
import RouterPostgres

/// The cost levers in `report --format json` (a top-level `levers` object) and `--format csv`
/// (columns filled on the TOTAL row): the same figures as the table's footer and the pages'
/// "Cost levers" section (docs/CLI.md, "report").
extension ReportRendering {
    /// `levers` in the JSON report; keys become snake_case through the encoder's strategy.
    struct JSONLevers: Encodable {
        struct PromptCaching: Encodable {
            var cacheReadTokens: Int
            var cacheWrite5mTokens: Int
            var cacheWrite1hTokens: Int
            /// Cache reads ÷ prompt tokens; `null` without prompt tokens.
            var hitRate: Double?
            /// `none`, `recorded`, `not_recorded`, `partly_recorded` or `unpriced`.
            var savingState: String
            /// The recorded saving; `null` when none was recorded (unknown, never "0").
            var savingUSD: String?
            /// Priced attempts with cache tokens, and those with a recorded saving; `null` when
            /// the ledger does not count them (PostgreSQL).
            var cachedAttempts: Int?
            var savingRecordedAttempts: Int?

            enum CodingKeys: String, CodingKey {
                case cacheReadTokens, hitRate, savingState, savingUSD, cachedAttempts, savingRecordedAttempts
                case cacheWrite5mTokens = "cache_write_5m_tokens", cacheWrite1hTokens = "cache_write_1h_tokens"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(cacheReadTokens, forKey: .cacheReadTokens)
                try container.encode(cacheWrite5mTokens, forKey: .cacheWrite5mTokens)
                try container.encode(cacheWrite1hTokens, forKey: .cacheWrite1hTokens)
                try container.encode(hitRate, forKey: .hitRate)
                try container.encode(savingState, forKey: .savingState)
                try container.encode(savingUSD, forKey: .savingUSD)
                try container.encode(cachedAttempts, forKey: .cachedAttempts)
                try container.encode(savingRecordedAttempts, forKey: .savingRecordedAttempts)
            }
        }

        struct ResponseCache: Encodable {
            var hits: Int
            var avoidedCostUSD: String
        }

        struct Batch: Encodable {
            var records: Int
            var costUSD: String
            var savingUSD: String
        }

        struct History: Encodable {
            var trimmedAttempts: Int
            var trimmedTokens: Int
            var trimmedTokensValueUSD: String
            var summaryCalls: Int
            var summaryCostUSD: String
            var savingUSD: String
        }

        struct Preflight: Encodable {
            var countedAttempts: Int
            var fallbackAttempts: Int
        }

        var promptCaching: PromptCaching
        var responseCache: ResponseCache
        var batch: Batch
        var history: History
        var preflight: Preflight

        init(total: LedgerReport.Row, levers s: LeverSummary, coverage: CacheSavingCoverage?) {
            let state = LedgerReportPage.cachingSavingState(total, coverage: coverage)
            let stateName: String, known: Bool
            switch state {
            case .none: (stateName, known) = ("none", true)
            case .recorded: (stateName, known) = ("recorded", true)
            case .notRecorded: (stateName, known) = ("not_recorded", false)
            case .partly: (stateName, known) = ("partly_recorded", true)
            case .unpriced: (stateName, known) = ("unpriced", false)
            }
            promptCaching = PromptCaching(
                cacheReadTokens: total.tokens.cacheRead, cacheWrite5mTokens: total.tokens.cacheWrite5m,
                cacheWrite1hTokens: total.tokens.cacheWrite1h, hitRate: total.cacheHitRate, savingState: stateName,
                savingUSD: known ? total.cacheSaving.exactDecimal : nil,
                cachedAttempts: coverage?.cachedAttempts, savingRecordedAttempts: coverage?.recordedAttempts)
            responseCache = ResponseCache(hits: total.responseCacheHits, avoidedCostUSD: total.avoidedCost.exactDecimal)
            batch = Batch(records: s.batchRecords, costUSD: s.batchCost.exactDecimal, savingUSD: s.batchSaving.exactDecimal)
            history = History(trimmedAttempts: s.trimmedAttempts, trimmedTokens: s.trimmedTokens,
                              trimmedTokensValueUSD: s.trimmedTokensValue.exactDecimal, summaryCalls: s.summaryCalls,
                              summaryCostUSD: s.summaryCost.exactDecimal, savingUSD: s.trimmingSaving.exactDecimal)
            preflight = Preflight(countedAttempts: s.preflightCounted, fallbackAttempts: s.preflightFallbacks)
        }
    }

    /// The CSV lever columns, placed before the four caching columns (which stay last).
    static let csvLeverHeader = "cache_read_tokens,cache_write_tokens,batch_records,batch_cost_usd,batch_saving_usd,"
        + "trimmed_attempts,trimmed_tokens,trimmed_tokens_value_usd,summary_calls,summary_cost_usd,trimming_saving_usd,"
        + "preflight_counted,preflight_fallbacks,cache_saving_recorded_attempts,cache_saving_unrecorded_attempts"

    /// One row's lever cells: its own cache tokens, then the ledger-wide lever figures on the
    /// TOTAL row only (empty on group rows: the levers are not split by group).
    static func csvLeverCells(_ row: LedgerReport.Row, levers s: LeverSummary?, coverage: CacheSavingCoverage?) -> [String] {
        var cells = ["\(row.tokens.cacheRead)", "\(row.tokens.cacheWrite5m + row.tokens.cacheWrite1h)"]
        guard let s else { return cells + Array(repeating: "", count: 13) }
        cells += ["\(s.batchRecords)", s.batchCost.exactDecimal, s.batchSaving.exactDecimal,
                  "\(s.trimmedAttempts)", "\(s.trimmedTokens)", s.trimmedTokensValue.exactDecimal,
                  "\(s.summaryCalls)", s.summaryCost.exactDecimal, s.trimmingSaving.exactDecimal,
                  "\(s.preflightCounted)", "\(s.preflightFallbacks)"]
        cells += [coverage.map { "\($0.recordedAttempts)" } ?? "", coverage.map { "\($0.unrecordedAttempts)" } ?? ""]
        return cells
    }
}

extension ReportCommand {
    /// How many cached attempts recorded their caching saving: counted in SQLite, from the
    /// records for JSON Lines and in-memory ledgers (`records` when already read), `nil` for
    /// PostgreSQL (not counted there).
    static func cacheCoverage(_ store: any CostLedger, query: LedgerQuery, total: LedgerReport.Row?,
                              records: [LedgerRecord]? = nil) async throws -> CacheSavingCoverage? {
        guard let total, total.tokens.cacheRead + total.tokens.cacheWrite5m + total.tokens.cacheWrite1h > 0 else {
            return CacheSavingCoverage()
        }
        if let sqlite = store as? SQLiteLedger { return try await sqlite.cacheSavingCoverage(query) }
        if store is PostgresLedger { return nil }
        if let records { return CacheSavingCoverage.of(records) }
        return CacheSavingCoverage.of(try await store.records(query))
    }
}
