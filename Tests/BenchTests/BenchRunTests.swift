import Foundation
import SwerveBenchCore
import Transport
import XCTest

/// Short runs against in-process servers: the result's JSON shape, errors
/// counted by status code, jobs polled to completion, the open loop's
/// schedule, HTTP keep-alive pipelining and the HTML report. No speed
/// assertions: only counts and shapes.
final class BenchRunTests: XCTestCase {
    private var server: FrameServer!
    private var handler: FakeSwerveHandler!

    private func startServer(jobsEnabled: Bool = false) throws {
        handler = FakeSwerveHandler(jobsEnabled: jobsEnabled)
        server = try FrameServer(host: "127.0.0.1", port: 0, handler: handler)
    }

    override func tearDown() {
        server?.shutdown(grace: .seconds(1))
        server = nil
        super.tearDown()
    }

    private func configuration(_ arguments: [String]) throws -> BenchConfiguration {
        try SwerveBenchCommand.parse(["--target", "127.0.0.1:\(server.boundPort)", "--warmup", "0", "--quiet"] + arguments).makeConfiguration()
    }

    private func json(_ result: BenchResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.jsonText().utf8))
        return try XCTUnwrap(object as? [String: Any], "top level is not an object")
    }

    private func number(_ object: [String: Any], _ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        try XCTUnwrap((object[key] as? NSNumber)?.doubleValue, "'\(key)' is not a number in \(object)", file: file, line: line)
    }

    func testJSONFileHasTheDocumentedShape() throws {
        try startServer()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try SwerveBenchCommand.parse(["--target", "127.0.0.1:\(server.boundPort)", "--warmup", "0", "--quiet",
                                                    "--connections", "4", "--pipeline", "8", "--batch", "2",
                                                    "--requests", "400", "--json", path])
        try command.run()

        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let requestsPerSecond = try number(object, "requests_per_second")
        let predictionsPerSecond = try number(object, "predictions_per_second")
        XCTAssertGreaterThan(requestsPerSecond, 0)
        XCTAssertEqual(predictionsPerSecond, requestsPerSecond * 2, accuracy: requestsPerSecond * 0.01 + 0.2, "batch 2: two rows per request")
        XCTAssertEqual(try number(object, "requests_ok"), 400)
        XCTAssertEqual(try number(object, "requests_failed"), 0)

        let latency = try XCTUnwrap(object["latency_us"] as? [String: Any], "latency_us is not an object")
        let p50 = try number(latency, "p50"), p90 = try number(latency, "p90"), p99 = try number(latency, "p99")
        let p999 = try number(latency, "p999"), max = try number(latency, "max")
        XCTAssertGreaterThan(p50, 0)
        XCTAssertLessThanOrEqual(p50, p90)
        XCTAssertLessThanOrEqual(p90, p99)
        XCTAssertLessThanOrEqual(p99, p999)
        XCTAssertLessThanOrEqual(p999, max * 1.001)
        let errors = try XCTUnwrap(object["errors"] as? [String: Any], "errors is not an object")
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertNotNil(object["timeline"] as? [Any])
        XCTAssertNotNil((object["by_workload"] as? [String: Any])?["predict"])
    }

    func testErrorsAreCountedByStatusCodeNeverHidden() throws {
        try startServer(jobsEnabled: false)
        let result = try BenchRunner(configuration: configuration(["--connections", "2", "--pipeline", "4",
                                                                   "--requests", "200", "--mix", "predict=1,submit=1"])).run()
        let object = try json(result)
        let errors = try XCTUnwrap(object["errors"] as? [String: Any])
        XCTAssertEqual((errors["UNIMPLEMENTED"] as? NSNumber)?.intValue, 100, "every submit fails: \(errors)")
        XCTAssertEqual(errors.count, 1)
        XCTAssertEqual(result.ok, 100)
        XCTAssertEqual(result.errorExamples["UNIMPLEMENTED"], "asynchronous jobs are not available in this build")
        let byWorkload = try XCTUnwrap(object["by_workload"] as? [String: [String: Any]])
        XCTAssertEqual((byWorkload["submit"]?["failed"] as? NSNumber)?.intValue, 100)
        XCTAssertEqual((byWorkload["predict"]?["ok"] as? NSNumber)?.intValue, 100)
        XCTAssertTrue(result.summaryTable().contains("UNIMPLEMENTED"))

        let unknownModel = try BenchRunner(configuration: configuration(["--connections", "1", "--requests", "20",
                                                                         "--model", "nope", "--features", "4", "--input", "input"])).run()
        XCTAssertEqual(unknownModel.errors, ["NOT_FOUND": 20])
        XCTAssertEqual(unknownModel.ok, 0)
    }

    func testSubmitThenPollFollowsJobsToCompletion() throws {
        try startServer(jobsEnabled: true)
        let result = try BenchRunner(configuration: configuration(["--connections", "2", "--pipeline", "2",
                                                                   "--requests", "40", "--workload", "submit",
                                                                   "--poll-interval", "0.5"])).run()
        XCTAssertEqual(result.ok, 40, "errors: \(result.errors) \(result.errorExamples)")
        XCTAssertTrue(result.errors.isEmpty)
        XCTAssertEqual(result.byKind.map(\.kind), [.submit])
    }

    func testOpenLoopNeverRunsAheadOfItsSchedule() throws {
        try startServer()
        let result = try BenchRunner(configuration: configuration(["--connections", "4", "--rate", "2000",
                                                                   "--duration", "0.5"])).run()
        let object = try json(result)
        XCTAssertEqual(try number(object, "target_rate"), 2000)
        XCTAssertNotNil(object["send_lag_us"] as? [String: Any])
        XCTAssertGreaterThan(result.ok, 0)
        // The schedule holds 2000/s * 0.5 s = 1000 requests; one more for rounding.
        XCTAssertLessThanOrEqual(result.ok + result.failed, 1001)
        XCTAssertTrue(result.errors.isEmpty, "\(result.errors)")

        // With a pacer tick the schedule is the same; only the wake-ups are fewer.
        let ticked = try BenchRunner(configuration: configuration(["--connections", "2", "--rate", "1000",
                                                                   "--duration", "0.3", "--tick-us", "2000"])).run()
        XCTAssertGreaterThan(ticked.ok, 0)
        XCTAssertLessThanOrEqual(ticked.ok + ticked.failed, 301)
    }

    func testHTTPTargetPipelinesOnKeepAliveConnections() throws {
        let http = try TinyHTTPServer()
        defer { http.stop() }
        let configuration = try SwerveBenchCommand.parse([
            "--http", "http://127.0.0.1:\(http.port)/v1/models/iris:predict", "--features", "4",
            "--connections", "2", "--pipeline", "8", "--requests", "300", "--warmup", "0", "--quiet",
        ]).makeConfiguration()
        let result = try BenchRunner(configuration: configuration).run()
        XCTAssertEqual(result.ok, 300, "errors: \(result.errors)")
        XCTAssertEqual(http.connections, 2, "every request on the two keep-alive connections")
        XCTAssertGreaterThanOrEqual(http.requests, 300)

        let failing = try TinyHTTPServer(status: 503)
        defer { failing.stop() }
        let errors = try BenchRunner(configuration: SwerveBenchCommand.parse([
            "--http", "http://127.0.0.1:\(failing.port)/p", "--features", "4",
            "--connections", "1", "--requests", "10", "--warmup", "0", "--quiet",
        ]).makeConfiguration()).run()
        XCTAssertEqual(errors.errors, ["HTTP_503": 10])
    }

    func testHTMLReportIsSelfContained() throws {
        try startServer()
        let result = try BenchRunner(configuration: configuration(["--connections", "2", "--requests", "300"])).run()
        let html = result.htmlText()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2, "percentile curve and throughput chart")
        XCTAssertTrue(html.contains("<polyline"))
        XCTAssertTrue(html.contains("99.9%"))
        for external in ["<script", "src=", "href=", "http://", "https://", "url(", "@import"] {
            XCTAssertFalse(html.contains(external), "the page refers to something outside itself: \(external)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try BenchReport.write(html, to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), html)
    }

    func testUnreachableTargetFailsWithAClearMessage() throws {
        // A port nobody listens on: bind one, note it, close it.
        let probe = try TinyHTTPServer()
        let port = probe.port
        probe.stop()
        let configuration = try SwerveBenchCommand.parse(["--target", "127.0.0.1:\(port)", "--features", "4", "--input", "input",
                                                          "--requests", "10", "--quiet"]).makeConfiguration()
        XCTAssertThrowsError(try BenchRunner(configuration: configuration).run()) { error in
            XCTAssertTrue("\(error)".contains("cannot connect to binary 127.0.0.1:\(port)"), "\(error)")
        }
        let metadata = try SwerveBenchCommand.parse(["--target", "127.0.0.1:\(port)", "--requests", "10", "--quiet"]).makeConfiguration()
        XCTAssertThrowsError(try BenchRunner(configuration: metadata).run()) { error in
            XCTAssertTrue("\(error)".contains("cannot read the metadata of model 'iris'"), "\(error)")
        }
    }
}
