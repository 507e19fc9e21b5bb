import Foundation
import XCTest
@testable import ModelRuntime

/// The repository root, found from this file's path (Tests/ModelRuntimeTests/Support/).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

let fixturesDirectory = repositoryRoot.appendingPathComponent("models/fixtures")

/// One parity fixture written by models/train.py: a model, input rows, and
/// onnxruntime's outputs for those rows.
struct Fixture {
    enum Expected {
        case tensor(Tensor)
        /// ZipMap: labels (int64 or string tensor) and probabilities [rows, labels].
        case zipMap(labels: Tensor, probabilities: [[Double]])
    }

    let name: String
    let modelPath: String
    let inputName: String
    let inputType: ElementType
    let rows: [[Any]]
    let outputs: [String: Expected]

    static func all() throws -> [Fixture] {
        let files = try FileManager.default.contentsOfDirectory(atPath: fixturesDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { try Fixture(file: fixturesDirectory.appendingPathComponent($0)) }
    }

    init(file: URL) throws {
        name = file.deletingPathExtension().lastPathComponent
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
        guard let json = object as? [String: Any],
              let model = json["model"] as? String,
              let inputName = json["input_name"] as? String,
              let dtype = json["input_dtype"] as? String,
              let rows = json["inputs"] as? [[Any]],
              let outputs = json["outputs"] as? [String: [String: Any]] else {
            throw FixtureError("\(file.lastPathComponent): missing model, input_name, input_dtype, inputs or outputs")
        }
        modelPath = fixturesDirectory.appendingPathComponent(model).path
        self.inputName = inputName
        inputType = try Fixture.elementType(dtype)
        self.rows = rows
        var expected: [String: Expected] = [:]
        for (outputName, output) in outputs {
            switch output["kind"] as? String {
            case "tensor":
                guard let dtype = output["dtype"] as? String, let shape = output["shape"] as? [Int],
                      let data = output["data"] as? [Any] else {
                    throw FixtureError("\(name): output \(outputName) lacks dtype, shape or data")
                }
                expected[outputName] = .tensor(try Fixture.tensor(shape: shape, type: try Fixture.elementType(dtype), flat: data))
            case "zipmap":
                guard let keyType = output["key_dtype"] as? String, let labels = output["labels"] as? [Any],
                      let probabilities = output["probabilities"] as? [[Any]] else {
                    throw FixtureError("\(name): zipmap output \(outputName) lacks key_dtype, labels or probabilities")
                }
                expected[outputName] = .zipMap(
                    labels: try Fixture.tensor(shape: [labels.count], type: try Fixture.elementType(keyType), flat: labels),
                    probabilities: try probabilities.map { try $0.map(Fixture.number) })
            default:
                throw FixtureError("\(name): output \(outputName) has an unknown kind")
            }
        }
        self.outputs = expected
    }

    /// Rows `range` as one input tensor [rows, features].
    func input(rows range: Range<Int>) throws -> Tensor {
        let selected = Array(rows[range])
        let width = rows.first?.count ?? 0
        return try Fixture.tensor(shape: [selected.count, width], type: inputType, flat: selected.flatMap { $0 })
    }

    /// The input rows repeated until there are `count` of them (for benchmarks).
    func tiledInput(count: Int) throws -> Tensor {
        let tiled = (0..<count).map { rows[$0 % rows.count] }
        return try Fixture.tensor(shape: [count, tiled.first?.count ?? 0], type: inputType, flat: tiled.flatMap { $0 })
    }

    static func elementType(_ dtype: String) throws -> ElementType {
        switch dtype {
        case "float32": return .float
        case "float64": return .double
        case "int64": return .int64
        case "int32": return .int32
        case "string": return .string
        case "bool": return .bool
        default: throw FixtureError("unknown dtype \(dtype)")
        }
    }

    static func number(_ value: Any) throws -> Double {
        if let s = value as? String {
            switch s {
            case "NaN": return .nan
            case "Infinity", "inf": return .infinity
            case "-Infinity", "-inf": return -.infinity
            default: throw FixtureError("unexpected string \(s) where a number belongs")
            }
        }
        if let n = value as? NSNumber { return n.doubleValue }
        throw FixtureError("unexpected value \(value)")
    }

    static func tensor(shape: [Int], type: ElementType, flat: [Any]) throws -> Tensor {
        switch type {
        case .float: return Tensor(shape: shape, floats: try flat.map { Float(try number($0)) })
        case .double: return Tensor(shape: shape, doubles: try flat.map { try number($0) })
        case .int64: return Tensor(shape: shape, int64s: try flat.map { Int64(try number($0)) })
        case .int32: return Tensor(shape: shape, int32s: try flat.map { Int32(try number($0)) })
        case .bool: return Tensor(shape: shape, bools: try flat.map { try number($0) != 0 })
        case .string: return Tensor(shape: shape, strings: flat.map { "\($0)" })
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
