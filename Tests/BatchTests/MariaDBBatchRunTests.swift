@testable import Batch
import Foundation
import SwerveTestSupport
import XCTest

/// `swerve batch run` on a real MariaDB (mariadbd on a free loopback port,
/// started once for the class) with 20,000 rows.
final class MariaDBBatchRunTests: XCTestCase {
    nonisolated(unsafe) static var server: MariaDBServerProcess?
    nonisolated(unsafe) static var serverError: Error?
    nonisolated(unsafe) static var rows: IrisRows!
    nonisolated(unsafe) static var expected: IrisPredictions!

    override class func setUp() {
        super.setUp()
        do { server = try MariaDBServerProcess() } catch { serverError = error }
        rows = IrisRows(count: 20_000, seed: 5)
        expected = try? IrisPredictions.direct(rows)
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private func server() throws -> MariaDBServerProcess {
        // A missing or broken server fails every test here, never skips.
        if let error = Self.serverError { throw error }
        return try XCTUnwrap(Self.server)
    }

    private func scenarios() throws -> TableRunScenarios {
        let server = try server()
        let backend = TableBackend(url: server.url, connect: {
            try MariaDBConnection(user: server.user, password: server.password, host: "127.0.0.1", port: server.port,
                                  database: server.database, shownAs: try DatabaseURL(server.url))
        }, idType: "BIGINT", doubleType: "DOUBLE")
        return TableRunScenarios(backend: backend, test: self, rows: Self.rows, expected: try XCTUnwrap(Self.expected))
    }

    func testResultsEqualDirectPredict() throws { try scenarios().resultsEqualDirectPredict() }

    func testKilledMidRunThenRerunWritesEachRowOnce() throws { try scenarios().killedMidRunThenRerunWritesEachRowOnce() }

    func testTwoConcurrentRunnersNeverScoreARowTwice() throws { try scenarios().twoConcurrentRunnersNeverScoreARowTwice() }

    func testNewVersionTagsNewRowsAndRepredictUpdatesOldOnes() throws {
        try scenarios().newVersionTagsNewRowsAndRepredictUpdatesOldOnes()
    }

    func testBadInputIsNamed() throws { try scenarios().badInputIsNamed() }

    func testCredentialsFromSWERVE_DBNeverAppearInMessages() throws {
        let server = try server()
        let scenarios = try scenarios()
        try scenarios.backend.reset(IrisRows(count: 50))
        let models = try irisRepository(self)
        let ok = try swerve(scenarios.batchArguments(models, db: false), environment: ["SWERVE_DB": server.url])
        XCTAssertEqual(ok.status, 0, ok.standardError)
        XCTAssertTrue(ok.standardError.contains("mysql://batch:***@127.0.0.1:\(server.port)/\(server.database)"), ok.standardError)
        let wrong = "mysql://batch:wrong-\(server.password)@127.0.0.1:\(server.port)/\(server.database)"
        let denied = try swerve(scenarios.batchArguments(models, db: false), environment: ["SWERVE_DB": wrong])
        XCTAssertEqual(denied.status, 1)
        XCTAssertTrue(denied.standardError.contains("cannot connect to mysql://batch:***@"), denied.standardError)
        XCTAssertTrue(denied.standardError.contains("Access denied"), denied.standardError)
        for child in [ok, denied] { XCTAssertFalse(child.standardError.contains(server.password), child.standardError) }
    }

    func testDatabaseGoingAwayMidRunIsNamedAndARerunContinues() throws {
        let server = try server()
        let scenarios = try scenarios()
        try scenarios.backend.reset(Self.rows)
        let models = try irisRepository(self)
        let watcher = try scenarios.backend.connect()
        var watcherID = ""
        try watcher.query("SELECT CONNECTION_ID()") { watcherID = $0.text(0) ?? "" }
        let run = try ChildProcess(TestPaths.swerveBinary, scenarios.batchArguments(models) + ["--batch-size", "50"])
        let deadline = Date().addingTimeInterval(120)
        var committed = 0
        while committed < 1000 {
            XCTAssertLessThan(Date(), deadline, run.standardError)
            if Date() > deadline { return }
            try? watcher.query("SELECT COUNT(*) FROM predictions") { committed = Int($0.text(0) ?? "") ?? 0 }
            usleep(5_000)  // pace of a poll with a deadline
        }
        // The server drops the runner's connection, as a restart or a network cut would.
        let ids = try server.root("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'batch' AND ID <> \(watcherID)")
        for id in ids.split(separator: "\n") { _ = try? server.root("KILL CONNECTION \(id)") }
        XCTAssertEqual(try run.wait(timeout: 60), 1, run.standardError)
        XCTAssertTrue(run.standardError.contains("lost the connection to mysql://batch:***@127.0.0.1:\(server.port)/\(server.database) mid-run"),
                      run.standardError)
        let kept = try scenarios.backend.count("SELECT COUNT(*) FROM predictions")
        XCTAssertGreaterThanOrEqual(kept, committed, "nothing committed is lost")
        let rerun = try scenarios.run(models)
        XCTAssertEqual(rerun.status, 0, rerun.standardError)
        XCTAssertEqual(TableRunScenarios.scored(rerun), Self.rows.count - kept)
        try scenarios.assertResultsEqualDirectPredict()
    }
}
