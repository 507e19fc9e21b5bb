import Foundation
import Logging
import ModelRuntime
import ModelServer
@testable import Serving
import Primitives
import Transport
import Wire
import XCTest

/// A model repository in a temporary directory, built from the real models
/// in the package's `models/` directory:
///
/// - `iris` (ZipMap classifier), config: labels, version label "stable" → 1,
///   max_batch_size 1000
/// - `kmeans` (fixture, two plain tensor outputs `label` and `scores`, standard
///   operators only), config: version label "stable" → 1, max_batch_size 1000,
///   accepts_missing_values
/// - `linreg` (fixture linear_regression_double, double input and output)
/// - `broken` whose only version is not an ONNX file (FAILED)
final class DispatcherFixture: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var modelsDir: URL { packageRoot.appendingPathComponent("models") }

    let root: URL
    let repository: ModelRepository
    let dispatcher: Dispatcher

    /// The default logger stays quiet: the fixture's FAILED model would
    /// otherwise log its load error in every test run.
    static var quietLogger: Logger {
        var logger = Logger(label: "dispatcher-tests")
        logger.logLevel = .critical
        return logger
    }

    init(jobService: (any JobService)? = nil, logger: Logger = DispatcherFixture.quietLogger) throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("swerve-dispatcher-\(UUID().uuidString)")
        self.root = root
        func place(_ source: URL, model: String, version: Int = 1) throws {
            let dir = root.appendingPathComponent("\(model)/\(version)")
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try fm.copyItem(at: source, to: dir.appendingPathComponent("model.onnx"))
        }
        func config(_ model: String, _ json: String) throws {
            try Data(json.utf8).write(to: root.appendingPathComponent("\(model)/config.json"))
        }
        let models = Self.modelsDir
        try place(models.appendingPathComponent("iris/1/model.onnx"), model: "iris")
        try config("iris", #"{"labels": ["setosa", "versicolor", "virginica"], "version_labels": {"stable": 1}, "max_batch_size": 1000}"#)
        try place(models.appendingPathComponent("fixtures/kmeans.onnx"), model: "kmeans")
        try config("kmeans", #"{"version_labels": {"stable": 1}, "max_batch_size": 1000, "accepts_missing_values": true}"#)
        try place(models.appendingPathComponent("fixtures/linear_regression_double.onnx"), model: "linreg")
        let brokenDir = root.appendingPathComponent("broken/1")
        try fm.createDirectory(at: brokenDir, withIntermediateDirectories: true)
        try Data("this is not an ONNX model".utf8).write(to: brokenDir.appendingPathComponent("model.onnx"))

        repository = ModelRepository(root: root.path, pollInterval: .seconds(3600), logger: logger)
        try repository.start()
        dispatcher = Dispatcher(repository: repository, serverVersion: "test-1.2.3", logger: logger, jobService: jobService)
    }

    deinit {
        repository.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// Rows and expected outputs recorded from onnxruntime for a fixture.
    static func fixture(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: modelsDir.appendingPathComponent("fixtures/\(name).json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Every number in a (nested) JSON array, flattened in order.
    static func numbers(_ json: Any?) -> [Double] {
        switch json {
        case let n as NSNumber: return [n.doubleValue]
        case let a as [Any]: return a.flatMap { numbers($0) }
        default: return []
        }
    }

    /// The first `rows` fixture input rows and their width.
    static func inputRows(_ fixture: [String: Any], rows: Int) -> (values: [Double], width: Int) {
        let all = fixture["inputs"] as? [Any] ?? []
        let width = numbers(all.first).count
        return (numbers(Array(all.prefix(rows))), width)
    }

    /// The first `rows` fixture input rows as one float tensor.
    static func floatRows(_ fixture: [String: Any], rows: Int) -> Tensor {
        let (values, width) = inputRows(fixture, rows: rows)
        return Tensor(shape: [values.count / max(width, 1), width], floats: values.map(Float.init))
    }

    /// A fixture output field (e.g. "data", "probabilities"), flattened.
    static func output(_ fixture: [String: Any], _ name: String, _ field: String) -> [Double] {
        numbers(((fixture["outputs"] as? [String: Any])?[name] as? [String: Any])?[field])
    }
}

extension Dispatcher {
    /// A predict call with no deadline.
    func predict(_ spec: ModelSpec, _ inputs: [NamedTensor], filter: [String] = [], id: UInt64 = 1) -> Response {
        handle(Request(id: id, call: .predict(PredictRequest(modelSpec: spec, inputs: inputs, outputFilter: filter))),
               deadline: nil)
    }

    /// Sends `bytes` as one frame to a loopback server running the frame
    /// handler `swerve serve` installs on this dispatcher, and decodes the answer.
    func roundTripFrame(_ bytes: [UInt8]) throws -> Response {
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: DispatchFrameHandler(dispatcher: self))
        defer { server.shutdown(grace: .seconds(1)) }
        let client = try BlockingFrameClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        let answer = try client.call(bytes)
        return try answer.withUnsafeBytes { ProtobufCodec.decodeResponse($0) }.get()
    }
}

/// Asserts a failed response with `code` whose message holds every fragment.
func assertFailure(_ response: Response, _ code: StatusCode, _ fragments: String...,
                   file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(response.status.code, code, response.status.message, file: file, line: line)
    XCTAssertNil(response.result, "a failed call carries no result", file: file, line: line)
    for fragment in fragments {
        XCTAssertTrue(response.status.message.contains(fragment),
                      "'\(response.status.message)' lacks '\(fragment)'", file: file, line: line)
    }
}

/// Collects log messages so tests can check the access log.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    let lines = Locked<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(level: Logger.Level) { logLevel = level }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.level) \(event.message)") }
    }
}
