import CSQLite

/// The one owner of a `sqlite3*` handle and its prepared statements.
///
/// Not thread-safe by itself: ``LedgerWriter`` confines every use to its serial queue, because
/// a SQLite handle must not be used from two threads at once.
final class SQLiteConnection {
    private let handle: OpaquePointer
    let path: String
    /// Prepared once per distinct SQL text, finalized before the handle closes.
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String, busyTimeoutMilliseconds: Int32) throws(LedgerError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            // sqlite3_open_v2 allocates a handle even when it fails; it must still be closed.
            if let db { sqlite3_close_v2(db) }
            throw LedgerError(code: .sqlite, message: "cannot open database: \(message)", file: path,
                              sqliteResultCode: status)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        // Statements first: a handle with live statements would only become a zombie.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs SQL that returns no rows we need (several statements allowed).
    func execute(_ sql: String) throws(LedgerError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if status != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw error(status, message)
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this handle.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// A cached prepared statement, reset and with its bindings cleared.
    func statement(_ sql: String) throws(LedgerError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else { throw error(status, lastErrorMessage) }
        let statement = SQLiteStatement(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Reads a single integer (e.g. `PRAGMA user_version`).
    func integer(_ sql: String) throws(LedgerError) -> Int64 {
        let statement = try statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.int64(0) ?? 0
    }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ status: Int32, _ message: String) -> LedgerError {
        LedgerError(code: .sqlite, message: message, file: path, sqliteResultCode: status)
    }
}

/// One prepared statement, finalized in `deinit`.
final class SQLiteStatement {
    private let raw: OpaquePointer
    // Unowned: the connection owns its statements and outlives them.
    private unowned let connection: SQLiteConnection

    init(_ raw: OpaquePointer, connection: SQLiteConnection) {
        self.raw = raw
        self.connection = connection
    }

    deinit { sqlite3_finalize(raw) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    func bind(_ value: Int64?, at index: Int32) {
        if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    func bind(_ value: Int?, at index: Int32) { bind(value.map(Int64.init), at: index) }

    func bind(_ value: Double?, at index: Int32) {
        if let value { sqlite3_bind_double(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    func bind(_ value: String?, at index: Int32) {
        // SQLITE_TRANSIENT: SQLite copies the bytes, so the Swift string need not outlive the call.
        if let value { sqlite3_bind_text(raw, index, value, -1, cr_sqlite_transient()) } else { sqlite3_bind_null(raw, index) }
    }

    /// Advances; `true` when a row is available, `false` when done.
    func step() throws(LedgerError) -> Bool {
        let status = sqlite3_step(raw)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = connection.lastErrorMessage
            sqlite3_reset(raw)
            throw connection.error(status, message)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(LedgerError) {
        defer { reset() }
        _ = try step()
    }

    func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(raw, column) == SQLITE_NULL ? nil : sqlite3_column_int64(raw, column)
    }

    func int(_ column: Int32) -> Int? { int64(column).map { Int(truncatingIfNeeded: $0) } }

    func double(_ column: Int32) -> Double? {
        sqlite3_column_type(raw, column) == SQLITE_NULL ? nil : sqlite3_column_double(raw, column)
    }

    /// The column's value for the `sqlite3_value_*` readers; valid until the next step or reset.
    func value(_ column: Int32) -> OpaquePointer? { sqlite3_column_value(raw, column) }

    func string(_ column: Int32) -> String? {
        guard sqlite3_column_type(raw, column) != SQLITE_NULL, let text = sqlite3_column_text(raw, column) else { return nil }
        return String(cString: text)
    }
}

extension SQLiteConnection {
    /// The C signature of an aggregate's step callback (`sqlite3_context*`, argument count, `sqlite3_value**`).
    typealias AggregateStep = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void

    /// Runs `body` with `step` registered as the aggregate SQL function `name` of `arguments`
    /// arguments, `context` handed to every call through `sqlite3_user_data`; the function is
    /// removed again before returning (statements that used it are re-prepared on their next use).
    /// The aggregate's final callback returns NULL: `step` keeps its result in `context`.
    /// - Throws: ``LedgerError`` (`sqlite`) when the function cannot be registered, or what `body` throws.
    func withAggregateFunction<Result>(_ name: String, arguments: Int32, context: AnyObject, step: AggregateStep,
                                       _ body: () throws(LedgerError) -> Result) throws(LedgerError) -> Result {
        // Unretained: `context` outlives the registration, which ends before this function returns.
        let userData = Unmanaged.passUnretained(context).toOpaque()
        let final: @convention(c) (OpaquePointer?) -> Void = { sqlite3_result_null($0) }
        let status = sqlite3_create_function_v2(handle, name, arguments, SQLITE_UTF8, userData, nil, step, final, nil)
        guard status == SQLITE_OK else { throw error(status, lastErrorMessage) }
        defer { sqlite3_create_function_v2(handle, name, arguments, SQLITE_UTF8, nil, nil, nil, nil, nil) }
        return try body()
    }
}
