import ArgumentParser

/// `claude-router report`: spend and savings from a ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a cost ledger: calls, cost, savings vs the baseline tier, escalations.")

    enum GroupBy: String, ExpressibleByArgument, CaseIterable {
        case task, model, tier, variant, day, user
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

    func run() async throws {
        throw notYetAvailable("report", needs: "the Router's ledger")
    }
}
