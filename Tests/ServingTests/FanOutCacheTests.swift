import Foundation
import Logging
import ModelRuntime
import ModelServer
import Serving
import Transport
import Wire
import XCTest

/// The prediction cache on a fan-out model whose members are in-process.
final class FanOutCacheTests: XCTestCase {
    private func encoded(_ response: Response) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(response, into: &bytes)
        return bytes
    }

    func testInProcessFanOutIsCachedAndAMemberVersionChangeIsAskedAtOnce() throws {
        let root = try TestPaths.repository(with: ["iris-setosa", "iris-versicolor", "iris-virginica", "iris-ovr"],
                                            testName: "fanout-cache")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("iris-ovr/config.json")
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"fan_out\":", with: "\"cache\": {},\n  \"fan_out\":")
        try text.write(to: config, atomically: true, encoding: .utf8)

        var options = SwerveServer.Options.withoutListeners(modelsDirectory: root.path)
        options.pollInterval = .seconds(3600)
        let server = try SwerveServer(options: options, logger: DispatcherFixture.quietLogger)
        defer { server.shutdown(grace: .zero) }
        let (repository, cache, dispatcher) = (server.repository, server.cache, server.dispatcher)

        let rows: [[Float]] = [RequestFrames.irisRow, [6.7, 3.0, 5.2, 2.3]]
        let first = dispatcher.handle(RequestFrames.predictIris(id: 1, rows: rows, model: "iris-ovr"), deadline: nil)
        XCTAssertEqual(first.status, .ok, first.status.message)
        XCTAssertEqual(cache.counts(model: "iris-ovr", version: 0).misses, 1)
        let second = dispatcher.handle(RequestFrames.predictIris(id: 1, rows: rows, model: "iris-ovr"), deadline: nil)
        XCTAssertEqual(cache.counts(model: "iris-ovr", version: 0).hits, 1)
        XCTAssertEqual(encoded(second), encoded(first), "a fan-out hit answers exactly what the members answered")

        // A member's new version: the next call runs the fan-out again.
        let member = root.appendingPathComponent("iris-setosa")
        try FileManager.default.copyItem(at: member.appendingPathComponent("1"), to: member.appendingPathComponent("2"))
        repository.reload()
        let third = dispatcher.handle(RequestFrames.predictIris(id: 1, rows: rows, model: "iris-ovr"), deadline: nil)
        XCTAssertEqual(third.status, .ok)
        XCTAssertEqual(cache.counts(model: "iris-ovr", version: 0).misses, 2)
        XCTAssertEqual(cache.counts(model: "iris-ovr", version: 0).hits, 1)
    }
}
