import Foundation

/// The versioned schema: `PRAGMA user_version` holds the number of the last migration applied.
/// Migrations only ever append; a released migration is never edited.
enum SQLiteLedgerSchema {
    struct Migration {
        let version: Int
        let sql: String
    }

    static let migrations: [Migration] = [
        // 1: the ledger table. Money is INTEGER picodollars (exact); a NULL cost_total means
        // unpriced. Metadata is JSON text. The rowid orders records with equal times.
        Migration(version: 1, sql: """
            CREATE TABLE ledger (
                id TEXT NOT NULL PRIMARY KEY,
                time_us INTEGER NOT NULL,
                request_id TEXT NOT NULL,
                attempt INTEGER NOT NULL CHECK (attempt >= 1),
                parent_id TEXT,
                task TEXT,
                variant TEXT,
                policy_name TEXT,
                policy_hash TEXT,
                tier TEXT,
                model TEXT NOT NULL,
                reason TEXT,
                score REAL,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                cache_write_5m_tokens INTEGER NOT NULL,
                cache_write_1h_tokens INTEGER NOT NULL,
                cache_read_tokens INTEGER NOT NULL,
                cost_input INTEGER,
                cost_cache_write_5m INTEGER,
                cost_cache_write_1h INTEGER,
                cost_cache_read INTEGER,
                cost_output INTEGER,
                cost_total INTEGER,
                baseline_model TEXT,
                baseline_cost INTEGER,
                latency_ms INTEGER NOT NULL CHECK (latency_ms >= 0),
                outcome TEXT NOT NULL CHECK (outcome IN ('success', 'escalated', 'error')),
                outcome_detail TEXT,
                stream INTEGER NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                prompt_text TEXT,
                response_text TEXT
            );
            """),
        // 2: reports and budget seeding read by time range (optionally per task) and join
        // attempts to their logical call; without these every query scans the table.
        Migration(version: 2, sql: """
            CREATE INDEX ledger_time ON ledger (time_us);
            CREATE INDEX ledger_task_time ON ledger (task, time_us);
            CREATE INDEX ledger_parent ON ledger (parent_id) WHERE parent_id IS NOT NULL;
            """),
        // 3: budgets shared by every process using the file (SQLiteBudgetStore). Spend is the
        // ledger itself; budget_charge holds what a record counts against budgets when that is
        // not cost_total (an unpriced attempt counts its reserved worst case). A reservation row
        // per (call, budget) holds worst-case picodollars until the attempt's ledger row, whose
        // id is the reservation id, deletes it in the same transaction, or until it expires.
        Migration(version: 3, sql: """
            ALTER TABLE ledger ADD COLUMN budget_charge INTEGER;
            CREATE TABLE budget_reservations (
                id TEXT NOT NULL,
                budget TEXT NOT NULL,
                amount INTEGER NOT NULL CHECK (amount >= 0),
                created_us INTEGER NOT NULL,
                expires_us INTEGER NOT NULL,
                pid INTEGER NOT NULL,
                PRIMARY KEY (id, budget)
            );
            CREATE INDEX budget_reservations_budget ON budget_reservations (budget);
            CREATE INDEX budget_reservations_expiry ON budget_reservations (expires_us);
            """),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }
    /// The first version with `budget_reservations` (shared budgets).
    static let budgetVersion = 3

    /// Brings the database to `target` in one transaction: all pending migrations or none.
    static func migrate(_ db: SQLiteConnection, to target: Int = latestVersion) throws(LedgerError) {
        // IMMEDIATE takes the write lock up front, so two processes opening the same new file
        // cannot both run migration 1.
        try db.execute("BEGIN IMMEDIATE")
        do throws(LedgerError) {
            let current = Int(try db.integer("PRAGMA user_version"))
            guard current <= latestVersion else {
                throw LedgerError(code: .unsupportedSchema,
                                  message: "schema version \(current) is newer than this library's \(latestVersion)",
                                  file: db.path)
            }
            for migration in migrations where migration.version > current && migration.version <= target {
                try db.execute(migration.sql)
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
