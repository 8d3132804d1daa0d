import ClaudeRouterEval
import Foundation
import Logging
import Router
import RouterPostgres
import RouterPolicies

/// Renders `LedgerReport` rows (report command and demo).
enum ReportRendering {
    static func percent(_ value: Double?) -> String {
        value.map { Verdict.percent($0 / 100) } ?? "–"
    }

    /// A cost cell: exact when every attempt is priced, otherwise never a bare $0.
    static func cost(_ row: LedgerReport.Row) -> String { LedgerReportPage.costText(row) }

    static func table(rows: [LedgerReport.Row], total: LedgerReport.Row?, by: String, ledger: String,
                      coverage: CacheSavingCoverage? = nil) -> String {
        guard let total, total.attempts > 0 else { return "no records in \(ledger) for this selection\n" }
        var table = TextTable(
            headers: [by, "calls", "attempts", "input tok", "output tok", "cost", "baseline", "saved", "saved %",
                      "escalated", "escalation cost", "errors", "flagged", "p50", "p95", "cache hit", "cache saved",
                      "resp. hits", "avoided"],
            alignments: [.left] + Array(repeating: .right, count: 18))
        func cells(_ row: LedgerReport.Row, name: String) -> [String] {
            [name, "\(row.logicalCalls)", "\(row.attempts)", "\(row.tokens.promptTokens)", "\(row.tokens.output)",
             cost(row), row.baselineCost.formatted(), row.savings?.formatted() ?? "–", percent(row.savingsPercent),
             "\(row.escalatedCalls) (\(Verdict.percent(row.escalationRate)))", row.escalationCost.formatted(),
             "\(row.errorAttempts)", "\(row.flaggedRecords)",
             row.latencyP50.map { "\($0)ms" } ?? "–", row.latencyP95.map { "\($0)ms" } ?? "–",
             row.cacheHitRate.map { Verdict.percent($0) } ?? "–", row.cacheSaving.formatted(), "\(row.responseCacheHits)",
             row.avoidedCost.formatted()]
        }
        for row in rows { table.append(cells(row, name: row.group)) }
        if rows.count > 1 { table.append(cells(total, name: "TOTAL")) }
        var text = table.rendered + "\n"
        text += "Each call is counted whole (escalations included) in the group of the attempt that answered it.\n"
        for line in LedgerReportPage.cachingLines(total, coverage: coverage) { text += line + "\n" }
        if total.unpricedRecords > 0 {
            text += "Total cost ≥ \(total.cost.formatted()) plus \(total.unpricedRecords) unpriced attempt(s) "
                + "(model not in the price book, or usage flagged): their cost is unknown, not $0.\n"
        }
        return text
    }

    struct JSONRow: Encodable {
        var group: String
        var calls: Int
        var attempts: Int
        var inputTokens: Int
        var outputTokens: Int
        var cacheReadTokens: Int
        var cacheWriteTokens: Int
        /// `null` when an attempt is unpriced (unknown is never zero).
        var costUSD: String?
        /// The priced attempts' sum: the cost when `cost_usd` is known, a lower bound otherwise.
        var costLowerBoundUSD: String
        var baselineCostUSD: String
        var savingsUSD: String?
        var savingsPercent: Double?
        var escalatedCalls: Int
        var escalationCostUSD: String
        var unpricedRecords: Int
        var errorAttempts: Int
        var flaggedRecords: Int
        var latencyP50Ms: Int?
        var latencyP95Ms: Int?
        /// Cache reads ÷ prompt tokens; `null` without prompt tokens.
        var cacheHitRate: Double?
        /// Prompt caching's saving, apart from `savings_usd` (routing).
        var cacheSavingUSD: String
        var responseCacheHits: Int
        /// What response-cache hits avoided paying.
        var avoidedCostUSD: String

        init(_ row: LedgerReport.Row) {
            group = row.group
            calls = row.logicalCalls
            attempts = row.attempts
            inputTokens = row.tokens.input
            outputTokens = row.tokens.output
            cacheReadTokens = row.tokens.cacheRead
            cacheWriteTokens = row.tokens.cacheWrite5m + row.tokens.cacheWrite1h
            costUSD = row.exactCost?.exactDecimal
            costLowerBoundUSD = row.cost.exactDecimal
            baselineCostUSD = row.baselineCost.exactDecimal
            savingsUSD = row.savings?.exactDecimal
            savingsPercent = row.savingsPercent
            escalatedCalls = row.escalatedCalls
            escalationCostUSD = row.escalationCost.exactDecimal
            unpricedRecords = row.unpricedRecords
            errorAttempts = row.errorAttempts
            flaggedRecords = row.flaggedRecords
            latencyP50Ms = row.latencyP50
            latencyP95Ms = row.latencyP95
            cacheHitRate = row.cacheHitRate
            cacheSavingUSD = row.cacheSaving.exactDecimal
            responseCacheHits = row.responseCacheHits
            avoidedCostUSD = row.avoidedCost.exactDecimal
        }

        /// Optional fields are written as `null`, not left out: a reader sees "unknown".
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(group, forKey: .group)
            try container.encode(calls, forKey: .calls)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(inputTokens, forKey: .inputTokens)
            try container.encode(outputTokens, forKey: .outputTokens)
            try container.encode(cacheReadTokens, forKey: .cacheReadTokens)
            try container.encode(cacheWriteTokens, forKey: .cacheWriteTokens)
            try container.encode(costUSD, forKey: .costUSD)
            try container.encode(costLowerBoundUSD, forKey: .costLowerBoundUSD)
            try container.encode(baselineCostUSD, forKey: .baselineCostUSD)
            try container.encode(savingsUSD, forKey: .savingsUSD)
            try container.encode(savingsPercent, forKey: .savingsPercent)
            try container.encode(escalatedCalls, forKey: .escalatedCalls)
            try container.encode(escalationCostUSD, forKey: .escalationCostUSD)
            try container.encode(unpricedRecords, forKey: .unpricedRecords)
            try container.encode(errorAttempts, forKey: .errorAttempts)
            try container.encode(flaggedRecords, forKey: .flaggedRecords)
            try container.encode(latencyP50Ms, forKey: .latencyP50Ms)
            try container.encode(latencyP95Ms, forKey: .latencyP95Ms)
            try container.encode(cacheHitRate, forKey: .cacheHitRate)
            try container.encode(cacheSavingUSD, forKey: .cacheSavingUSD)
            try container.encode(responseCacheHits, forKey: .responseCacheHits)
            try container.encode(avoidedCostUSD, forKey: .avoidedCostUSD)
        }

        enum CodingKeys: String, CodingKey {
            case group, calls, attempts, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens
            case costUSD, costLowerBoundUSD, baselineCostUSD, savingsUSD, savingsPercent, escalatedCalls
            case escalationCostUSD, unpricedRecords, errorAttempts, flaggedRecords, latencyP50Ms, latencyP95Ms
            case cacheHitRate, cacheSavingUSD, responseCacheHits, avoidedCostUSD
        }
    }

    struct JSONReport: Encodable {
        var schemaVersion = 1
        var groupedBy: String
        var grouping = "each call in the group of its final attempt"
        var rows: [JSONRow]
        var total: JSONRow?
        /// The cost levers over every selected record; left out, like `total`, when nothing is selected.
        var levers: JSONLevers?
    }

    /// Money as exact decimal strings (no binary floating point).
    static func json(rows: [LedgerReport.Row], total: LedgerReport.Row?, by: String, levers: LeverSummary = LeverSummary(),
                     coverage: CacheSavingCoverage? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let report = JSONReport(groupedBy: by, rows: rows.map(JSONRow.init), total: total.map(JSONRow.init),
                                levers: total.map { JSONLevers(total: $0, levers: levers, coverage: coverage) })
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// RFC 4180 CSV with a header row and, after the groups, a `TOTAL` row over all of them;
    /// an unknown cost is an empty field, never 0.
    static func csv(rows: [LedgerReport.Row], total: LedgerReport.Row?, by: String, levers: LeverSummary = LeverSummary(),
                    coverage: CacheSavingCoverage? = nil) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = ["\(field(by)),calls,attempts,input_tokens,output_tokens,cost_usd,cost_lower_bound_usd,baseline_cost_usd,"
            + "savings_usd,escalated_calls,escalation_cost_usd,unpriced_records,error_attempts,flagged_records,"
            + "latency_p50_ms,latency_p95_ms,\(csvLeverHeader),cache_hit_rate,cache_saving_usd,response_cache_hits,avoided_cost_usd"]
        let all: [(LedgerReport.Row, String, Bool)] = rows.map { ($0, $0.group, false) } + (total.map { [($0, "TOTAL", true)] } ?? [])
        for (row, name, isTotal) in all {
            let leverCells = csvLeverCells(row, levers: isTotal ? levers : nil, coverage: isTotal ? coverage : nil)
            let head: [String] = [field(name), "\(row.logicalCalls)", "\(row.attempts)", "\(row.tokens.input)", "\(row.tokens.output)",
                                  row.exactCost?.exactDecimal ?? "", row.cost.exactDecimal, row.baselineCost.exactDecimal,
                                  row.savings?.exactDecimal ?? "", "\(row.escalatedCalls)", row.escalationCost.exactDecimal,
                                  "\(row.unpricedRecords)", "\(row.errorAttempts)", "\(row.flaggedRecords)",
                                  row.latencyP50.map(String.init) ?? "", row.latencyP95.map(String.init) ?? ""]
            let caching: [String] = [row.cacheHitRate.map { String($0) } ?? "", row.cacheSaving.exactDecimal,
                                     "\(row.responseCacheHits)", row.avoidedCost.exactDecimal]
            lines.append((head + leverCells + caching).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// Opening ledgers by path or URL.
enum LedgerFiles {
    /// `postgres://` or `postgresql://` → PostgreSQL (durability and pool from the URL's query,
    /// ``PostgresLedger/open(url:logger:)``), `.jsonl` → JSON Lines, anything else → SQLite.
    /// - Parameter postgresLogLevel: the lowest level of postgres-nio's background log (the
    ///   pool's reconnection attempts) that is printed: `.info` for the long-running gateway,
    ///   `.warning` for one-shot commands, whose failures come back as the command's own error.
    /// - Throws: ``CLIError``: exit 69 for a PostgreSQL server that cannot be reached, 77 for
    ///   refused credentials, 65 for a bad URL or an unreadable file, 70 otherwise.
    static func open(_ path: String, mustExist: Bool, postgresLogLevel: Logger.Level = .warning) async throws
        -> any CostLedger {
        if PostgresURL.isPostgresURL(path) {
            var logger = Logger(label: "claude-router.postgres")
            logger.logLevel = postgresLogLevel
            do {
                return try await PostgresLedger.open(url: path, logger: logger)
            } catch let error as LedgerError {
                // The error names the server by its redacted URL already.
                throw CLIError("error: cannot open ledger: \(error)", status: status(for: error))
            } catch {
                throw CLIError.data("error: cannot open ledger '\(displayName(path))': \(error)")
            }
        }
        let exists = FileManager.default.fileExists(atPath: path)
        if mustExist && !exists {
            throw CLIError.data("error: ledger '\(path)' does not exist")
        }
        // `x.json` would silently become a SQLite file: a new ledger's name says its format.
        if !exists, path.lowercased().hasSuffix(".json") {
            throw CLIError("error: ledger '\(path)': a new ledger is JSON Lines when its name ends in .jsonl, "
                + "SQLite otherwise; .json names neither (use .jsonl, or .sqlite)", status: .usage)
        }
        // A ledger that will be written must be writable where asked (exit 70, an I/O problem,
        // not bad data) and have room before the first paid call.
        if !mustExist {
            try OutputCheck.writable(path, what: "ledger")
            try OutputCheck.roomForLedger(path)
        }
        do {
            if isJSONLines(path) { return try JSONLinesLedger(path: path) }
            return try SQLiteLedger(path: path)
        } catch {
            throw CLIError.data("error: cannot open ledger '\(path)': \(error)")
        }
    }

    /// Whether a ledger path names a JSON Lines file: it ends in `.jsonl`, in any case.
    static func isJSONLines(_ path: String) -> Bool { path.lowercased().hasSuffix(".jsonl") }

    /// The ledger of a routed command's `--ledger`, or an in-memory one without it.
    /// - Throws: as ``open(_:mustExist:postgresLogLevel:)``.
    static func open(_ path: String?, postgresLogLevel: Logger.Level = .warning) async throws -> any CostLedger {
        guard let path else { return InMemoryLedger() }
        return try await open(path, mustExist: false, postgresLogLevel: postgresLogLevel)
    }

    /// The exit status for a ledger that could not be opened or read (docs/CLI.md, exit codes):
    /// 69 for a database server that cannot be reached, 77 for refused credentials, 65 for what
    /// the ledger holds (a corrupt record or file, a sum past the 64-bit range, a schema from a
    /// newer version), 70 for I/O and anything else.
    static func status(for error: LedgerError) -> ExitStatus {
        switch error.code {
        case .unavailable: return .unavailable
        case .accessDenied: return .permission
        case .corruptRecord, .overflow, .unsupportedSchema: return .dataError
        case .sqlite:
            // SQLite's primary result codes (https://sqlite.org/rescode.html): 11 SQLITE_CORRUPT,
            // 26 SQLITE_NOTADB and 1 SQLITE_ERROR (an "integer overflow" of a report's sum) are
            // about the data; I/O, locking, permissions and a full disk are not.
            let primary = (error.sqliteResultCode ?? 0) & 0xff
            return [1, 11, 26].contains(primary) ? .dataError : .failure
        default: return .failure
        }
    }

    /// How a ledger argument is shown (banners, reports, errors): a PostgreSQL URL without its password.
    static func displayName(_ path: String) -> String {
        guard PostgresURL.isPostgresURL(path) else { return path }
        return (try? PostgresURL(path)).map { "\($0)" } ?? PostgresURL.redact(path)
    }
}
