/// The source table's columns a run reads, checked against the database:
/// the table exists, the id and feature columns exist, and the features
/// are declared numeric.
struct TableSchema: Sendable {
    let table: String
    let idColumn: String
    /// The id column's declared type, reused for the results table's `id`.
    let idType: String
    /// True when ids are integers (written as bare literals).
    let integerIDs: Bool
    let featureColumns: [String]

    static func read(_ connection: SQLConnection, table: String, idColumn: String, columns: [String]?,
                     url: DatabaseURL) throws(BatchError) -> TableSchema {
        var declared: [(name: String, type: String)] = []
        let sql: String
        switch connection.dialect {
        case .sqlite:
            sql = "PRAGMA table_info(\(connection.identifier(table)))"
        case .mysql:
            sql = "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                + "AND TABLE_NAME = \(connection.literal(table)) ORDER BY ORDINAL_POSITION"
        }
        do {
            try connection.query(sql) { row in
                switch connection.dialect {
                case .sqlite: declared.append((row.text(1) ?? "", row.text(2) ?? ""))
                case .mysql: declared.append((row.text(0) ?? "", row.text(1) ?? ""))
                }
            }
        } catch {
            throw BatchError("\(url): cannot read the columns of table '\(table)': \(error)")
        }
        guard !declared.isEmpty else { throw BatchError("\(url) has no table '\(table)'") }
        let names = declared.map(\.name)
        guard let id = declared.first(where: { $0.name == idColumn }) else {
            throw BatchError("table '\(table)' has no id column '\(idColumn)' (columns: \(names.joined(separator: ", ")))")
        }
        let features = columns ?? names.filter { $0 != idColumn }
        for feature in features {
            guard let column = declared.first(where: { $0.name == feature }) else {
                throw BatchError("table '\(table)' has no column '\(feature)' (columns: \(names.joined(separator: ", ")))")
            }
            if !isNumeric(column.type) {
                throw BatchError("column '\(feature)' of table '\(table)' is \(column.type), not numeric; choose the features with --columns")
            }
        }
        let idType = id.type.uppercased()
        return TableSchema(table: table, idColumn: idColumn, idType: id.type,
                           integerIDs: idType.contains("INT") && !idType.contains("POINT"),
                           featureColumns: features)
    }

    /// SQLite's affinity rules and MySQL's numeric types: text, blob and
    /// date types are not features. An undeclared SQLite type is allowed
    /// (its values are checked as they are read).
    static func isNumeric(_ declaredType: String) -> Bool {
        let type = declaredType.uppercased()
        for word in ["CHAR", "CLOB", "TEXT", "BLOB", "BINARY", "DATE", "TIME", "YEAR", "ENUM", "SET", "JSON", "GEOMETRY", "POINT"]
        where type.contains(word) {
            return false
        }
        return true
    }
}
