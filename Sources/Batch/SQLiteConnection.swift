import CSQLite
import TextFormats

/// An embedded SQLite database file, opened read-write (never created: the
/// table to score must already be there).
final class SQLiteConnection: SQLConnection {
    let dialect = SQLDialect.sqlite
    private let database: OpaquePointer

    /// - Parameters:
    ///   - busyTimeout: how long a statement waits for another writer's
    ///     lock (a second runner's chunk) before failing as busy.
    ///   - create: create the file when missing (tests and tools; a run
    ///     never does, so a mistyped path is an error, not an empty database).
    init(path: String, busyTimeout: Duration = .seconds(60), create: Bool = false) throws(BatchError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close(handle)
            throw BatchError("cannot open SQLite database \(path): \(reason)")
        }
        database = handle
        sqlite3_busy_timeout(handle, Int32(busyTimeout.components.seconds * 1000))
    }

    deinit { sqlite3_close(database) }

    func execute(_ sql: String) throws(SQLFailure) {
        let status = sqlite3_exec(database, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw failure(status) }
    }

    func query(_ sql: String, _ body: (SQLRow) throws -> Void) throws {
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(database, sql, -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else { throw failure(prepared) }
        defer { sqlite3_finalize(statement) }
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return }
            guard step == SQLITE_ROW else { throw failure(step) }
            try body(SQLiteRow(statement: statement))
        }
    }

    func literal(_ text: String) -> String { "'" + text.replacingAll("'", with: "''") + "'" }

    func beginClaim() throws(SQLFailure) { try execute("BEGIN IMMEDIATE") }

    private func failure(_ status: Int32) -> SQLFailure {
        let primary = status & 0xFF
        return SQLFailure(code: status, message: String(cString: sqlite3_errmsg(database)),
                          retryable: primary == SQLITE_BUSY || primary == SQLITE_LOCKED, connectionLost: false)
    }
}

private struct SQLiteRow: SQLRow {
    let statement: OpaquePointer

    func text(_ index: Int) -> String? {
        guard sqlite3_column_type(statement, Int32(index)) != SQLITE_NULL,
              let text = sqlite3_column_text(statement, Int32(index)) else { return nil }
        return String(cString: text)
    }

    func number(_ index: Int) -> SQLNumber {
        let column = Int32(index)
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER, SQLITE_FLOAT:
            return .value(sqlite3_column_double(statement, column))
        case SQLITE_NULL:
            return .null
        default:
            // Text in a column of numbers: accepted when it reads as one.
            guard let text = sqlite3_column_text(statement, column) else { return .null }
            let parsed = text.withMemoryRebound(to: CChar.self, capacity: 1) { NumberText.double($0) }
            return parsed.map(SQLNumber.value) ?? .notNumber(String(cString: text))
        }
    }
}
