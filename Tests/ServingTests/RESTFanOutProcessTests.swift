import Foundation
import SwerveTestSupport
import XCTest

/// REST in front of fan-out models in one `swerve serve`: iris-ovr's members
/// are served in the same process; "broken" has a member nobody listens
/// for. Predict on a fan-out model completes asynchronously (off the loop),
/// so this also covers the adapter's cross-thread answer path.
final class RESTFanOutProcessTests: XCTestCase {
    func testFanOutModelsOverREST() throws {
        let repository = try TestPaths.repository(with: ["iris-setosa", "iris-versicolor", "iris-virginica", "iris-ovr"],
                                                  testName: "rest-fanout")
        defer { try? FileManager.default.removeItem(at: repository) }
        let broken = repository.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data(#"""
        {"fan_out": {"aggregate": "collect", "failure": "best_effort", "timeout_ms": 500, "members": [
          {"name": "local", "model": "iris-setosa"},
          {"name": "gone", "model": "iris-setosa", "endpoint": "127.0.0.1:1"}]}}
        """#.utf8).write(to: broken.appendingPathComponent("config.json"))
        let server = try SwerveProcess(models: repository, arguments: ["--default-model", "iris-ovr"])
        let client = try RawHTTPClient(port: try XCTUnwrap(server.restPort))

        let predict = try client.call("POST", "/v1/models/iris-ovr:predict",
                                      body: #"{"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}"#)
        XCTAssertEqual(predict.status, 200, predict.text)
        XCTAssertTrue(predict.text.hasPrefix(#"{"predictions":[{"label":"setosa","probability":"#), predict.text)
        XCTAssertTrue(predict.text.contains(#"{"label":"virginica","probability":"#), predict.text)

        let label = try client.call("POST", "/predict/label", body: #"{"data": [[6.7, 3.0, 5.2, 2.3]]}"#)
        XCTAssertTrue(label.text.hasPrefix(#"{"prediction":{"label":"virginica","proba":0.99"#), label.text)

        let health = try client.call("GET", "/health/all")
        XCTAssertEqual(health.status, 503, "a member is down: \(health.text)")
        XCTAssertTrue(health.text.contains(#"{"model":"iris-ovr","member":"setosa","address":"in-process","status":"healthy"}"#), health.text)
        XCTAssertTrue(health.text.contains(#""model":"broken","member":"gone","address":"127.0.0.1:1","status":"unhealthy""#), health.text)
        XCTAssertTrue(health.text.hasSuffix(#""status":"degraded"}"#), health.text)
    }
}
