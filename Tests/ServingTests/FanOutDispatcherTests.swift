import Foundation
import Logging
import ModelRuntime
import ModelServer
import Serving
import Transport
import Wire
import XCTest

/// A server without listeners, as `swerve worker` runs it: fan-out models
/// run through its dispatcher, called the blocking way a job runner calls it.
final class FanOutDispatcherTests: XCTestCase {
    func testABlockingPredictOnAFanOutModelRunsTheFanOut() throws {
        let root = try TestPaths.repository(with: ["iris-setosa", "iris-versicolor", "iris-virginica", "iris-ovr"],
                                            testName: "dispatcher")
        defer { try? FileManager.default.removeItem(at: root) }
        let logger = Logger(label: "fan-out-dispatcher-test")
        var options = SwerveServer.Options.withoutListeners(modelsDirectory: root.path)
        let server = try SwerveServer(options: options, logger: logger)
        defer { server.shutdown(grace: .zero) }
        XCTAssertEqual(server.boundPort, 0, "no binary-protocol listener")
        XCTAssertNil(server.restServer)
        let dispatcher = server.dispatcher

        let rows: [[Float]] = [RequestFrames.irisRow, [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]
        let response = dispatcher.handle(RequestFrames.predictIris(id: 4, rows: rows, model: "iris-ovr"), deadline: nil)
        XCTAssertTrue(response.status.isOK, "\(response.status)")
        guard case .predict(let p)? = response.result else { return XCTFail("no predict result") }
        XCTAssertEqual(try FanOutTest.strings(p, "label"), ["setosa", "virginica", "versicolor"])
        XCTAssertEqual(response.id, 4)

        options.fanOutMembers = ["setosa": "nohost"]
        XCTAssertThrowsError(try SwerveServer(options: options, logger: logger)) { error in
            XCTAssertTrue("\(error)".contains("nohost"), "\(error)")
        }
    }
}
