import Foundation
import ModelRuntime
import Synchronization
import SwerveClient
import SwerveTestSupport
import TextFormats
import Transport
import Wire
import XCTest

/// gRPC against a real `swerve serve` (issue 16), checked with the clients
/// users already have: `tritonclient.grpc`, TF Serving's stubs compiled from
/// proto/, grpcio's health stub (scripts/grpc-check.py, run with the venv
/// `make grpc-test-deps` builds). Every expected output is what the binary
/// protocol answers for the same rows.
///
/// The repository: `iris` at versions 1 and 2 (the same model, labelled
/// `stable` -> 1, `canary` -> 2, so every response's served version is
/// checkable) and `diabetes` at version 1.
final class GRPCProcessTests: XCTestCase {
    private var repository: GRPCTestRepository!
    private var server: SwerveProcess!

    override func setUpWithError() throws {
        repository = try GRPCTestRepository()
    }

    override func tearDownWithError() throws {
        if let server {
            server.send(SIGTERM)
            XCTAssertEqual(server.waitForExit(timeout: 30), 0, "swerve did not stop cleanly:\n\(server.standardError)")
        }
        server = nil
        repository = nil
    }

    /// By default gRPC shares the swerve port: the connection's first bytes decide.
    func testTritonClientTFServingStubsHealthAndErrorsOnTheSharedPort() throws {
        server = try SwerveProcess(models: repository.models)
        let expected = try repository.writeExpectedOutputs(swervePort: server.port)
        let run = try GRPCCheck.run(["127.0.0.1:\(server.port)", "--expected", expected.path], timeout: 180)
        XCTAssertEqual(run.status, 0, "grpc-check failed:\n\(run.stdout)\(run.stderr)\nserver stderr:\n\(server.standardError)")
        XCTAssertTrue(run.stdout.contains("grpc-check: all checks passed"), run.stdout)
    }

    /// 64 gRPC connections and 64 swerve-protocol connections on the one port at once, no errors.
    func test64GRPCAnd64SwerveConnectionsShareThePortWithoutErrors() throws {
        server = try SwerveProcess(models: repository.models)
        let expected = try repository.writeExpectedOutputs(swervePort: server.port)
        let irisOutputs = try repository.binaryProtocolOutputs(swervePort: server.port, model: "iris", version: nil)
        let rows = repository.rows["iris"]!
        let seconds = 5

        let grpcFinished = DispatchSemaphore(value: 0)
        let grpcResult = Mutex<Result<(status: Int32, stdout: String, stderr: String), Error>?>(nil)
        DispatchQueue.global().async {
            let result = Result {
                try GRPCCheck.run(["127.0.0.1:\(self.server.port)", "--expected", expected.path,
                                   "--load", "64", "--seconds", String(seconds)], timeout: TimeInterval(seconds + 120))
            }
            grpcResult.withLock { $0 = result }
            grpcFinished.signal()
        }

        let clients = 64
        guard case .int64(let expectedLabels)? = irisOutputs.first(where: { $0.name == "label" })?.tensor.storage else {
            return XCTFail("the binary protocol's iris answer has no INT64 label output: \(irisOutputs.map(\.name))")
        }
        let port = server.port
        let load = ClientLoad(clients: clients, duration: .seconds(seconds), connect: { _ in
            try BlockingFrameClient(host: "127.0.0.1", port: port, connectTimeout: .seconds(10), ioTimeout: .seconds(30))
        }) { client, c, id in
            let row = (c + Int(id)) % rows.count
            let response = try client.roundTrip(RequestFrames.predictIris(id: id, rows: [rows[row]]))
            guard response.status.isOK, response.id == id, case .predict(let predict)? = response.result,
                  case .int64(let label)? = predict.outputs.first(where: { $0.name == "label" })?.tensor.storage,
                  label == [expectedLabels[row]] else {
                return "\(response.status) \(String(describing: response.result))"
            }
            return nil
        }
        XCTAssertTrue(load.wait(timeout: .now() + .seconds(seconds + 60)), "swerve clients did not finish")
        XCTAssertEqual(grpcFinished.wait(timeout: .now() + .seconds(seconds + 150)), .success, "the gRPC load did not finish")

        let errors = load.failureList
        XCTAssertTrue(errors.isEmpty, "\(errors.count) swerve-protocol failure(s), first: \(errors.prefix(3))")
        XCTAssertGreaterThan(load.callCount, clients, "every swerve client made calls")
        let run = try XCTUnwrap(grpcResult.withLock { $0 }).get()
        XCTAssertEqual(run.status, 0, "gRPC load failed:\n\(run.stdout)\(run.stderr)\nserver stderr:\n\(server.standardError)")
        XCTAssertTrue(run.stdout.contains("over 64 connections"), run.stdout)
        print("port sharing: \(load.callCount) swerve-protocol calls by \(clients) clients; "
              + (run.stdout.split(separator: "\n").last.map(String.init) ?? ""))
    }

    /// `--grpc-port N` puts gRPC on a port of its own; there, with `--repository-control both`,
    /// tritonclient's unload_model / load_model work.
    func testGRPCPortFlagServesGRPCOnItsOwnPortAndRepositoryControl() throws {
        let grpcPort = try RedisServerProcess.freePort()
        server = try SwerveProcess(models: repository.models,
                                   arguments: ["--grpc-port", String(grpcPort), "--repository-control", "both"])
        let expected = try repository.writeExpectedOutputs(swervePort: server.port)
        for group in ["health", "tfserving", "repository"] {
            let run = try GRPCCheck.run(["127.0.0.1:\(grpcPort)", "--expected", expected.path, "--only", group], timeout: 120)
            XCTAssertEqual(run.status, 0, "grpc-check --only \(group) on the gRPC port failed:\n\(run.stdout)\(run.stderr)\nserver stderr:\n\(server.standardError)")
        }
    }
}

/// Runs scripts/grpc-check.py with the venv's python.
enum GRPCCheck {
    static let python = TestPaths.repositoryRoot.appendingPathComponent(".build/grpc-venv/bin/python")

    /// Runs `scripts/<script>` with the venv's python.
    static func run(_ arguments: [String], script: String = "grpc-check.py",
                    timeout: TimeInterval) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ProcessFailure("\(python.path) is missing: run `make grpc-test-deps` (make test does)")
        }
        let path = TestPaths.repositoryRoot.appendingPathComponent("scripts").appendingPathComponent(script).path
        return try runCommand(python, [path] + arguments, timeout: timeout)
    }
}

/// The repository the gRPC tests serve, and the binary protocol's answers for it.
final class GRPCTestRepository {
    let root: URL
    let models: URL
    /// The rows sent to each model: the served models' fixture inputs.
    let rows: [String: [[Float]]]
    /// The iris versions and their labels, written into its config.json.
    static let irisVersions: [Int64] = [1, 2]
    static let irisVersionLabels: [(String, Int64)] = [("stable", 1), ("canary", 2)]

    init() throws {
        root = try TestPaths.temporaryDirectory("grpc")
        models = root.appendingPathComponent("repo")
        let fm = FileManager.default
        let iris = models.appendingPathComponent("iris")
        for version in Self.irisVersions {
            let dir = iris.appendingPathComponent(String(version))
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try fm.copyItem(at: TestPaths.models.appendingPathComponent("iris/1/model.onnx"), to: dir.appendingPathComponent("model.onnx"))
        }
        // The shipped config (class labels, feature names for Classify) plus every version served, with labels.
        guard case .object(var members) = try Self.parse(TestPaths.models.appendingPathComponent("iris/config.json")) else {
            throw ProcessFailure("models/iris/config.json is not a JSON object")
        }
        let number = { (v: Int64) in JSON.number(JSONNumber(text: String(v), isInteger: true)) }
        members.append(("version_policy", .object([("all", .bool(true))])))
        members.append(("version_labels", .object(Self.irisVersionLabels.map { ($0.0, number($0.1)) })))
        var config = JSONWriter()
        config.value(.object(members))
        try Data(config.bytes).write(to: iris.appendingPathComponent("config.json"))
        try fm.copyItem(at: TestPaths.models.appendingPathComponent("diabetes"), to: models.appendingPathComponent("diabetes"))

        var rows: [String: [[Float]]] = [:]
        for model in ["iris", "diabetes"] {
            let fixture = try Self.parse(TestPaths.fixtures.appendingPathComponent("served_\(model).json"))
            guard let inputs = fixture["inputs"]?.arrayValue else { throw ProcessFailure("served_\(model).json has no inputs") }
            rows[model] = try inputs.map { row in
                try (row.arrayValue ?? []).map { value in
                    guard case .number(let n) = value else { throw ProcessFailure("served_\(model).json: non-numeric input \(value.shortDescription)") }
                    return n.float
                }
            }
        }
        self.rows = rows
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    private static func parse(_ url: URL) throws -> JSON {
        let data = try Data(contentsOf: url)
        return try data.withUnsafeBytes { try JSONParser.parse($0) }
    }

    /// What the binary protocol answers for `rows[model]`.
    func binaryProtocolOutputs(swervePort: Int, model: String, version: Int64?) throws -> [NamedTensor] {
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: swervePort))
        defer { client.close() }
        let rows = self.rows[model]!
        let input = Tensor(shape: [rows.count, rows[0].count], floats: rows.flatMap { $0 })
        let response = try client.predict(PredictRequest(modelSpec: ModelSpec(name: model, version: version),
                                                         inputs: [NamedTensor("input", input)]))
        return response.outputs
    }

    /// Writes the binary protocol's answers in the shape scripts/grpc-check.py reads
    /// (`{"models": {name: {"input", "rows", "outputs", "versions", "version_labels"}}}`).
    /// Floats are written as the Double of each Float, so Python gets the exact bits back.
    func writeExpectedOutputs(swervePort: Int) throws -> URL {
        var w = JSONWriter(capacity: 64 * 1024)
        w.raw("{\"models\":{")
        for (index, model) in ["iris", "diabetes"].enumerated() {
            let outputs = try binaryProtocolOutputs(swervePort: swervePort, model: model, version: nil)
            if model == "iris" {
                // Both versions are the same model: each must answer the same through the binary protocol.
                for version in Self.irisVersions {
                    let versioned = try binaryProtocolOutputs(swervePort: swervePort, model: model, version: version)
                    XCTAssertEqual(versioned.map(\.name), outputs.map(\.name))
                    XCTAssertEqual(versioned.map { "\($0.tensor.storage)" }, outputs.map { "\($0.tensor.storage)" }, "iris version \(version)")
                }
            }
            if index > 0 { w.byte(UInt8(ascii: ",")) }
            w.key(model)
            w.raw("{\"input\":\"input\",\"rows\":[")
            for (i, row) in rows[model]!.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                Self.writeNumbers(row.map(Double.init), to: &w)
            }
            w.raw("],\"outputs\":{")
            for (i, output) in outputs.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.key(output.name)
                try Self.writeTensor(output.tensor, named: output.name, to: &w)
            }
            w.raw("},\"versions\":")
            Self.writeIntegers(model == "iris" ? Self.irisVersions : [1], to: &w)
            w.raw(",\"version_labels\":{")
            for (i, (label, version)) in (model == "iris" ? Self.irisVersionLabels : []).enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.key(label)
                w.int(version)
            }
            w.raw("}}")
        }
        w.raw("}}")
        let url = root.appendingPathComponent("expected.json")
        try Data(w.bytes).write(to: url)
        return url
    }

    /// `{"datatype": KServe name, "shape": [...], "data": [flat values]}`.
    private static func writeTensor(_ tensor: Tensor, named name: String, to w: inout JSONWriter) throws {
        w.raw("{\"datatype\":")
        switch tensor.storage {
        case .float(let v): w.string("FP32"); writeShape(tensor.shape, to: &w); writeNumbers(v.map(Double.init), to: &w)
        case .double(let v): w.string("FP64"); writeShape(tensor.shape, to: &w); writeNumbers(v, to: &w)
        case .int64(let v): w.string("INT64"); writeShape(tensor.shape, to: &w); writeIntegers(v, to: &w)
        case .int32(let v): w.string("INT32"); writeShape(tensor.shape, to: &w); writeIntegers(v.map(Int64.init), to: &w)
        case .bool(let v): w.string("BOOL"); writeShape(tensor.shape, to: &w); writeIntegers(v.map { $0 ? 1 : 0 }, to: &w)
        case .string: throw ProcessFailure("output \(name) is a string tensor: the gRPC checks compare numbers only")
        }
        w.byte(UInt8(ascii: "}"))
    }

    private static func writeShape(_ shape: [Int], to w: inout JSONWriter) {
        w.raw(",\"shape\":")
        writeIntegers(shape.map(Int64.init), to: &w)
        w.raw(",\"data\":")
    }

    private static func writeNumbers(_ values: [Double], to w: inout JSONWriter) {
        writeArray(values, to: &w) { $0.double($1) }
    }

    private static func writeIntegers(_ values: [Int64], to w: inout JSONWriter) {
        writeArray(values, to: &w) { $0.int($1) }
    }

    private static func writeArray<T>(_ values: [T], to w: inout JSONWriter, _ element: (inout JSONWriter, T) -> Void) {
        w.byte(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            element(&w, v)
        }
        w.byte(UInt8(ascii: "]"))
    }
}
