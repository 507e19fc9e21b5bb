/// A failed SQL statement: the driver's code and message, and what the
/// runner should do about it.
struct SQLFailure: Error, Sendable, CustomStringConvertible {
    let code: Int32
    let message: String
    /// Lock contention (SQLite busy/locked, MySQL deadlock 1213 or lock wait
    /// 1205): roll back and try the chunk again.
    let retryable: Bool
    /// The server went away (MySQL 2006/2013).
    let connectionLost: Bool

    var description: String { "\(message) (error \(code))" }
}

/// A number read from a feature column.
enum SQLNumber {
    case value(Double)
    case null
    case notNumber(String)
}

/// One result row; valid only inside the `query` callback that hands it out.
protocol SQLRow {
    /// Column `index` as text, nil for NULL.
    func text(_ index: Int) -> String?
    /// Column `index` as a number (NULL and text that is not a number said so).
    func number(_ index: Int) -> SQLNumber
}

/// What differs between SQL dialects in the statements a table run sends.
enum SQLDialect: Sendable {
    case sqlite
    case mysql
}

/// One connection to the database a table run reads and writes.
///
/// Statements are SQL text with escaped literals (`literal`, `identifier`).
/// Not thread-safe: one runner thread owns it.
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs a statement that returns no rows.
    func execute(_ sql: String) throws(SQLFailure)
    /// Runs a query, handing each row to `body`.
    func query(_ sql: String, _ body: (SQLRow) throws -> Void) throws
    /// A quoted string literal.
    func literal(_ text: String) -> String
    /// Opens the transaction that claims a chunk (SQLite: BEGIN IMMEDIATE,
    /// which takes the write lock at once, waiting up to the busy timeout).
    func beginClaim() throws(SQLFailure)
}

extension SQLConnection {
    /// A quoted identifier (table or column name).
    func identifier(_ name: String) -> String {
        switch dialect {
        case .sqlite: return "\"" + name.replacingAll("\"", with: "\"\"") + "\""
        case .mysql: return "`" + name.replacingAll("`", with: "``") + "`"
        }
    }

    func commit() throws(SQLFailure) { try execute("COMMIT") }

    /// Rolls back after a failure; a second failure (the connection is gone) changes nothing.
    func rollback() { try? execute("ROLLBACK") }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

