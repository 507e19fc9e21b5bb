import Aggregator
import Foundation
import ModelServer
import Transport
import XCTest

final class FanOutConfigTests: XCTestCase {
    private func parse(_ json: String) throws -> FanOutConfig {
        let config = try ModelConfig.parse(Array(json.utf8), file: "config.json")
        return try FanOutConfig.parse(try XCTUnwrap(config.raw["fan_out"]), model: "m")
    }

    private func assertProblem(_ json: String, contains needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(needle), "\(text) does not mention \(needle)", file: file, line: line)
            XCTAssertTrue(text.contains("'m'"), "\(text) does not name the model", file: file, line: line)
        }
    }

    func testShippedIrisOvrConfigParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/iris-ovr/config.json")
        let config = try parse(String(decoding: try Data(contentsOf: url), as: UTF8.self))
        XCTAssertEqual(config.aggregate, .bestLabel)
        XCTAssertEqual(config.failure, .requireAll)
        XCTAssertEqual(config.members.map(\.name), ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(config.members.map(\.model), ["iris-setosa", "iris-versicolor", "iris-virginica"])
        XCTAssertTrue(config.members.allSatisfy { $0.endpoint == nil }, "in-process by default")
    }

    func testDefaults() throws {
        let config = try parse(#"{"fan_out": {"members": [{"name": "a"}]}}"#)
        XCTAssertEqual(config.aggregate, .collect)
        XCTAssertEqual(config.failure, .requireAll)
        XCTAssertEqual(config.poolSize, FanOutConfig.defaultPoolSize)
        XCTAssertEqual(config.labelOutput, "label")
        XCTAssertNil(config.probabilityOutput)
        let a = config.members[0]
        XCTAssertEqual(a.model, "a")
        XCTAssertEqual(a.label, "a")
        XCTAssertEqual(a.timeout, .milliseconds(1000))
        XCTAssertNil(a.endpoint)
        XCTAssertNil(a.positiveLabel)
    }

    func testEveryKey() throws {
        let config = try parse(#"""
        {"fan_out": {"aggregate": "vote", "failure": "best_effort", "timeout_ms": 250, "pool_size": 2,
          "probability_output": "p", "label_output": "y",
          "members": [{"name": "a", "model": "ma", "endpoint": "[::1]:9000", "label": "A", "positive_label": 1,
                       "timeout_ms": 50, "version": 3},
                      {"name": "b", "endpoint": "host.example:8500", "positive_label": "yes"}]}}
        """#)
        XCTAssertEqual(config.aggregate, .vote)
        XCTAssertEqual(config.failure, .bestEffort)
        XCTAssertEqual(config.poolSize, 2)
        XCTAssertEqual(config.probabilityOutput, "p")
        XCTAssertEqual(config.labelOutput, "y")
        XCTAssertEqual(config.members[0].model, "ma")
        XCTAssertEqual(config.members[0].endpoint, Endpoint(host: "::1", port: 9000))
        XCTAssertEqual(config.members[0].positiveLabel, "1")
        XCTAssertEqual(config.members[0].timeout, .milliseconds(50))
        XCTAssertEqual(config.members[0].version, 3)
        XCTAssertEqual(config.members[0].label, "A")
        XCTAssertEqual(config.members[1].timeout, .milliseconds(250), "the section's timeout is the default")
        XCTAssertEqual(config.members[1].endpoint, Endpoint(host: "host.example", port: 8500))
    }

    func testOverridesReplaceEndpointsByMemberOrModelSlashMember() throws {
        let config = try parse(#"{"fan_out": {"members": [{"name": "a"}, {"name": "b", "endpoint": "h:1"}]}}"#)
        let overridden = config.applying(overrides: ["a": Endpoint(host: "x", port: 2), "m/b": Endpoint(host: "y", port: 3),
                                                     "other/a": Endpoint(host: "z", port: 4)], model: "m")
        XCTAssertEqual(overridden.members.map(\.endpoint), [Endpoint(host: "x", port: 2), Endpoint(host: "y", port: 3)])
        let elsewhere = config.applying(overrides: ["m/b": Endpoint(host: "y", port: 3)], model: "n")
        XCTAssertEqual(elsewhere.members[1].endpoint, Endpoint(host: "h", port: 1))
    }

    func testProblemsNameTheKey() {
        assertProblem(#"{"fan_out": []}"#, contains: "\"fan_out\" must be an object")
        assertProblem(#"{"fan_out": {}}"#, contains: "members is required")
        assertProblem(#"{"fan_out": {"members": []}}"#, contains: "non-empty array")
        assertProblem(#"{"fan_out": {"members": [{"name": "a"}], "agregate": "mean"}}"#, contains: "unknown key \"agregate\"")
        assertProblem(#"{"fan_out": {"members": [{"name": "a"}], "aggregate": "max"}}"#, contains: "\"best_label\"")
        assertProblem(#"{"fan_out": {"members": [{"name": "a"}], "failure": 1}}"#, contains: "failure must be one of")
        assertProblem(#"{"fan_out": {"members": [{"name": "a"}], "timeout_ms": 0}}"#, contains: "timeout_ms must be a positive integer")
        assertProblem(#"{"fan_out": {"members": [{"name": "a"}], "pool_size": "4"}}"#, contains: "pool_size")
        assertProblem(#"{"fan_out": {"members": [{"model": "a"}]}}"#, contains: "members[0].name is required")
        assertProblem(#"{"fan_out": {"members": [{"name": "a"}, {"name": "a"}]}}"#, contains: "duplicate member name \"a\"")
        assertProblem(#"{"fan_out": {"members": [{"name": "a/b"}]}}"#, contains: "must not contain '/'")
        assertProblem(#"{"fan_out": {"members": [{"name": "a", "endpoint": "nohost"}]}}"#, contains: "members[0].endpoint \"nohost\"")
        assertProblem(#"{"fan_out": {"members": [{"name": "a", "endpoint": "h:70000"}]}}"#, contains: "HOST:PORT")
        assertProblem(#"{"fan_out": {"members": [{"name": "a", "positive_label": [1]}]}}"#, contains: "positive_label")
        assertProblem(#"{"fan_out": {"members": [{"name": "a", "extra": 1}]}}"#, contains: "members[0] has unknown key \"extra\"")
        assertProblem(#"{"fan_out": {"members": ["a"]}}"#, contains: "members[0] must be an object")
    }

    func testEndpointParsing() {
        XCTAssertEqual(Endpoint("127.0.0.1:8500"), Endpoint(host: "127.0.0.1", port: 8500))
        XCTAssertEqual(Endpoint("[::1]:1"), Endpoint(host: "::1", port: 1))
        XCTAssertEqual(Endpoint(host: "::1", port: 1).description, "[::1]:1")
        for bad in ["", ":1", "h:", "h:0", "h:65536", "::1:80", "[::1]80", "h:x"] {
            XCTAssertNil(Endpoint(bad), bad)
        }
    }

    func testBackoffGrowsToItsMaximumWithBoundedJitter() {
        let backoff = ReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(2))
        XCTAssertEqual(backoff.baseDelay(afterFailures: 1), .milliseconds(50))
        XCTAssertEqual(backoff.baseDelay(afterFailures: 2), .milliseconds(100))
        XCTAssertEqual(backoff.baseDelay(afterFailures: 4), .milliseconds(400))
        XCTAssertEqual(backoff.baseDelay(afterFailures: 100), .seconds(2))
        for failures in 1...10 {
            let d = backoff.delay(afterFailures: failures)
            let base = backoff.baseDelay(afterFailures: failures)
            XCTAssertGreaterThanOrEqual(d, base * 0.8)
            XCTAssertLessThanOrEqual(d, base * 1.2)
        }
    }
}
