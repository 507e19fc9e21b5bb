import Foundation
import Streaming
import SwerveTestSupport
import XCTest

/// The metrics join and the dead-letter paths, against a real broker, with
/// the test publishing the messages itself.
final class StreamJoinTests: BrokerTestCase {
    func testEveryYPredBeforeEveryYTrueAndTheReverseStillJoin() throws {
        let broker = try startedBroker()
        let dir = try StreamPaths.temporaryDirectory("stream-order")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("metrics.csv").path
        let queues = StreamQueues(prefix: "order")
        let metrics = try ServiceProcess(["stream", "metrics", "--broker", broker.url, "--csv", csv] + queues.metricsFlags)
        metrics.waitFor("joining")
        let client = try QueueClient(broker.url)
        // Every prediction confirmed in its queue before any truth exists: string ids.
        for i in 0..<100 { try client.publish(queues.yPred, "{\"id\": \"late-truth-\(i)\", \"y_pred\": \(Double(i) + 0.25), \"model\": \"m\", \"version\": 1}") }
        for i in 0..<100 { try client.publish(queues.yTrue, "{\"id\": \"late-truth-\(i)\", \"y_true\": \(i * 2)}") }
        // Truths first, then every prediction: integer ids, written as given.
        for i in 0..<100 { try client.publish(queues.yTrue, "{\"id\": \(1000 + i), \"y_true\": 1.5}") }
        for i in 0..<100 { try client.publish(queues.yPred, "{\"id\": \(1000 + i), \"y_pred\": -\(i)}") }
        XCTAssertTrue(poll(30) { MetricsRows.count(csv) >= 200 }, "rows: \(MetricsRows.count(csv))\n\(metrics.text.suffix(2000))")
        let rows = try MetricsRows.read(csv)
        XCTAssertEqual(rows.count, 200)
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        for i in 0..<100 {
            let row = try XCTUnwrap(byID["late-truth-\(i)"])
            XCTAssertEqual(row.yTrue, MetricsRows.nineDigits(Double(i * 2)))
            XCTAssertEqual(row.yPred, MetricsRows.nineDigits(Double(i) + 0.25))
            XCTAssertEqual(row.error, MetricsRows.nineDigits(abs(Double(i * 2) - Double(i) - 0.25)))
            let integer = try XCTUnwrap(byID["\(1000 + i)"])
            XCTAssertEqual(integer.yPred, MetricsRows.nineDigits(-Double(i)))  // "-0" stays -0
            XCTAssertEqual(integer.error, MetricsRows.nineDigits(1.5 + Double(i)))
        }
        XCTAssertEqual(metrics.terminate(), 0)
    }

    func testAHalfWithoutItsPairIsDeadLetteredAfterTheJoinTimeoutAndCounted() throws {
        let broker = try startedBroker()
        let dir = try StreamPaths.temporaryDirectory("stream-timeout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("metrics.csv").path
        let queues = StreamQueues(prefix: "timeout")
        let metrics = try ServiceProcess(["stream", "metrics", "--broker", broker.url, "--csv", csv,
                                          "--join-timeout-seconds", "1", "--metrics-port", "0", "--metrics-host", "127.0.0.1"] + queues.metricsFlags)
        metrics.waitFor("joining")
        let client = try QueueClient(broker.url)
        try client.publish(queues.yTrue, "{\"id\": \"lonely-truth\", \"y_true\": 3}")
        try client.publish(queues.yPred, "{\"id\": \"lonely-prediction\", \"y_pred\": 4}")
        try client.publish(queues.yTrue, "{\"id\": \"pair\", \"y_true\": 1}")
        try client.publish(queues.yPred, "{\"id\": \"pair\", \"y_pred\": 2}")

        let deadTruth = try client.take(queues.yTrue + ".dead", count: 1, timeout: 20)
        let deadPrediction = try client.take(queues.yPred + ".dead", count: 1, timeout: 20)
        XCTAssertEqual(deadTruth.count, 1)
        XCTAssertEqual(deadPrediction.count, 1)
        XCTAssertEqual(deadTruth.first.map { String(decoding: $0.body, as: UTF8.self) }, "{\"id\": \"lonely-truth\", \"y_true\": 3}")
        XCTAssertTrue(deadTruth.first?.header("x-swerve-reason")?.contains("no y_pred for id lonely-truth within the join timeout") == true,
                      "\(deadTruth.first?.headers ?? [])")
        XCTAssertTrue(deadPrediction.first?.header("x-swerve-reason")?.contains("no y_true for id lonely-prediction") == true)

        let rows = try MetricsRows.read(csv)
        XCTAssertEqual(rows.map(\.id), ["pair"])
        let port = try XCTUnwrap(metricsPort(metrics), metrics.text)
        let text = try RawHTTPClient(port: port).call("GET", "/metrics").text
        XCTAssertTrue(text.contains("swerve_stream_metrics_dead_lettered_total 2"), text)
        XCTAssertTrue(text.contains("swerve_stream_metrics_rows_written_total 1"), text)
        XCTAssertTrue(text.contains("swerve_stream_metrics_join_pending 0"), text)
        XCTAssertEqual(metrics.terminate(), 0)
    }

    func testBeyondMaxPendingTheOldestHalfIsDeadLettered() throws {
        let broker = try startedBroker()
        let dir = try StreamPaths.temporaryDirectory("stream-bound")
        defer { try? FileManager.default.removeItem(at: dir) }
        let queues = StreamQueues(prefix: "bound")
        let metrics = try ServiceProcess(["stream", "metrics", "--broker", broker.url, "--csv", dir.appendingPathComponent("m.csv").path,
                                          "--max-pending", "5"] + queues.metricsFlags)
        metrics.waitFor("joining")
        let client = try QueueClient(broker.url)
        for i in 0..<8 { try client.publish(queues.yTrue, "{\"id\": \"w\(i)\", \"y_true\": \(i)}") }
        let dead = try client.take(queues.yTrue + ".dead", count: 3, timeout: 20)
        XCTAssertEqual(dead.count, 3, metrics.text)
        XCTAssertTrue(dead.allSatisfy { $0.header("x-swerve-reason")?.contains("--max-pending 5") == true }, "\(dead.map(\.headers))")
        XCTAssertEqual(metrics.terminate(), 0)
    }

    func testMalformedMessagesOnEveryQueueAreDeadLetteredAndTheConsumersGoOn() throws {
        let broker = try startedBroker()
        let dir = try StreamPaths.temporaryDirectory("stream-malformed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("metrics.csv").path
        let queues = StreamQueues(prefix: "malformed")
        let model = try ServiceProcess(["stream", "model", "--broker", broker.url, "--models", StreamPaths.models.path,
                                        "--model", "diabetes"] + queues.modelFlags)
        let metrics = try ServiceProcess(["stream", "metrics", "--broker", broker.url, "--csv", csv] + queues.metricsFlags)
        model.waitFor("consuming")
        metrics.waitFor("joining")
        let client = try QueueClient(broker.url)
        let ten = "[0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1]"
        let badX: [(String, String?, String)] = [
            ("not json", "application/json", "malformed JSON"),
            ("{\"x\": \(ten)}", "application/json", "missing \"id\""),
            ("{\"id\": \"short\", \"x\": [1, 2]}", "application/json", "\"x\" has 2 values"),
            ("{\"id\": \"text\", \"x\": [\"a\"]}", "application/json", "\"x\"[0] is a string"),
            ("[1, 2]", "application/json", "not a JSON object"),
            ("{\"id\": \"plain\", \"x\": \(ten)}", "text/plain", "content type 'text/plain'"),
            ("{\"id\": {}, \"x\": \(ten)}", "application/json", "\"id\" must be a string or an integer"),
        ]
        for (body, type, _) in badX { try client.publish(queues.x, body, contentType: type) }
        try client.publish(queues.yTrue, "{\"id\": \"q\", \"y_true\": \"abc\"}")
        try client.publish(queues.yTrue, "{\"id\": 1.5, \"y_true\": 1}")
        try client.publish(queues.yPred, "{\"id\": \"r\"}")
        // Good messages after the bad ones still flow; no content type is read as JSON.
        try client.publish(queues.x, "{\"id\": \"good\", \"x\": \(ten), \"ts\": 1733212345.5}", contentType: nil)
        try client.publish(queues.yTrue, "{\"id\": \"good\", \"y_true\": 100}")
        XCTAssertTrue(poll(30) { MetricsRows.count(csv) >= 1 }, "model:\n\(model.text.suffix(1500))\nmetrics:\n\(metrics.text.suffix(1500))")
        XCTAssertEqual(try MetricsRows.read(csv).map(\.id), ["good"])

        let deadX = try client.take(queues.x + ".dead", count: badX.count)
        XCTAssertEqual(deadX.count, badX.count)
        for (letter, expected) in zip(deadX, badX) {
            XCTAssertEqual(String(decoding: letter.body, as: UTF8.self), expected.0)
            XCTAssertTrue(letter.header("x-swerve-reason")?.contains(expected.2) == true, "\(letter.headers) lacks \(expected.2)")
            XCTAssertEqual(letter.header("x-swerve-queue"), queues.x)
        }
        let deadTrue = try client.take(queues.yTrue + ".dead", count: 2)
        XCTAssertEqual(deadTrue.compactMap { $0.header("x-swerve-reason") },
                       ["\"y_true\" must be a number, not a string", "\"id\" must be a string or an integer, not a fraction"])
        let deadPred = try client.take(queues.yPred + ".dead", count: 1)
        XCTAssertEqual(deadPred.compactMap { $0.header("x-swerve-reason") }, ["missing \"y_pred\""])
        XCTAssertTrue(model.isRunning && metrics.isRunning)
        XCTAssertEqual(model.terminate(), 0)
        XCTAssertEqual(metrics.terminate(), 0)
    }

    private func metricsPort(_ process: ServiceProcess) -> Int? {
        guard poll(10, { process.text.contains("metrics on 127.0.0.1:") }) else { return nil }
        let text = process.text
        guard let range = text.range(of: "metrics on 127.0.0.1:") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
