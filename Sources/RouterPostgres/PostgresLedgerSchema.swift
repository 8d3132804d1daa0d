import Logging
import PostgresNIO
import Router

/// The versioned schema of the PostgreSQL ledger: `schema_migrations` lists the migrations
/// applied. Migrations only ever append; a released migration is never edited. The columns
/// mirror the SQLite ledger's (same names; money as BIGINT picodollars, exact), plus `seq`,
/// which orders records with equal times as SQLite's rowid does.
enum PostgresLedgerSchema {
    struct Migration {
        let version: Int
        /// One statement each (the extended query protocol runs one statement per query).
        let statements: [String]
    }

    /// The advisory lock every opener takes before migrating, so four processes opening a new
    /// database at once run each migration exactly once: this library's class ("clau" in ASCII)
    /// and the schema's name hashed (openers of different schemas do not wait for each other).
    static let advisoryLockClass: Int32 = 0x636C_6175

    static let migrations: [Migration] = [
        // 1: the ledger table and the indexes reports and reads use.
        Migration(version: 1, statements: [
            """
            CREATE TABLE ledger (
                seq BIGSERIAL NOT NULL UNIQUE,
                id TEXT NOT NULL PRIMARY KEY,
                time_us BIGINT NOT NULL,
                request_id TEXT NOT NULL,
                attempt BIGINT NOT NULL CHECK (attempt >= 1),
                parent_id TEXT,
                task TEXT,
                variant TEXT,
                policy_name TEXT,
                policy_hash TEXT,
                tier TEXT,
                model TEXT NOT NULL,
                reason TEXT,
                score DOUBLE PRECISION,
                input_tokens BIGINT NOT NULL,
                output_tokens BIGINT NOT NULL,
                cache_write_5m_tokens BIGINT NOT NULL,
                cache_write_1h_tokens BIGINT NOT NULL,
                cache_read_tokens BIGINT NOT NULL,
                cost_input BIGINT,
                cost_cache_write_5m BIGINT,
                cost_cache_write_1h BIGINT,
                cost_cache_read BIGINT,
                cost_output BIGINT,
                cost_total BIGINT,
                baseline_model TEXT,
                baseline_cost BIGINT,
                latency_ms BIGINT NOT NULL CHECK (latency_ms >= 0),
                outcome TEXT NOT NULL CHECK (outcome IN ('success', 'escalated', 'error')),
                outcome_detail TEXT,
                stream BOOLEAN NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                prompt_text TEXT,
                response_text TEXT,
                budget_charge BIGINT
            )
            """,
            "CREATE INDEX ledger_time ON ledger (time_us)",
            "CREATE INDEX ledger_task_time ON ledger (task, time_us)",
            "CREATE INDEX ledger_parent ON ledger (parent_id) WHERE parent_id IS NOT NULL",
        ]),
        // 2: budgets shared by every process on every host (PostgresBudgetStore). One row per
        // (budget, period key) holds the settled spend and the reserved total, so a reservation
        // is one conditional UPDATE of that row; a row per (call, budget) holds the reservation
        // itself until the attempt's ledger row settles it (same transaction) or it expires.
        Migration(version: 2, statements: [
            """
            CREATE TABLE budget_spend (
                budget TEXT NOT NULL,
                period_key TEXT NOT NULL,
                spent BIGINT NOT NULL DEFAULT 0,
                reserved BIGINT NOT NULL DEFAULT 0,
                soft_warned BOOLEAN NOT NULL DEFAULT FALSE,
                PRIMARY KEY (budget, period_key)
            )
            """,
            """
            CREATE TABLE budget_reservations (
                id TEXT NOT NULL,
                budget TEXT NOT NULL,
                period TEXT NOT NULL,
                period_key TEXT NOT NULL,
                amount BIGINT NOT NULL CHECK (amount >= 0),
                created_us BIGINT NOT NULL,
                expires_us BIGINT NOT NULL,
                expired BOOLEAN NOT NULL DEFAULT FALSE,
                host TEXT NOT NULL,
                pid BIGINT NOT NULL,
                PRIMARY KEY (id, budget)
            )
            """,
            "CREATE INDEX budget_reservations_open_expiry ON budget_reservations (expires_us) WHERE NOT expired",
        ]),
        // 3: the budget rules the database counts every ledger row against (PostgresBudgetRules),
        // so spend recorded without a reservation counts too. A database migrated from 2 has no
        // rules yet: the first budget store to use it sums each rule's spend from the ledger.
        Migration(version: 3, statements: [
            """
            CREATE TABLE budget_rules (
                name TEXT NOT NULL PRIMARY KEY,
                scope TEXT NOT NULL CHECK (scope IN ('global', 'task', 'each_task', 'metadata')),
                scope_value TEXT,
                period TEXT NOT NULL CHECK (period IN ('day', 'month', 'total')),
                registered_us BIGINT NOT NULL
            )
            """,
        ]),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database to the latest version in one transaction holding the advisory lock:
    /// all pending migrations or none, each once however many processes open it together.
    /// - Throws: ``LedgerError`` `unsupportedSchema` when the database is newer than this library.
    static func migrate(_ connection: PostgresConnection, schema: String?, logger: Logger, place: String) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            let lockedSchema = schema ?? "public"
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(advisoryLockClass), hashtext(\(lockedSchema)))", logger: logger)
            if let schema {
                // The name is checked by PostgresURL (a-z, 0-9, _), so it needs no quoting.
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            }
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT NOT NULL PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var current = 0
            for try await version in try await connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger).decode(Int64.self) {
                current = Int(version)
            }
            guard current <= latestVersion else {
                throw LedgerError(code: .unsupportedSchema, message:
                    "schema version \(current) is newer than this library's \(latestVersion)", file: place)
            }
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(Int64(migration.version)))", logger: logger)
            }
        }
    }

    /// The version the database is at.
    static func version(_ client: PostgresClient, logger: Logger) async throws -> Int {
        var current = 0
        for try await version in try await client.query(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger).decode(Int64.self) {
            current = Int(version)
        }
        return current
    }
}
