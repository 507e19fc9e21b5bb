import Foundation
import SwerveClient
import Wire
import XCTest

/// `swerve serve` with the default memory queue, and the submit/job commands.
final class JobProcessTests: XCTestCase {
    func testSubmitAndJobCommandsPrintTheIdThenTheCompletedJobWithThePredictResult() throws {
        let server = try SwerveProcess(models: TestPaths.models)
        let address = "127.0.0.1:\(server.port)"
        let row = "[[6.7,3.0,5.2,2.3]]"
        let submit = try runCommand(TestPaths.swerveBinary, ["submit", "--server", address, "--model", "iris", "--data", row])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let id = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 32, "a job id, alone on stdout: \(submit.stdout)")

        let job = try runCommand(TestPaths.swerveBinary, ["job", "--server", address, id, "--wait"])
        XCTAssertEqual(job.status, 0, job.stderr)
        XCTAssertTrue(job.stdout.contains("\"state\": \"completed\""), job.stdout)
        XCTAssertTrue(job.stdout.contains("\"attempts\": 1"), job.stdout)
        let predict = try runCommand(TestPaths.swerveBinary, ["predict", "--server", address, "--model", "iris", "--data", row])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(job.stdout.contains("\"result\": " + predict.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
                      "job result \(job.stdout) vs predict \(predict.stdout)")

        let missing = try runCommand(TestPaths.swerveBinary, ["job", "--server", address, String(repeating: "f", count: 32)])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("NOT_FOUND"), missing.stderr)
    }

    func testAFullMemoryQueueAnswersResourceExhausted() throws {
        let server = try SwerveProcess(models: TestPaths.models, arguments: ["--workers", "0", "--queue-capacity", "3"])
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: server.port))
        defer { client.close() }
        for _ in 0..<3 { _ = try client.submit(Self.iris) }
        XCTAssertThrowsError(try client.submit(Self.iris)) { error in
            guard case SwerveClientError.status(let status) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status.code, .resourceExhausted)
            XCTAssertTrue(status.message.contains("--queue-capacity"), status.message)
        }
        // Predict is not queued and keeps working.
        XCTAssertNoThrow(try client.predict(Self.iris))
    }

    func testSIGTERMDrainsQueuedJobsThenStops() throws {
        let server = try SwerveProcess(models: TestPaths.models, arguments: ["--workers", "2"])
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: server.port))
        for _ in 0..<200 { _ = try client.submit(Self.iris) }
        client.close()
        server.send(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.standardError)
        XCTAssertTrue(server.standardError.contains("job queue stopped:"), server.standardError)
        XCTAssertTrue(server.standardError.contains("0 left queued, 0 left running"), server.standardError)
    }

    func testSIGTERMWithoutWorkersReportsHowManyJobsWereLeft() throws {
        let server = try SwerveProcess(models: TestPaths.models, arguments: ["--workers", "0", "--drain-seconds", "1"])
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: server.port))
        for _ in 0..<3 { _ = try client.submit(Self.iris) }
        client.close()
        server.send(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.standardError)
        XCTAssertTrue(server.standardError.contains("3 left queued"), server.standardError)
    }

    static let iris = PredictRequest(modelSpec: ModelSpec(name: "iris"),
                                     inputs: [NamedTensor("input", .init(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2]))])
}
