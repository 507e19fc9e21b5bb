import Foundation
import ModelRuntime
import SwerveTestSupport
import XCTest

/// Deterministic iris-like feature rows, kept as the text a file holds and
/// as the float32 values a reader makes of it (decimal → double → float).
struct IrisRows {
    let texts: [[String]]
    let floats: [Float]
    var count: Int { texts.count }

    init(count: Int, seed: UInt64 = 7) {
        var state = seed
        func next(_ low: Double, _ high: Double) -> String {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Double(state >> 11) / Double(1 << 53)
            return String(format: "%.2f", low + unit * (high - low))
        }
        var texts: [[String]] = []
        texts.reserveCapacity(count)
        for _ in 0..<count {
            texts.append([next(4, 8), next(2, 4.5), next(1, 7), next(0.1, 2.5)])
        }
        self.texts = texts
        floats = texts.flatMap { $0.map { Float(Double($0)!) } }
    }
}

/// The iris model's outputs for rows: `label` and the ZipMap `probabilities` (keys 0, 1, 2).
struct IrisPredictions {
    var labels: [Int64] = []
    var probabilities: [[Float]] = []

    static let modelPath = TestPaths.models.appendingPathComponent("iris/1/model.onnx").path

    /// Runs the model directly on `rows` in chunks of `chunk`.
    static func direct(_ rows: IrisRows, chunk: Int = 1000) throws -> IrisPredictions {
        let model = try Model.load(path: modelPath)
        var out = IrisPredictions()
        var start = 0
        while start < rows.count {
            let n = min(chunk, rows.count - start)
            let input = Tensor(shape: [n, 4], floats: Array(rows.floats[(start * 4)..<((start + n) * 4)]))
            let values = try model.runAllOutputs(["input": input])
            guard case .tensor(let label) = values[0], case .int64(let labels) = label.storage,
                  case .zipMap(_, let p) = values[1], case .float(let probabilities) = p.storage else {
                throw ChildProcessFailure("iris outputs are not label + ZipMap")
            }
            out.labels += labels
            for r in 0..<n { out.probabilities.append(Array(probabilities[(r * 3)..<(r * 3 + 3)])) }
            start += n
        }
        return out
    }
}

/// Runs the swerve executable built beside the tests.
func swerve(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 180) throws -> ChildProcess {
    try ChildProcess.run(TestPaths.swerveBinary, arguments, environment: environment, timeout: timeout)
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase, _ name: String) throws -> URL {
    let url = try TestPaths.temporaryDirectory(name)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A repository holding a copy of `models/iris` (version 1).
func irisRepository(_ test: XCTestCase) throws -> URL {
    let root = try temporaryDirectory(test, "batch-models")
    try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent("iris"), to: root.appendingPathComponent("iris"))
    return root
}

/// Adds version `version` of iris (the same model file) to a repository.
func addIrisVersion(_ version: Int, to root: URL) throws {
    let directory = root.appendingPathComponent("iris/\(version)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: root.appendingPathComponent("iris/1/model.onnx"),
                                     to: directory.appendingPathComponent("model.onnx"))
}
