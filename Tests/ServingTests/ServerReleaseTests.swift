import Foundation
import Logging
import ModelServer
import Serving
import Wire
import XCTest

/// A server that was shut down and let go frees everything it held. In-process
/// fan-out once closed a reference cycle through the dispatcher, so a stopped
/// server lived on with its repository, models and job results (what
/// `make test-asan` reported as leaks at a `swerve serve` process's exit).
final class ServerReleaseTests: XCTestCase {
    func testAServerShutDownAndDroppedIsFreed() throws {
        let root = try TestPaths.repository(with: ["iris-setosa", "iris-versicolor", "iris-virginica", "iris-ovr"],
                                            testName: "server-release")
        defer { try? FileManager.default.removeItem(at: root) }
        weak var weakServer: SwerveServer?
        weak var weakDispatcher: Dispatcher?
        weak var weakRepository: ModelRepository?
        try {
            var options = SwerveServer.Options(modelsDirectory: root.path)
            options.port = 0
            options.rest?.port = 0
            let server = try SwerveServer(options: options, logger: Logger(label: "server-release-test"))
            weakServer = server
            weakDispatcher = server.dispatcher
            weakRepository = server.repository
            // A fan-out call, so the aggregator has used its way back to the dispatcher.
            let response = server.dispatcher.handle(
                RequestFrames.predictIris(id: 1, rows: [RequestFrames.irisRow], model: "iris-ovr"), deadline: nil)
            XCTAssertTrue(response.status.isOK, "\(response.status)")
            server.shutdown(grace: .zero)
        }()
        XCTAssertNil(weakServer, "the server outlived its last reference")
        XCTAssertNil(weakDispatcher, "the dispatcher outlived its server")
        XCTAssertNil(weakRepository, "the repository (and its models) outlived its server")
    }
}
