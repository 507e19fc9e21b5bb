import Foundation
import Streaming
import SwerveTestSupport
import TextFormats
import XCTest

/// The model service runs through the model repository: a new version on
/// disk takes over without a restart, and predictions name it.
final class StreamModelVersionTests: BrokerTestCase {
    func testANewVersionTakesOverWithoutARestart() throws {
        let broker = try startedBroker()
        let repository = try StreamPaths.temporaryDirectory("stream-versions")
        defer { try? FileManager.default.removeItem(at: repository) }
        let versionOne = repository.appendingPathComponent("diabetes/1")
        try FileManager.default.createDirectory(at: versionOne, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: StreamPaths.diabetesModel, to: versionOne.appendingPathComponent("model.onnx"))
        let queues = StreamQueues(prefix: "versions")
        let model = try ServiceProcess(["stream", "model", "--broker", broker.url, "--models", repository.path,
                                        "--model", "diabetes", "--poll-seconds", "0.2"] + queues.modelFlags)
        model.waitFor("consuming")
        let client = try QueueClient(broker.url)
        let x = "[0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1]"
        try client.publish(queues.x, "{\"id\": \"first\", \"x\": \(x), \"ts\": 1.5}")
        let first = try XCTUnwrap(try client.take(queues.yPred, count: 1).first, model.text)
        let firstJSON = try JSONParser.parse(String(decoding: first.body, as: UTF8.self))
        XCTAssertEqual(firstJSON["id"]?.stringValue, "first")
        XCTAssertEqual(version(firstJSON), 1)
        XCTAssertEqual(firstJSON["model"]?.stringValue, "diabetes")
        guard case .number(let ts)? = firstJSON["ts"] else { return XCTFail("ts is carried from X to Y_pred") }
        XCTAssertEqual(ts.double, 1.5)

        let versionTwo = repository.appendingPathComponent("diabetes/2")
        try FileManager.default.createDirectory(at: versionTwo, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: StreamPaths.diabetesModel, to: versionTwo.appendingPathComponent("model.onnx"))
        var sawTwo = false
        for probe in 0..<100 where !sawTwo {
            try client.publish(queues.x, "{\"id\": \(probe), \"x\": \(x)}")
            if let reply = try client.take(queues.yPred, count: 1, timeout: 5).first {
                let json = try JSONParser.parse(String(decoding: reply.body, as: UTF8.self))
                guard case .number(let id)? = json["id"] else { return XCTFail("an integer id is written back as an integer") }
                XCTAssertEqual(id.text, "\(probe)")
                sawTwo = version(json) == 2
            }
            if !sawTwo { usleep(100_000) }  // the pace of a poll with a deadline (100 probes)
        }
        XCTAssertTrue(sawTwo, "version 2 never answered:\n\(model.text.suffix(2000))")
        XCTAssertTrue(model.isRunning)
        XCTAssertEqual(model.terminate(), 0)
    }

    private func version(_ json: JSON) -> Int64? {
        guard case .number(let n)? = json["version"] else { return nil }
        return n.int64
    }
}
