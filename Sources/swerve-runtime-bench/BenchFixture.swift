import Foundation
import ModelRuntime

/// The parts of a models/fixtures/*.json parity fixture the benchmark needs:
/// the model file, the input name and type, and the input rows.
struct BenchFixture {
    let name: String
    let modelPath: String
    let inputName: String
    let inputType: ElementType
    let rows: [[Any]]

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    init(file: URL) throws {
        name = file.deletingPathExtension().lastPathComponent
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
        guard let json = object as? [String: Any],
              let model = json["model"] as? String,
              let inputName = json["input_name"] as? String,
              let dtype = json["input_dtype"] as? String,
              let rows = json["inputs"] as? [[Any]], !rows.isEmpty else {
            throw Problem(description: "\(file.path): not a fixture (needs model, input_name, input_dtype, inputs)")
        }
        modelPath = file.deletingLastPathComponent().appendingPathComponent(model).path
        self.inputName = inputName
        switch dtype {
        case "float32": inputType = .float
        case "float64": inputType = .double
        case "int64": inputType = .int64
        case "string": inputType = .string
        default: throw Problem(description: "\(file.path): unsupported input_dtype \(dtype)")
        }
        self.rows = rows
    }

    /// `count` rows, cycling through the fixture's rows, as one [count, features] tensor.
    func input(rows count: Int, startingAt start: Int = 0) throws -> Tensor {
        let width = rows[0].count
        let picked = (0..<count).map { rows[(start + $0) % rows.count] }
        let flat = picked.flatMap { $0 }
        let shape = [count, width]
        switch inputType {
        case .float: return Tensor(shape: shape, floats: try flat.map { Float(try number($0)) })
        case .double: return Tensor(shape: shape, doubles: try flat.map { try number($0) })
        case .int64: return Tensor(shape: shape, int64s: try flat.map { Int64(try number($0)) })
        default: return Tensor(shape: shape, strings: flat.map { "\($0)" })
        }
    }

    private func number(_ value: Any) throws -> Double {
        if let s = value as? String, s == "NaN" { return .nan }
        if let n = value as? NSNumber { return n.doubleValue }
        throw Problem(description: "\(name): unexpected input value \(value)")
    }
}
