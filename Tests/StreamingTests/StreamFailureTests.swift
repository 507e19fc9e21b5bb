import Foundation
import Streaming
import SwerveTestSupport
import XCTest

/// Crashes mid-run: model and metrics SIGKILLed and restarted, the broker
/// restarted once; the CSV still holds exactly one row per id.
final class StreamFailureTests: XCTestCase {
    func testKilledModelKilledMetricsAndARestartedBrokerStillGiveOneRowPerID() throws {
        let broker = try RabbitMQServerProcess()
        let dir = try StreamPaths.temporaryDirectory("stream-failures")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("logs/metrics.csv").path
        let queues = StreamQueues(prefix: "failures")
        let retry = ["--retry-seconds", "0.3"]
        let modelArguments = ["stream", "model", "--broker", broker.url, "--models", StreamPaths.models.path,
                              "--model", "diabetes"] + queues.modelFlags + retry
        let metricsArguments = ["stream", "metrics", "--broker", broker.url, "--csv", csv] + queues.metricsFlags + retry
        var model = try ServiceProcess(modelArguments)
        var metrics = try ServiceProcess(metricsArguments)
        // Publishing must outlast the kills and restarts below: slower consumers
        // (sanitized runs) get a publisher slowed by the same factor.
        let rate = Int(800 / TestTiming.scale)
        let features = try ServiceProcess(["stream", "features", "--broker", broker.url, "--data", StreamPaths.diabetesData.path,
                                           "--count", "5000", "--rate", "\(rate)", "--seed", "3", "--id-prefix", "f"]
                                          + queues.featuresFlags + retry)

        XCTAssertTrue(poll(60) { MetricsRows.count(csv) >= 600 }, "rows: \(MetricsRows.count(csv))")
        model.kill()
        let rowsAtModelKill = MetricsRows.count(csv)
        model = try ServiceProcess(modelArguments)

        XCTAssertTrue(poll(60) { MetricsRows.count(csv) >= rowsAtModelKill + 600 }, "rows after the model restart: \(MetricsRows.count(csv))")
        metrics.kill()
        let rowsAtMetricsKill = MetricsRows.count(csv)
        metrics = try ServiceProcess(metricsArguments)

        XCTAssertTrue(poll(60) { MetricsRows.count(csv) >= rowsAtMetricsKill + 600 }, "rows after the metrics restart: \(MetricsRows.count(csv))")
        XCTAssertTrue(features.isRunning, "features is still publishing when the broker goes down: \(features.text.suffix(6000))")
        broker.stop()
        try broker.start()

        XCTAssertEqual(features.waitForExit(timeout: 120), 0, features.text.suffix(8000).description)
        XCTAssertTrue(poll(120) { MetricsRows.count(csv) >= 5000 },
                      "rows: \(MetricsRows.count(csv))\nmodel:\n\(model.text.suffix(1500))\nmetrics:\n\(metrics.text.suffix(1500))")
        // Whatever is still in flight would show up as an extra row: give it a moment's worth of polls.
        XCTAssertFalse(poll(2) { MetricsRows.count(csv) > 5000 }, "more rows than observations")
        let rows = try MetricsRows.read(csv)
        XCTAssertEqual(rows.count, 5000)
        let ids = Set(rows.map(\.id))
        let expected = Set((0..<5000).map { "f-\($0)" })
        XCTAssertEqual(ids.count, rows.count, "no id twice")
        XCTAssertEqual(expected.subtracting(ids).count, 0, "missing ids, e.g. \(expected.subtracting(ids).prefix(5))")
        XCTAssertEqual(ids.subtracting(expected).count, 0, "unexpected ids, e.g. \(ids.subtracting(expected).prefix(5))")
        XCTAssertTrue(metrics.text.contains("retrying") || model.text.contains("retrying"), "the services saw the broker go")
        XCTAssertEqual(model.terminate(), 0)
        XCTAssertEqual(metrics.terminate(), 0)
    }
}
