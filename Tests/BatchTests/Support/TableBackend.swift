@testable import Batch
import Foundation
import SwerveTestSupport
import TextFormats
import XCTest

/// A database the table-run scenarios use: its URL for `swerve batch run`
/// and a connection of the test's own (Batch's connection types, tested by
/// these scenarios) to fill tables and read results.
struct TableBackend {
    let url: String
    let connect: () throws -> SQLConnection
    /// What the id column is declared as.
    let idType: String
    let doubleType: String

    /// Drops and recreates `items` with `rows` (ids from `firstID`), dropping `predictions`.
    func reset(_ rows: IrisRows) throws {
        let c = try connect()
        try c.execute("DROP TABLE IF EXISTS predictions")
        try c.execute("DROP TABLE IF EXISTS items")
        try c.execute("CREATE TABLE items (id \(idType) PRIMARY KEY, a \(doubleType), b \(doubleType), c \(doubleType), d \(doubleType), note VARCHAR(20))")
        try insert(rows, firstID: 1, into: c)
    }

    /// Appends rows with ids from `firstID`.
    func insert(_ rows: IrisRows, firstID: Int, into c: SQLConnection? = nil) throws {
        let c = try c ?? connect()
        try c.execute(c.dialect == .sqlite ? "BEGIN" : "START TRANSACTION")
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + 1000)
            let values = (start..<end).map { i in "(\(firstID + i),\(rows.texts[i].joined(separator: ",")),'n')" }
            try c.execute("INSERT INTO items (id, a, b, c, d, note) VALUES " + values.joined(separator: ","))
            start = end
        }
        try c.execute("COMMIT")
    }

    func count(_ sql: String) throws -> Int {
        var n = -1
        try connect().query(sql) { n = Int($0.text(0) ?? "") ?? -1 }
        return n
    }

    /// id → (version, label, probabilities) of model iris.
    func results() throws -> [Int: (version: Int64, label: Int64, probabilities: [Float])] {
        var out: [Int: (Int64, Int64, [Float])] = [:]
        try connect().query("SELECT id, version, outputs FROM predictions WHERE model = 'iris'") { row in
            let json = try JSONParser.parse(row.text(2) ?? "")
            guard let id = Int(row.text(0) ?? ""), let version = Int64(row.text(1) ?? ""),
                  case .number(let label)? = json["label"], case .object(let members)? = json["probabilities"] else {
                throw ChildProcessFailure("bad result row: \(row.text(2) ?? "nil")")
            }
            XCTAssertEqual(members.map(\.0), ["0", "1", "2"])
            let probabilities = members.map { member -> Float in
                if case .number(let n) = member.1 { return n.float }
                return .nan
            }
            out[id] = (version, label.int64 ?? -1, probabilities)
        }
        return out
    }
}

/// The `swerve batch run` scenarios every backend passes.
struct TableRunScenarios {
    let backend: TableBackend
    let test: XCTestCase
    let rows: IrisRows
    let expected: IrisPredictions

    func run(_ models: URL, _ extra: [String] = [], environment: [String: String] = [:]) throws -> ChildProcess {
        try swerve(batchArguments(models) + extra, environment: environment)
    }

    func batchArguments(_ models: URL, db: Bool = true) -> [String] {
        ["batch", "run"] + (db ? ["--db", backend.url] : []) + ["--table", "items", "--model", "iris", "--models", models.path,
                                                                  "--columns", "a,b,c,d", "--no-progress"]
    }

    /// "swerve batch run: N rows of …" → N.
    static func scored(_ child: ChildProcess) -> Int {
        guard let range = child.standardError.range(of: "swerve batch run: ") else { return -1 }
        return Int(child.standardError[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    func assertResultsEqualDirectPredict(version: Int64? = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        let results = try backend.results()
        XCTAssertEqual(results.count, rows.count, "one result per row", file: file, line: line)
        for id in 1...rows.count {
            guard let result = results[id] else { XCTFail("no result for id \(id)", file: file, line: line); return }
            if let version { XCTAssertEqual(result.version, version, "id \(id)", file: file, line: line) }
            XCTAssertEqual(result.label, expected.labels[id - 1], "id \(id)", file: file, line: line)
            XCTAssertEqual(result.probabilities, expected.probabilities[id - 1], "id \(id)", file: file, line: line)
        }
    }

    func resultsEqualDirectPredict() throws {
        try backend.reset(rows)
        let models = try irisRepository(test)
        let child = try run(models)
        XCTAssertEqual(child.status, 0, child.standardError)
        XCTAssertEqual(Self.scored(child), rows.count, child.standardError)
        try assertResultsEqualDirectPredict()
        // Nothing is waiting any more: a second run scores nothing.
        XCTAssertEqual(Self.scored(try run(models)), 0)
    }

    func killedMidRunThenRerunWritesEachRowOnce() throws {
        try backend.reset(rows)
        let models = try irisRepository(test)
        let first = try ChildProcess(TestPaths.swerveBinary, batchArguments(models) + ["--batch-size", "97"])
        let deadline = Date().addingTimeInterval(120)
        // The results table appears when the run starts; until then nothing is committed.
        while ((try? backend.count("SELECT COUNT(*) FROM predictions")) ?? 0) < rows.count / 10 {
            XCTAssertLessThan(Date(), deadline, "the run never got a tenth through: \(first.standardError)")
            if Date() > deadline { return }
            usleep(5_000)  // pace of a poll with a deadline
        }
        first.send(SIGKILL)
        XCTAssertEqual(try first.wait(timeout: 30), 128 + SIGKILL)
        let committed = try backend.count("SELECT COUNT(*) FROM predictions")
        XCTAssertLessThan(committed, rows.count, "killed mid-run")
        let rerun = try run(models)
        XCTAssertEqual(rerun.status, 0, rerun.standardError)
        XCTAssertEqual(Self.scored(rerun), rows.count - committed, "the rerun scores exactly the rows left")
        try assertResultsEqualDirectPredict()
    }

    func twoConcurrentRunnersNeverScoreARowTwice() throws {
        try backend.reset(rows)
        let models = try irisRepository(test)
        let runners = try (0..<2).map { _ in try ChildProcess(TestPaths.swerveBinary, batchArguments(models) + ["--batch-size", "250"]) }
        for runner in runners { XCTAssertEqual(try runner.wait(timeout: 180), 0, runner.standardError) }
        let scored = runners.map(Self.scored)
        XCTAssertEqual(scored.reduce(0, +), rows.count, "rows scored by the two runners: \(scored)")
        try assertResultsEqualDirectPredict()
    }

    func newVersionTagsNewRowsAndRepredictUpdatesOldOnes() throws {
        let old = IrisRows(count: 300, seed: 11), new = IrisRows(count: 200, seed: 12)
        try backend.reset(old)
        let models = try irisRepository(test)
        XCTAssertEqual(Self.scored(try run(models)), old.count)
        try addIrisVersion(2, to: models)
        try backend.insert(new, firstID: old.count + 1)
        let second = try run(models)
        XCTAssertEqual(Self.scored(second), new.count, second.standardError)
        XCTAssertTrue(second.standardError.contains("version 2"), second.standardError)
        var results = try backend.results()
        XCTAssertEqual(results.count, old.count + new.count)
        XCTAssertEqual(Set((1...old.count).map { results[$0]?.version }), [1])
        XCTAssertEqual(Set((old.count + 1...old.count + new.count).map { results[$0]?.version }), [2])
        let stamp = try backend.count("SELECT COUNT(*) FROM predictions WHERE version = 1")
        XCTAssertEqual(stamp, old.count)
        let repredict = try run(models, ["--repredict"])
        XCTAssertEqual(repredict.status, 0, repredict.standardError)
        XCTAssertEqual(Self.scored(repredict), old.count, "only the old version's rows are scored again")
        results = try backend.results()
        XCTAssertEqual(results.count, old.count + new.count, "updated in place, no new rows")
        XCTAssertEqual(Set(results.values.map(\.version)), [2])
    }

    func badInputIsNamed() throws {
        try backend.reset(IrisRows(count: 10))
        let models = try irisRepository(test)
        func fails(_ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let child = try swerve(arguments)
            XCTAssertEqual(child.status, 1, child.standardError, file: file, line: line)
            XCTAssertTrue(child.standardError.contains(message), "stderr: \(child.standardError)\nexpected: \(message)", file: file, line: line)
        }
        var arguments = batchArguments(models)
        arguments[arguments.firstIndex(of: "items")!] = "missing_table"
        try fails(arguments, "has no table 'missing_table'")
        try fails(batchArguments(models).dropLast(3) + ["--columns", "a,b,c,zz", "--no-progress"], "table 'items' has no column 'zz'")
        try fails(batchArguments(models).dropLast(3) + ["--no-progress"], "column 'note' of table 'items' is ")
        try fails(batchArguments(models).dropLast(3) + ["--columns", "a,b,c", "--no-progress"], "the model wants 4 features per row")
        try backend.connect().execute("UPDATE items SET c = NULL WHERE id = 3")
        try backend.connect().execute("DROP TABLE IF EXISTS predictions")
        // NULL is a missing value (NaN), as pandas reads it; the run goes on.
        XCTAssertEqual(try run(models).status, 0)
    }
}
