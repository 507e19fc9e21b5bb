import Foundation
import SwerveTestSupport
import XCTest

/// A real `swerve serve` with a batching model: answers over REST, and the
/// batch histograms on `/metrics`.
final class AdaptiveBatchingProcessTests: XCTestCase {
    func testBatchedModelAnswersOverRESTAndReportsItsBatches() throws {
        let root = try TestPaths.repository(with: ["iris"], testName: "batching")
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(#"{"labels": ["setosa", "versicolor", "virginica"], "batching": {"max_delay_us": 500}}"#.utf8)
            .write(to: root.appendingPathComponent("iris/config.json"))
        let server = try SwerveProcess(models: root)
        let client = try RawHTTPClient(port: try XCTUnwrap(server.restPort))
        let body = #"{"instances": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}"#
        let first = try client.call("POST", "/v1/models/iris:predict", body: body)
        XCTAssertEqual(first.status, 200, first.text)
        for _ in 0..<5 {
            let r = try client.call("POST", "/v1/models/iris:predict", body: body)
            XCTAssertEqual(r.text, first.text, "a batched answer must equal the first (unbatched) one")
        }
        let page = try client.call("GET", "/metrics").text
        XCTAssertTrue(page.contains("# TYPE swerve_batch_rows histogram"), page)
        XCTAssertTrue(page.contains(#"swerve_batch_rows_count{model="iris"} 5"#), page)
        XCTAssertTrue(page.contains(#"swerve_batch_queue_delay_seconds_count{model="iris"} 5"#), page)
        XCTAssertTrue(page.contains(#"swerve_batch_rows_sum{model="iris"} 10"#), page)
    }
}
