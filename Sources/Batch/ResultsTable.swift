/// The results table: `id` (the source id's type), `model`, `version`,
/// `outputs` (a JSON object: output name → value, list, or {key: value}),
/// `predicted_at` (UTC); primary key (id, model). Created when missing.
enum ResultsTable {
    static let columns = ["id", "model", "version", "outputs", "predicted_at"]

    static func ensure(_ c: SQLConnection, name: String, idType: String, url: DatabaseURL) throws(BatchError) {
        let type = idType.isEmpty ? "" : " " + idType
        let timestamp = c.dialect == .sqlite ? "TEXT" : "DATETIME(6)"
        let sql = "CREATE TABLE IF NOT EXISTS \(c.identifier(name)) (id\(type) NOT NULL, model VARCHAR(255) NOT NULL, "
            + "version BIGINT NOT NULL, outputs TEXT NOT NULL, predicted_at \(timestamp) NOT NULL, PRIMARY KEY (id, model))"
        do {
            try c.execute(sql)
        } catch {
            throw BatchError("\(url): cannot create results table '\(name)': \(error)")
        }
        // An existing table must have the columns the run writes.
        var present: [String] = []
        let query = c.dialect == .sqlite
            ? "PRAGMA table_info(\(c.identifier(name)))"
            : "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = \(c.literal(name))"
        do {
            try c.query(query) { row in present.append(row.text(c.dialect == .sqlite ? 1 : 0) ?? "") }
        } catch {
            throw BatchError("\(url): cannot read the columns of results table '\(name)': \(error)")
        }
        let missing = columns.filter { !present.contains($0) }
        if !missing.isEmpty {
            throw BatchError("results table '\(name)' exists without column(s) \(missing.joined(separator: ", ")); "
                + "it needs \(columns.joined(separator: ", ")) with primary key (id, model)")
        }
    }
}
