import Logging
import ModelRuntime
import ModelServer
import TextFormats

/// What `swerve batch run` scores and where the results go.
public struct TableRunOptions: Sendable {
    public var database: DatabaseURL
    public var table: String
    public var model: String
    public var idColumn = "id"
    public var columns: [String]?
    public var resultsTable = "predictions"
    public var batchSize = 1000
    /// Also re-score rows whose result came from an older version than the one serving now.
    public var repredict = false
    /// nil: progress when standard error is a terminal.
    public var progress: Bool?

    public init(database: DatabaseURL, table: String, model: String) {
        self.database = database
        self.table = table
        self.model = model
    }
}

/// What one pass over the table did.
public struct TableRunSummary: Sendable {
    public let rows: Int
    public let seconds: Double
    /// The versions that scored this pass's rows.
    public let versions: [Int64]
}

/// The seed's batch pattern: rows land in a table; a pass predicts the rows
/// with no result for the model (or, with `repredict`, an older version's)
/// and writes the results back, chunk by chunk.
///
/// Exactly once per (id, model): each chunk is claimed, predicted and
/// written in ONE transaction, and the results table's primary key is
/// (id, model). A run killed at any moment loses only its open transaction,
/// which the database rolls back; the next run picks those rows up. Two
/// runners never score the same row: on SQLite the claim transaction is
/// BEGIN IMMEDIATE (one writer at a time; the other waits up to the busy
/// timeout and then sees the rows as done); on MySQL/MariaDB the claim is
/// `SELECT … FOR UPDATE SKIP LOCKED` joined to the results, so a runner
/// skips the rows another holds and, once those commit, sees their results.
/// Lock conflicts (SQLite busy, MySQL 1213/1205) roll back and retry the chunk.
///
/// Not thread-safe: one thread runs passes.
public final class TableRunner {
    public let options: TableRunOptions
    private let models: BatchModels
    private let logger: Logger
    /// The scoring setup of the version last used (a new version is probed once).
    private var scorer: (version: Int64, feed: ModelFeed, layout: OutputLayout)?
    private static let maxAttempts = 50

    public init(options: TableRunOptions, models: BatchModels, logger: Logger) {
        self.options = options
        self.models = models
        self.logger = logger
    }

    /// One pass: connects, checks the tables, scores every row waiting, and
    /// returns. `shouldStop` is asked between chunks (SIGTERM finishes the
    /// chunk in hand).
    public func pass(shouldStop: () -> Bool = { false }) throws(BatchError) -> TableRunSummary {
        let connection = try connect()
        let schema = try TableSchema.read(connection, table: options.table, idColumn: options.idColumn,
                                          columns: options.columns, url: options.database)
        try ResultsTable.ensure(connection, name: options.resultsTable, idType: schema.idType, url: options.database)
        let meter = ProgressMeter(enabled: options.progress)
        var rows = 0
        var versions: [Int64] = []
        var cursor: String?
        while !shouldStop() {
            let lease = try models.lease(options.model)
            defer { lease.release() }
            let servable = lease.servable
            let chunk = try claimWithRetry(connection, schema, servable, after: cursor)
            guard let chunk else { break }
            rows += chunk.rows
            cursor = chunk.lastID
            if !versions.contains(servable.version) { versions.append(servable.version) }
            meter.update(rows: rows, fraction: nil)
        }
        meter.finish()
        return TableRunSummary(rows: rows, seconds: meter.elapsedSeconds, versions: versions)
    }

    private func connect() throws(BatchError) -> SQLConnection {
        switch options.database {
        case .sqlite(let path):
            return try SQLiteConnection(path: path)
        case .mysql(let user, let password, let host, let port, let database):
            return try MariaDBConnection(user: user, password: password, host: host, port: port, database: database,
                                         shownAs: options.database)
        }
    }

    /// One chunk, retried on lock conflicts; nil when no row is waiting.
    private func claimWithRetry(_ connection: SQLConnection, _ schema: TableSchema, _ servable: ServableVersion,
                                after cursor: String?) throws(BatchError) -> (rows: Int, lastID: String)? {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try scoreChunk(connection, schema, servable, after: cursor)
            } catch let failure as SQLFailure {
                connection.rollback()
                if failure.retryable && attempt < Self.maxAttempts {
                    logger.debug("lock conflict, retrying the chunk: \(failure)")
                    continue
                }
                if failure.connectionLost {
                    throw BatchError("lost the connection to \(options.database) mid-run: \(failure); every chunk committed before stays, and a rerun continues from there")
                }
                throw BatchError("\(options.database): \(failure)")
            } catch let error as BatchError {
                connection.rollback()
                throw error
            } catch {
                connection.rollback()
                throw BatchError("\(error)")
            }
        }
    }

    /// Claims up to a chunk of waiting rows, predicts them and writes their
    /// results, all in one transaction.
    private func scoreChunk(_ connection: SQLConnection, _ schema: TableSchema, _ servable: ServableVersion,
                            after cursor: String?) throws -> (rows: Int, lastID: String)? {
        let (feed, layout) = try scorer(for: servable, schema)
        try connection.beginClaim()
        var chunk = FeatureChunk(featureCount: schema.featureColumns.count)
        var idLiterals: [String] = []
        idLiterals.reserveCapacity(options.batchSize)
        try connection.query(claimSQL(connection, schema, version: servable.version, after: cursor)) { row in
            guard let id = row.text(0) else { throw BatchError("table '\(schema.table)' has a row whose id is NULL") }
            for index in schema.featureColumns.indices {
                switch row.number(index + 1) {
                case .value(let value): chunk.features.append(value)
                case .null: chunk.features.append(.nan)
                case .notNumber(let text):
                    throw BatchError("column '\(schema.featureColumns[index])' of table '\(schema.table)' holds '\(text)' for id \(id), not a number")
                }
            }
            chunk.ids.append(.text(id))
            idLiterals.append(schema.integerIDs && Int64(id) != nil ? id : connection.literal(id))
        }
        guard let lastID = idLiterals.last else {
            try connection.commit()
            return nil
        }
        let values: [Value]
        do {
            values = try feed.predict(servable.model, chunk)
            try layout.check(values, rowCount: chunk.rowCount)
        } catch let error as BatchError {
            throw error
        } catch {
            throw BatchError("model '\(servable.name)' version \(servable.version) failed on ids \(idLiterals.first!)…\(lastID): \(error)")
        }
        try connection.execute(insertSQL(connection, idLiterals, values, layout, version: servable.version))
        try connection.commit()
        return (chunk.rowCount, lastID)
    }

    private func scorer(for servable: ServableVersion, _ schema: TableSchema) throws(BatchError) -> (ModelFeed, OutputLayout) {
        if let scorer, scorer.version == servable.version { return (scorer.feed, scorer.layout) }
        let feed = try ModelFeed(model: servable.model, name: servable.name)
        try feed.check(columns: schema.featureColumns, source: "table '\(schema.table)'")
        let layout = try FilePredictor.probeLayout(servable.model, feed, featureCount: schema.featureColumns.count,
                                                   name: servable.name)
        scorer = (servable.version, feed, layout)
        return (feed, layout)
    }

    private func claimSQL(_ c: SQLConnection, _ schema: TableSchema, version: Int64, after cursor: String?) -> String {
        let id = c.identifier(schema.idColumn)
        let columns = ([schema.idColumn] + schema.featureColumns).map { "i." + c.identifier($0) }.joined(separator: ", ")
        var sql = "SELECT \(columns) FROM \(c.identifier(schema.table)) AS i LEFT JOIN \(c.identifier(options.resultsTable)) AS p "
            + "ON p.id = i.\(id) AND p.model = \(c.literal(options.model)) WHERE (p.id IS NULL"
        if options.repredict { sql += " OR p.version < \(version)" }
        sql += ")"
        if let cursor { sql += " AND i.\(id) > \(cursor)" }
        sql += " ORDER BY i.\(id) LIMIT \(options.batchSize)"
        if c.dialect == .mysql { sql += " FOR UPDATE SKIP LOCKED" }
        return sql
    }

    private func insertSQL(_ c: SQLConnection, _ ids: [String], _ values: [Value], _ layout: OutputLayout,
                           version: Int64) -> String {
        let now = c.dialect == .sqlite ? "strftime('%Y-%m-%dT%H:%M:%fZ','now')" : "UTC_TIMESTAMP(6)"
        let model = c.literal(options.model)
        var sql = "INSERT INTO \(c.identifier(options.resultsTable)) (id, model, version, outputs, predicted_at) VALUES "
        sql.reserveCapacity(ids.count * (64 + 24 * layout.columnNames.count))
        var json = JSONWriter(capacity: 256)
        for (row, id) in ids.enumerated() {
            json.bytes.removeAll(keepingCapacity: true)
            layout.writeJSONObject(values, row: row, into: &json)
            if row > 0 { sql += "," }
            sql += "(\(id),\(model),\(version),\(c.literal(String(decoding: json.bytes, as: UTF8.self))),\(now))"
        }
        if options.repredict {
            switch c.dialect {
            case .sqlite:
                sql += " ON CONFLICT(id, model) DO UPDATE SET version = excluded.version, outputs = excluded.outputs, predicted_at = excluded.predicted_at"
            case .mysql:
                sql += " ON DUPLICATE KEY UPDATE version = VALUES(version), outputs = VALUES(outputs), predicted_at = VALUES(predicted_at)"
            }
        }
        return sql
    }
}
