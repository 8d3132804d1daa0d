import ArgumentParser
import ClaudeRouterEval
import Foundation
import Router
import RouterPostgres
import RouterPolicies

/// `claude-router report`: spend and savings from a ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a cost ledger: calls, cost, savings vs the baseline tier, escalations.",
        discussion: "A ledger path ending in .jsonl is read as JSON Lines, a postgres:// or postgresql:// URL as PostgreSQL (aggregated on the server; the password is never printed), anything else as SQLite. Savings compare each call's cost with the same tokens on the policy's baseline tier.")

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
        case table, json, csv, markdown, html
    }

    @Option(help: ArgumentHelp("Ledger file (SQLite, or JSON Lines if it ends in .jsonl), or a postgres:// URL.", valueName: "path"))
    var ledger: String

    @Option(help: "Group rows by task, model, tier, variant, day or user.")
    var by: GroupBy = .task

    @Option(help: ArgumentHelp("Only records on or after this UTC day (YYYY-MM-DD) or instant (ISO 8601).", valueName: "date"))
    var since: String?

    @Option(help: "Output format: table, json, csv, markdown or html (a self-contained page with charts).")
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
        let store = try await LedgerFiles.open(ledger, mustExist: true)
        let query = LedgerQuery(since: since.flatMap(Self.parseDate))
        let rows: [LedgerReport.Row], total: LedgerReport.Row?
        // The page's views: per day, task and model (only for the page formats, only when non-empty).
        var views: [LedgerReport.GroupKey: [LedgerReport.Row]] = [:]
        var levers = LeverSummary()
        var coverage: CacheSavingCoverage?
        do {
            // The page formats also show the views by day, task and model, computed with the rows.
            let pageViews: [LedgerReport.GroupKey] = format == .markdown || format == .html ? [.day, .task, .model] : []
            // A ledger without SQL aggregates (JSON Lines, in memory) is read once for the rows,
            // the views, the levers and the coverage.
            let loaded = store is SQLiteLedger || store is PostgresLedger ? nil : try await store.records(query)
            let result = try await Self.aggregate(store, query: query, by: by.key, alsoBy: pageViews.filter { $0 != by.key },
                                                  records: loaded)
            (rows, total) = (result.rows, result.total.first)
            // Every format carries the levers; the coverage count costs a scan only when there are cache tokens.
            if (total?.attempts ?? 0) > 0 {
                levers = try await Self.levers(store, query: query, records: loaded)
                coverage = try await Self.cacheCoverage(store, query: query, total: total, records: loaded)
                for key in pageViews { views[key] = key == by.key ? rows : result.views[key] ?? [] }
            }
            try await store.close()
        } catch let error as LedgerError {
            // A ledger error names its file, or the server by its redacted URL.
            let place = error.file == nil ? " '\(LedgerFiles.displayName(ledger))'" : ""
            throw CLIError("error: cannot read ledger\(place): \(error)", status: LedgerFiles.status(for: error))
        } catch {
            throw CLIError.data("error: cannot read ledger '\(LedgerFiles.displayName(ledger))': \(error)")
        }
        switch format {
        case .table:
            Terminal.writeOut(ReportRendering.table(rows: rows, total: total, by: by.rawValue, ledger: LedgerFiles.displayName(ledger),
                                                    coverage: coverage)
                              + ReportRendering.levers(levers))
        case .json:
            Terminal.writeOut(try ReportRendering.json(rows: rows, total: total, by: by.rawValue, levers: levers,
                                                       coverage: coverage) + "\n")
        case .csv: Terminal.writeOut(ReportRendering.csv(rows: rows, total: total, by: by.rawValue, levers: levers, coverage: coverage))
        case .markdown, .html:
            let clock = ISO8601DateFormatter()
            clock.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
            clock.timeZone = TimeZone(identifier: "UTC")
            // An empty selection says so, as the table does, in the format asked for (still a page).
            guard let total, total.attempts > 0 else {
                let (name, generatedAt, version) = (LedgerFiles.displayName(ledger), clock.string(from: Date()) + " UTC",
                                                    ClaudeRouterCommand.configuration.version)
                return Terminal.writeOut(format == .html
                    ? LedgerReportPage.emptyHTML(ledger: name, since: since, generatedAt: generatedAt, toolVersion: version)
                    : LedgerReportPage.emptyMarkdown(ledger: name, since: since, generatedAt: generatedAt, toolVersion: version))
            }
            var page = LedgerReportPage(
                ledger: LedgerFiles.displayName(ledger), since: since, groupedBy: by.rawValue, rows: rows, total: total,
                byDay: views[.day] ?? [], byTask: views[.task] ?? [], byModel: views[.model] ?? [],
                generatedAt: clock.string(from: Date()) + " UTC", toolVersion: ClaudeRouterCommand.configuration.version)
            page.levers = levers
            page.cacheCoverage = coverage
            Terminal.writeOut(format == .html ? page.html : page.markdown)
        }
    }

    /// The rows by `key`, the one-row total and the rows by each of `others` (the report page's
    /// views). A SQLite ledger computes every grouping inside SQLite in the same scans
    /// (``SQLiteLedger/reports(_:by:)``, no record loaded), a PostgreSQL ledger on the server, one
    /// query per grouping; any other ledger is read once and aggregated in memory. All give the
    /// same rows (tested on generated ledgers). `records`: that other ledger's records matching
    /// `query`, when the caller has read them already.
    static func aggregate(_ store: any CostLedger, query: LedgerQuery, by key: LedgerReport.GroupKey,
                          alsoBy others: [LedgerReport.GroupKey] = [], records loaded: [LedgerRecord]? = nil)
        async throws -> (rows: [LedgerReport.Row], total: [LedgerReport.Row], views: [LedgerReport.GroupKey: [LedgerReport.Row]]) {
        var views: [LedgerReport.GroupKey: [LedgerReport.Row]] = [:]
        if let sqlite = store as? SQLiteLedger {
            let results = try await sqlite.reports(query, by: [key] + others)
            for (other, result) in zip(others, results.dropFirst()) { views[other] = result.rows }
            return (results[0].rows, results[0].total.map { [$0] } ?? [], views)
        }
        if let postgres = store as? PostgresLedger {
            let result = try await postgres.reportWithTotal(query, by: key)
            if result.total != nil {
                for other in others { views[other] = try await postgres.report(query, by: other) }
            }
            return (result.rows, result.total.map { [$0] } ?? [], views)
        }
        let records: [LedgerRecord]
        if let loaded { records = loaded } else { records = try await store.records(query) }
        for other in others { views[other] = try LedgerReport.aggregate(records, by: other) }
        return (try LedgerReport.aggregate(records, by: key), try LedgerReport.aggregate(records, by: .all), views)
    }
}
