import Foundation
import Logging
import ModelRuntime
import ModelServer
import Serving
import Transport
import Wire
import XCTest

/// `Dispatcher.withFanOut`: what processes other than `swerve serve` (e.g.
/// job workers) use to run fan-out models, called the blocking way a job
/// runner calls it.
final class FanOutDispatcherTests: XCTestCase {
    func testABlockingPredictOnAFanOutModelRunsTheFanOut() throws {
        let root = try TestPaths.repository(with: ["iris-setosa", "iris-versicolor", "iris-virginica", "iris-ovr"],
                                            testName: "dispatcher")
        defer { try? FileManager.default.removeItem(at: root) }
        let logger = Logger(label: "fan-out-dispatcher-test")
        let repository = ModelRepository(root: root.path, pollInterval: .seconds(60), logger: logger)
        try repository.start()
        defer { repository.stop() }
        let group = try EventLoopGroup(loopCount: 1, name: "fanout-dispatch")
        defer { group.shutdown() }
        let dispatcher = try Dispatcher.withFanOut(repository: repository, serverVersion: "test", logger: logger, group: group)
        defer { (dispatcher.fanOut as? FanOutAdapter)?.aggregator.shutdown() }

        let rows: [[Float]] = [RequestFrames.irisRow, [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]
        let response = dispatcher.handle(RequestFrames.predictIris(id: 4, rows: rows, model: "iris-ovr"), deadline: nil)
        XCTAssertTrue(response.status.isOK, "\(response.status)")
        guard case .predict(let p)? = response.result else { return XCTFail("no predict result") }
        XCTAssertEqual(try FanOutTest.strings(p, "label"), ["setosa", "virginica", "versicolor"])
        XCTAssertEqual(response.id, 4)

        XCTAssertThrowsError(try Dispatcher.withFanOut(repository: repository, serverVersion: "test", logger: logger,
                                                       group: group, members: ["setosa": "nohost"])) { error in
            XCTAssertTrue("\(error)".contains("nohost"), "\(error)")
        }
    }
}
