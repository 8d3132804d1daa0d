import ClaudeRouterEval
import Foundation
import Router
import RouterPolicies

/// Renders `LedgerReport` rows (report command and demo).
enum ReportRendering {
    static func percent(_ value: Double?) -> String {
        value.map { Verdict.percent($0 / 100) } ?? "–"
    }

    static func table(rows: [LedgerReport.Row], total: LedgerReport.Row?, by: String, ledger: String) -> String {
        var table = TextTable(
            headers: [by, "calls", "attempts", "input tok", "output tok", "cost", "baseline", "saved", "saved %", "escalated", "unpriced", "p50", "p95"],
            alignments: [.left] + Array(repeating: .right, count: 12))
        func cells(_ row: LedgerReport.Row, name: String) -> [String] {
            [name, "\(row.logicalCalls)", "\(row.attempts)", "\(row.tokens.promptTokens)", "\(row.tokens.output)",
             row.cost.formatted(), row.baselineCost.formatted(), row.savings?.formatted() ?? "–", percent(row.savingsPercent),
             "\(row.escalatedCalls) (\(Verdict.percent(row.escalationRate)))", "\(row.unpricedRecords)",
             row.latencyP50.map { "\($0)ms" } ?? "–", row.latencyP95.map { "\($0)ms" } ?? "–"]
        }
        for row in rows { table.append(cells(row, name: row.group)) }
        if let total, rows.count > 1 { table.append(cells(total, name: "TOTAL")) }
        var text = table.rendered + "\n"
        if let total, total.unpricedRecords > 0 {
            text += "\(total.unpricedRecords) record(s) are unpriced (model not in the price book) and left out of the cost.\n"
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
        var costUSD: String
        var baselineCostUSD: String
        var savingsUSD: String?
        var savingsPercent: Double?
        var escalatedCalls: Int
        var escalationCostUSD: String
        var unpricedRecords: Int
        var latencyP50Ms: Int?
        var latencyP95Ms: Int?

        init(_ row: LedgerReport.Row) {
            group = row.group
            calls = row.logicalCalls
            attempts = row.attempts
            inputTokens = row.tokens.input
            outputTokens = row.tokens.output
            cacheReadTokens = row.tokens.cacheRead
            cacheWriteTokens = row.tokens.cacheWrite5m + row.tokens.cacheWrite1h
            costUSD = row.cost.exactDecimal
            baselineCostUSD = row.baselineCost.exactDecimal
            savingsUSD = row.savings?.exactDecimal
            savingsPercent = row.savingsPercent
            escalatedCalls = row.escalatedCalls
            escalationCostUSD = row.escalationCost.exactDecimal
            unpricedRecords = row.unpricedRecords
            latencyP50Ms = row.latencyP50
            latencyP95Ms = row.latencyP95
        }
    }

    struct JSONReport: Encodable {
        var groupedBy: String
        var rows: [JSONRow]
        var total: JSONRow?
    }

    /// Money as exact decimal strings (no binary floating point).
    static func json(rows: [LedgerReport.Row], total: LedgerReport.Row?, by: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let report = JSONReport(groupedBy: by, rows: rows.map(JSONRow.init), total: total.map(JSONRow.init))
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// RFC 4180 CSV with a header row.
    static func csv(rows: [LedgerReport.Row], by: String) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = ["\(by),calls,attempts,input_tokens,output_tokens,cost_usd,baseline_cost_usd,savings_usd,escalated_calls,unpriced_records,latency_p50_ms,latency_p95_ms"]
        for row in rows {
            lines.append([field(row.group), "\(row.logicalCalls)", "\(row.attempts)", "\(row.tokens.input)", "\(row.tokens.output)",
                          row.cost.exactDecimal, row.baselineCost.exactDecimal, row.savings?.exactDecimal ?? "",
                          "\(row.escalatedCalls)", "\(row.unpricedRecords)", row.latencyP50.map(String.init) ?? "",
                          row.latencyP95.map(String.init) ?? ""].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// Opening ledgers by path.
enum LedgerFiles {
    /// `.jsonl` → JSON Lines, anything else → SQLite.
    static func open(_ path: String, mustExist: Bool) throws -> any CostLedger {
        if mustExist && !FileManager.default.fileExists(atPath: path) {
            throw CLIError.data("error: ledger '\(path)' does not exist")
        }
        // A ledger that will be written must have room before the first paid call.
        if !mustExist { try OutputCheck.roomForLedger(path) }
        do {
            if path.hasSuffix(".jsonl") { return try JSONLinesLedger(path: path) }
            return try SQLiteLedger(path: path)
        } catch {
            throw CLIError.data("error: cannot open ledger '\(path)': \(error)")
        }
    }
}
