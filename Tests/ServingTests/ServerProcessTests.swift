import SwerveTestSupport
import Foundation
import ModelRuntime
import Transport
import Wire
import XCTest

/// End-to-end tests against real `swerve serve` processes on loopback.
final class ServerProcessTests: XCTestCase {
    private var repository: URL!
    private var server: SwerveProcess!

    override func setUpWithError() throws {
        repository = try TestPaths.repository(with: ["iris", "diabetes"], testName: name.filter(\.isLetter))
        server = try SwerveProcess(models: repository, arguments: ["--poll-seconds", "0.2"])
    }

    override func tearDownWithError() throws {
        server.send(SIGTERM)
        _ = server.waitForExit(timeout: 30)
        server = nil
        try? FileManager.default.removeItem(at: repository)
    }

    private func connect() throws -> BlockingFrameClient {
        try BlockingFrameClient(host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), ioTimeout: .seconds(60))
    }

    // MARK: The CLI against a server

    func testPredictCommandPrintsIrisProbabilitiesMatchingOnnxruntime() throws {
        let fixture = try JSONSerialization.jsonObject(
            with: Data(contentsOf: TestPaths.fixtures.appendingPathComponent("served_iris.json"))) as! [String: Any]
        let row = (fixture["inputs"] as! [[Double]])[0]
        let outputs = fixture["outputs"] as! [String: Any]
        let expectedProbabilities = ((outputs["probabilities"] as! [String: Any])["probabilities"] as! [[Double]])[0]
        let expectedLabel = ((outputs["label"] as! [String: Any])["data"] as! [Int])[0]

        let data = "[[" + row.map { String(Float($0)) }.joined(separator: ",") + "]]"
        let result = try runCommand(TestPaths.swerveBinary,
                                    ["predict", "--server", "127.0.0.1:\(server.port)", "--model", "iris", "--data", data])
        XCTAssertEqual(result.status, 0, result.stderr)
        let printed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let printedOutputs = printed["outputs"] as! [String: Any]
        XCTAssertEqual((printedOutputs["label"] as! [Int]), [expectedLabel])
        let maps = printedOutputs["probabilities"] as! [[String: Double]]
        XCTAssertEqual(maps.count, 1)
        for (classID, expected) in expectedProbabilities.enumerated() {
            let got = try XCTUnwrap(maps[0][String(classID)], "class \(classID) missing from \(maps[0])")
            XCTAssertEqual(got, expected, accuracy: 1e-6 + 1e-5 * abs(expected))
        }
    }

    func testHealthCommandExitsZeroWhileServing() throws {
        let result = try runCommand(TestPaths.swerveBinary, ["health", "--server", "127.0.0.1:\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("\"serving\": true"), result.stdout)
    }

    func testHealthCommandFailsWhenNothingListens() throws {
        server.send(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0)
        let result = try runCommand(TestPaths.swerveBinary, ["health", "--server", "127.0.0.1:\(server.port)", "--timeout-seconds", "2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("127.0.0.1:\(server.port)"), result.stderr)
    }

    func testModelsStatusAndMetadataCommands() throws {
        let models = try runCommand(TestPaths.swerveBinary, ["models", "--server", "127.0.0.1:\(server.port)"])
        XCTAssertEqual(models.status, 0, models.stderr)
        XCTAssertTrue(models.stdout.contains("\"iris\"") && models.stdout.contains("\"diabetes\""), models.stdout)
        let status = try runCommand(TestPaths.swerveBinary, ["status", "--server", "127.0.0.1:\(server.port)", "--model", "iris"])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("\"AVAILABLE\""), status.stdout)
        let metadata = try runCommand(TestPaths.swerveBinary, ["metadata", "--server", "127.0.0.1:\(server.port)", "--model", "iris"])
        XCTAssertEqual(metadata.status, 0, metadata.stderr)
        XCTAssertTrue(metadata.stdout.contains("\"setosa\""), metadata.stdout)
        let unknown = try runCommand(TestPaths.swerveBinary, ["status", "--server", "127.0.0.1:\(server.port)", "--model", "nope"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("NOT_FOUND") && unknown.stderr.contains("nope"), unknown.stderr)
    }

    // MARK: Many calls

    func testThousandPipelinedRequestsOnOneConnectionAreAllAnswered() throws {
        let client = try connect()
        let count = 1000
        let frames = (1...count).map { RequestFrames.payload(RequestFrames.predictIris(id: UInt64($0))) }
        try client.send(frames: frames)
        var seen = Set<UInt64>()
        for _ in 0..<count {
            let response = try RequestFrames.decode(client.receive())
            XCTAssertEqual(response.status.code, .ok, response.status.message)
            XCTAssertTrue(seen.insert(response.id).inserted, "id \(response.id) answered twice")
        }
        XCTAssertEqual(seen, Set((1...UInt64(count))))
    }

    func testSixtyFourConcurrentConnections() throws {
        let connections = 64
        let callsPerConnection = 50
        let failures = LockedList()
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            do {
                let client = try connect()
                for i in 0..<callsPerConnection {
                    let id = UInt64(c * 1000 + i + 1)
                    let response = try client.roundTrip(RequestFrames.predictIris(id: id))
                    if response.id != id || response.status.code != .ok {
                        failures.append("connection \(c) call \(i): id \(response.id) \(response.status)")
                    }
                }
            } catch {
                failures.append("connection \(c): \(error)")
            }
        }
        XCTAssertEqual(failures.items, [])
    }

    // MARK: Errors over the wire

    func testEachErrorCodeOverTheWire() throws {
        let client = try connect()
        func expect(_ request: Request, _ code: StatusCode, mentioning words: [String], line: UInt = #line) throws {
            let response = try client.roundTrip(request)
            XCTAssertEqual(response.id, request.id, line: line)
            XCTAssertEqual(response.status.code, code, response.status.message, line: line)
            for word in words {
                XCTAssertTrue(response.status.message.contains(word), "'\(response.status.message)' lacks '\(word)'", line: line)
            }
        }
        try expect(RequestFrames.predictIris(id: 1, model: "no-such-model"), .notFound, mentioning: ["no-such-model"])
        try expect(RequestFrames.predictIris(id: 2, version: 42), .notFound, mentioning: ["42"])
        let wrongShape = Request(id: 3, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("input", Tensor(shape: [1, 3], floats: [1, 2, 3]))])))
        try expect(wrongShape, .invalidArgument, mentioning: ["input"])
        let wrongType = Request(id: 4, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("input", Tensor(shape: [1, 4], doubles: [1, 2, 3, 4]))])))
        try expect(wrongType, .invalidArgument, mentioning: ["input"])
        // Jobs are on by default (memory queue): errors from Submit and GetJob.
        let submit = Request(id: 5, call: .submit(SubmitRequest(request: PredictRequest(modelSpec: ModelSpec(name: "no-such-model"), inputs: []))))
        try expect(submit, .notFound, mentioning: ["no-such-model"])
        try expect(Request(id: 6, call: .getJob(GetJobRequest(jobId: "x"))), .notFound, mentioning: ["x"])

        // A payload that is not a Request at all: answered with id 0, connection stays usable.
        try client.send([0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        let garbage = try RequestFrames.decode(client.receive())
        XCTAssertEqual(garbage.id, 0)
        XCTAssertEqual(garbage.status.code, .invalidArgument)
        XCTAssertEqual(try client.roundTrip(RequestFrames.predictIris(id: 7)).status.code, .ok)
    }

    func testCompressedFlagGetsAnErrorThenTheConnectionCloses() throws {
        let client = try connect()
        let payload = RequestFrames.payload(RequestFrames.predictIris(id: 1))
        var frame = Frame.encode(payload)
        frame[0] = Frame.compressedFlag
        try client.sendRaw(frame)
        let response = try RequestFrames.decode(client.receive())
        XCTAssertEqual(response.id, 0)
        XCTAssertEqual(response.status.code, .invalidArgument)
        XCTAssertTrue(response.status.message.contains("compressed"), response.status.message)
        try client.waitForClose()
        // Other connections are unaffected.
        XCTAssertEqual(try connect().roundTrip(RequestFrames.predictIris(id: 2)).status.code, .ok)
    }

    func testOversizedFrameIsRefusedBeforeItsBodyArrives() throws {
        let client = try connect()
        // Announce 1 GiB and send nothing more: the answer must not wait for the body.
        try client.sendRaw([0, 0x40, 0, 0, 0])
        let response = try RequestFrames.decode(client.receive())
        XCTAssertEqual(response.id, 0)
        XCTAssertTrue(response.status.message.contains("exceeds"), response.status.message)
        try client.waitForClose()
    }

    func testTruncatedFrameThenCloseLeavesTheServerServing() throws {
        for cut in [1, 3, 5, 9] {
            let client = try connect()
            let frame = Frame.encode(RequestFrames.payload(RequestFrames.predictIris(id: 1)))
            try client.sendRaw(Array(frame.prefix(cut)))
            client.close()
        }
        XCTAssertEqual(try connect().roundTrip(RequestFrames.predictIris(id: 9)).status.code, .ok)
    }

    // MARK: Hot reload

    func testHotReloadAddsRemovesAndIsolatesBrokenVersions() throws {
        let iris = repository.appendingPathComponent("iris")
        // Serve every version so v1 stays up beside the new ones.
        try Data(#"{"labels": ["setosa", "versicolor", "virginica"], "version_policy": {"all": true}}"#.utf8)
            .write(to: iris.appendingPathComponent("config.json"))
        let client = try connect()

        // A new version serves within a few poll intervals (polling every 0.2 s).
        let v2 = iris.appendingPathComponent("2")
        try FileManager.default.createDirectory(at: v2, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: iris.appendingPathComponent("1/model.onnx"), to: v2.appendingPathComponent("model.onnx"))
        try waitUntil("version 2 serves") {
            try client.roundTrip(RequestFrames.predictIris(id: 1, version: 2)).status.code == .ok
        }

        // A corrupt version 3 is FAILED with its error while 1 and 2 keep serving.
        let v3 = iris.appendingPathComponent("3")
        try FileManager.default.createDirectory(at: v3, withIntermediateDirectories: true)
        try Data("this is not an onnx model".utf8).write(to: v3.appendingPathComponent("model.onnx"))
        try waitUntil("version 3 reported FAILED") {
            try self.versionState(client, "iris", 3) == .failed
        }
        let failed = try client.roundTrip(RequestFrames.predictIris(id: 2, version: 3))
        XCTAssertEqual(failed.status.code, .unavailable, failed.status.message)
        XCTAssertEqual(try client.roundTrip(RequestFrames.predictIris(id: 3, version: 1)).status.code, .ok)
        XCTAssertEqual(try client.roundTrip(RequestFrames.predictIris(id: 4, version: 2)).status.code, .ok)
        XCTAssertEqual(try client.roundTrip(RequestFrames.predictIris(id: 5)).status.code, .ok, "default version must skip the FAILED one")

        // Removing version 2 unloads it.
        try FileManager.default.removeItem(at: v2)
        try waitUntil("version 2 unloaded") {
            let state = try self.versionState(client, "iris", 2)
            return state == .end || state == nil
        }
        XCTAssertEqual(try client.roundTrip(RequestFrames.predictIris(id: 6, version: 2)).status.code != .ok, true)
        XCTAssertEqual(try client.roundTrip(RequestFrames.predictIris(id: 7, version: 1)).status.code, .ok)
    }

    private func versionState(_ client: BlockingFrameClient, _ model: String, _ version: Int64) throws -> ModelVersionStatus.State? {
        let response = try client.roundTrip(Request(id: 99, call: .getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: model)))))
        guard case .getModelStatus(let status)? = response.result else { return nil }
        return status.versions.first(where: { $0.version == version })?.state
    }

    // MARK: Shutdown

    func testGracefulShutdownAnswersCallsInFlightAndExitsZero() throws {
        let client = try connect()
        let count = 300
        try client.send(frames: (1...count).map { RequestFrames.payload(RequestFrames.predictIris(id: UInt64($0))) })
        // The first answer proves the server is reading this connection's frames.
        var answered = [try RequestFrames.decode(client.receive())]
        server.send(SIGTERM)
        while answered.count < count {
            guard let payload = try? client.receive() else { break }
            answered.append(try RequestFrames.decode(payload))
        }
        XCTAssertEqual(answered.count, count, "every call sent before SIGTERM is answered")
        XCTAssertTrue(answered.allSatisfy { $0.status.code == .ok })
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.standardError)
        XCTAssertThrowsError(try connect(), "a stopped server accepts no connection")
    }
}

/// Polls `condition` until it holds, failing after `timeout` seconds.
/// A thread-safe list of failure messages.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
