import ArgumentParser
import ClaudeRouterEval
import Foundation
import Router
import RouterPolicies

/// `claude-router report`: spend and savings from a ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a cost ledger: calls, cost, savings vs the baseline tier, escalations.",
        discussion: "A ledger path ending in .jsonl is read as JSON Lines, anything else as SQLite. Savings compare each call's cost with the same tokens on the policy's baseline tier.")

    enum GroupBy: String, ExpressibleByArgument, CaseIterable {
        case task, model, tier, variant, day, user

        var key: LedgerReport.GroupKey {
            switch self {
            case .task: .task
            case .model: .model
            case .tier: .tier
            case .variant: .variant
            case .day: .day
            case .user: .user
            }
        }
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    @Option(help: ArgumentHelp("Ledger file (SQLite, or JSON Lines if it ends in .jsonl).", valueName: "path"))
    var ledger: String

    @Option(help: "Group rows by task, model, tier, variant, day or user.")
    var by: GroupBy = .task

    @Option(help: ArgumentHelp("Only records on or after this UTC day (YYYY-MM-DD) or instant (ISO 8601).", valueName: "date"))
    var since: String?

    @Option(help: "Output format: table, json or csv.")
    var format: Format = .table

    func validate() throws {
        if let since, Self.parseDate(since) == nil {
            throw ValidationError("--since expects YYYY-MM-DD or an ISO 8601 instant, got '\(since)'")
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        day.timeZone = TimeZone(identifier: "UTC")
        if text.count == 10, let date = day.date(from: text) { return date }
        let instant = ISO8601DateFormatter()
        if let date = instant.date(from: text) { return date }
        instant.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return instant.date(from: text)
    }

    func run() async throws {
        let store = try LedgerFiles.open(ledger, mustExist: true)
        let records: [LedgerRecord]
        do {
            records = try await store.records(LedgerQuery(since: since.flatMap(Self.parseDate)))
            try await store.close()
        } catch {
            throw CLIError.data("error: cannot read ledger '\(ledger)': \(error)")
        }
        let rows = LedgerReport.aggregate(records, by: by.key)
        let total = LedgerReport.aggregate(records, by: .all)
        switch format {
        case .table: Terminal.writeOut(ReportRendering.table(rows: rows, total: total.first, by: by.rawValue, ledger: ledger))
        case .json: Terminal.writeOut(try ReportRendering.json(rows: rows, total: total.first, by: by.rawValue) + "\n")
        case .csv: Terminal.writeOut(ReportRendering.csv(rows: rows, by: by.rawValue))
        }
    }
}
