@testable import Batch
import Foundation
import SwerveTestSupport
import XCTest

/// `swerve batch run` on an embedded SQLite database of 100,000 rows.
final class SQLiteBatchRunTests: XCTestCase {
    nonisolated(unsafe) static var rows: IrisRows!
    nonisolated(unsafe) static var expected: IrisPredictions!

    override class func setUp() {
        super.setUp()
        rows = IrisRows(count: 100_000, seed: 3)
        expected = try? IrisPredictions.direct(rows)
    }

    private func scenarios() throws -> TableRunScenarios {
        let dir = try temporaryDirectory(self, "batch-sqlite")
        let path = dir.appendingPathComponent("items.db").path
        _ = try SQLiteConnection(path: path, create: true)
        let backend = TableBackend(url: "sqlite:///" + path, connect: { try SQLiteConnection(path: path) },
                                   idType: "INTEGER", doubleType: "REAL")
        return TableRunScenarios(backend: backend, test: self, rows: Self.rows, expected: try XCTUnwrap(Self.expected))
    }

    func testResultsEqualDirectPredict() throws { try scenarios().resultsEqualDirectPredict() }

    func testKilledMidRunThenRerunWritesEachRowOnce() throws { try scenarios().killedMidRunThenRerunWritesEachRowOnce() }

    func testTwoConcurrentRunnersNeverScoreARowTwice() throws { try scenarios().twoConcurrentRunnersNeverScoreARowTwice() }

    func testNewVersionTagsNewRowsAndRepredictUpdatesOldOnes() throws {
        try scenarios().newVersionTagsNewRowsAndRepredictUpdatesOldOnes()
    }

    func testBadInputIsNamed() throws { try scenarios().badInputIsNamed() }

    func testNonNumericValueAndMissingDatabaseAreNamed() throws {
        let scenarios = try scenarios()
        try scenarios.backend.reset(IrisRows(count: 10))
        try scenarios.backend.connect().execute("UPDATE items SET b = 'oops' WHERE id = 4")
        let models = try irisRepository(self)
        let bad = try scenarios.run(models)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.standardError.contains("column 'b' of table 'items' holds 'oops' for id 4, not a number"), bad.standardError)
        let missing = try swerve(["batch", "run", "--db", "sqlite:////nonexistent/x.db", "--table", "items", "--model", "iris",
                                  "--models", models.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.standardError.contains("cannot open SQLite database /nonexistent/x.db"), missing.standardError)
        let scheme = try swerve(["batch", "run", "--db", "postgres://u:pw@h/db", "--table", "items", "--model", "iris", "--models", models.path])
        XCTAssertEqual(scheme.status, 1)
        XCTAssertTrue(scheme.standardError.contains("scheme 'postgres' is not supported"), scheme.standardError)
    }
}

extension SQLiteBatchRunTests {
    func testPeriodicRunPicksUpNewRowsAndSIGTERMExitsZero() throws {
        let scenarios = try scenarios()
        try scenarios.backend.reset(IrisRows(count: 500))
        let models = try irisRepository(self)
        let service = try ChildProcess(TestPaths.swerveBinary, scenarios.batchArguments(models) + ["--every-seconds", "0.2"])
        func waitForResults(_ n: Int) throws {
            let deadline = Date().addingTimeInterval(60)
            while ((try? scenarios.backend.count("SELECT COUNT(*) FROM predictions")) ?? 0) < n {
                if Date() > deadline { throw ChildProcessFailure("only \(try scenarios.backend.count("SELECT COUNT(*) FROM predictions")) of \(n) results: \(service.standardError)") }
                usleep(20_000)  // pace of a poll with a deadline
            }
        }
        try waitForResults(500)
        try scenarios.backend.insert(IrisRows(count: 300, seed: 9), firstID: 501)
        try waitForResults(800)
        service.send(SIGTERM)
        XCTAssertEqual(try service.wait(timeout: 30), 0, service.standardError)
        XCTAssertEqual(try scenarios.backend.count("SELECT COUNT(*) FROM predictions"), 800)
    }
}
