import ArgumentParser
import Router
import RouterPostgres

/// How routed commands (`send`, `eval`) hold a policy's budgets. With a SQLite `--ledger` the
/// budgets live in the ledger file, so they hold across every process using it; otherwise they
/// live in this process only.
struct BudgetOptions: ParsableArguments {
    @Option(name: .customLong("budget-wait"), help: ArgumentHelp(
        "Seconds a call refused only because other calls hold reservations waits for them to settle.",
        valueName: "seconds"))
    var budgetWait: Double = 30

    @Option(name: .customLong("budget-expiry"), help: ArgumentHelp(
        "Seconds after which a reservation no process settled (it was killed) stops counting (SQLite or PostgreSQL ledger).",
        valueName: "seconds"))
    var budgetExpiry: Double = 600

    func validate() throws {
        guard budgetWait.isFinite, (0...86_400).contains(budgetWait) else {
            throw ValidationError("--budget-wait must be between 0 and 86400 seconds")
        }
        guard budgetExpiry.isFinite, (0.001...604_800).contains(budgetExpiry) else {
            throw ValidationError("--budget-expiry must be between 0.001 and 604800 seconds")
        }
    }

    /// Router options for `ledger`: budgets in the ledger file when it is SQLite.
    func routerOptions(ledger: any CostLedger) -> ModelRouter.Options {
        var options = ModelRouter.Options(budgetWait: .milliseconds(Int64((budgetWait * 1000).rounded())))
        let expiry = Duration.milliseconds(Int64((budgetExpiry * 1000).rounded()))
        if let sqlite = ledger as? SQLiteLedger {
            options.budgetStore = .sqlite(sqlite, reservationExpiry: expiry)
        } else if let postgres = ledger as? PostgresLedger {
            // Budgets in the database: one limit for every process on every host using it.
            options.budgetStore = .postgres(postgres, reservationExpiry: expiry)
        }
        return options
    }
}
