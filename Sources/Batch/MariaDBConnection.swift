import CMariaDB
import TextFormats

/// A MySQL or MariaDB server through MariaDB Connector/C: text protocol,
/// utf8mb4, READ COMMITTED (locking reads see the newest committed rows and
/// take no gap locks, so two runners' claims do not block each other).
final class MariaDBConnection: SQLConnection {
    let dialect = SQLDialect.mysql
    private let mysql: UnsafeMutablePointer<MYSQL>

    init(user: String, password: String?, host: String, port: Int, database: String,
         shownAs url: DatabaseURL, connectTimeoutSeconds: UInt32 = 10, ioTimeoutSeconds: UInt32 = 300) throws(BatchError) {
        guard let handle = mysql_init(nil) else { throw BatchError("cannot connect to \(url): out of memory") }
        var timeout = connectTimeoutSeconds
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        // A server that vanishes without closing the connection (a network
        // cut) would otherwise leave a run waiting forever; generous, since
        // one claim on a large unindexed table may take a while.
        var ioTimeout = ioTimeoutSeconds
        mysql_options(handle, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(handle, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        guard mysql_real_connect(handle, host, user, password, database, UInt32(port), nil, 0) != nil else {
            let reason = String(cString: mysql_error(handle))
            mysql_close(handle)
            throw BatchError("cannot connect to \(url): \(reason)")
        }
        mysql = handle
        mysql_set_character_set(handle, "utf8mb4")
        do {
            try execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        } catch {
            throw BatchError("\(url): \(error)")
        }
    }

    deinit { mysql_close(mysql) }

    func execute(_ sql: String) throws(SQLFailure) {
        var sql = sql
        let status = sql.withUTF8 { mysql_real_query(mysql, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), UInt($0.count)) }
        guard status == 0 else { throw failure() }
        // A statement that returned rows anyway: drain them so the connection stays usable.
        if let result = mysql_store_result(mysql) { mysql_free_result(result) }
    }

    func query(_ sql: String, _ body: (SQLRow) throws -> Void) throws {
        var sql = sql
        let status = sql.withUTF8 { mysql_real_query(mysql, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), UInt($0.count)) }
        guard status == 0 else { throw failure() }
        guard let result = mysql_store_result(mysql) else {
            if mysql_errno(mysql) != 0 { throw failure() }
            return
        }
        defer { mysql_free_result(result) }
        while let row = mysql_fetch_row(result) {
            try body(MariaDBRow(row: row))
        }
        if mysql_errno(mysql) != 0 { throw failure() }
    }

    func literal(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String in
            var escaped = [CChar](repeating: 0, count: utf8.count * 2 + 1)
            let length = utf8.withMemoryRebound(to: CChar.self) { source in
                mysql_real_escape_string(mysql, &escaped, source.baseAddress, UInt(source.count))
            }
            return "'" + String(decoding: escaped.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) + "'"
        }
    }

    func beginClaim() throws(SQLFailure) { try execute("START TRANSACTION") }

    private func failure() -> SQLFailure {
        let code = Int32(mysql_errno(mysql))
        return SQLFailure(code: code, message: String(cString: mysql_error(mysql)),
                          retryable: code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT,
                          connectionLost: code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST)
    }
}

private struct MariaDBRow: SQLRow {
    let row: MYSQL_ROW

    func text(_ index: Int) -> String? {
        row[index].map { String(cString: $0) }
    }

    func number(_ index: Int) -> SQLNumber {
        // The text protocol sends every value as text; NULL is a null pointer.
        guard let text = row[index] else { return .null }
        return NumberText.double(text).map(SQLNumber.value) ?? .notNumber(String(cString: text))
    }
}
