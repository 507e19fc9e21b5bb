import Foundation
import ModelRuntime
import Wire

/// Turns the CLI's `--data` JSON (nested arrays of rows) into a tensor of the
/// element type the model declares for the input.
enum InputParsing {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func tensor(fromJSON text: String, dtype: DataType, inputName: String) throws -> Tensor {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw Failure(description: "--data is not valid JSON: \(error.localizedDescription)")
        }
        var shape: [Int] = []
        var leaves: [Any] = []
        try flatten(parsed, depth: 0, shape: &shape, into: &leaves)
        guard let elementType = dtype.elementType else {
            throw Failure(description: "input '\(inputName)' has data type \(dtype), which the CLI cannot fill")
        }
        func number(_ v: Any, _ i: Int) throws -> Double {
            if let n = v as? NSNumber, !(v is Bool) || elementType == .bool { return n.doubleValue }
            if let s = v as? String, s == "NaN" { return .nan }
            throw Failure(description: "--data element \(i) is \(v), not a number (input '\(inputName)' is \(dtype))")
        }
        // A number too large for the input's type is refused, not sent as
        // infinity or a wrapped integer ("NaN" is sent: the server decides
        // whether the model takes missing values).
        func doesNotFit(_ v: Any, _ i: Int) -> Failure {
            Failure(description: "--data element \(i) is \(v), which does not fit in \(elementType) (input '\(inputName)' is \(dtype))")
        }
        switch elementType {
        case .float:
            return Tensor(shape: shape, floats: try leaves.enumerated().map { i, v in
                let d = try number(v, i)
                guard Float(d).isFinite || d.isNaN else { throw doesNotFit(v, i) }
                return Float(d)
            })
        case .double:
            return Tensor(shape: shape, doubles: try leaves.enumerated().map { i, v in
                let d = try number(v, i)
                guard d.isFinite || d.isNaN else { throw doesNotFit(v, i) }
                return d
            })
        case .int64:
            return Tensor(shape: shape, int64s: try leaves.enumerated().map { i, v in
                let d = try number(v, i)
                guard d == d.rounded() else { throw Failure(description: "--data element \(i) is \(v), not an integer (input '\(inputName)' is \(dtype))") }
                guard let n = Int64(exactly: d) else { throw doesNotFit(v, i) }
                return n
            })
        case .int32:
            return Tensor(shape: shape, int32s: try leaves.enumerated().map { i, v in
                let d = try number(v, i)
                guard d == d.rounded() else { throw Failure(description: "--data element \(i) is \(v), not a 32-bit integer (input '\(inputName)' is \(dtype))") }
                guard let n = Int32(exactly: d) else { throw doesNotFit(v, i) }
                return n
            })
        case .bool:
            return Tensor(shape: shape, bools: try leaves.enumerated().map { i, v in
                guard let b = v as? Bool else { throw Failure(description: "--data element \(i) is \(v), not true/false (input '\(inputName)' is \(dtype))") }
                return b
            })
        case .string:
            return Tensor(shape: shape, strings: try leaves.enumerated().map { i, v in
                guard let s = v as? String else { throw Failure(description: "--data element \(i) is \(v), not a string (input '\(inputName)' is \(dtype))") }
                return s
            })
        }
    }

    /// Flattens nested arrays row-major, checking that they are rectangular.
    private static func flatten(_ value: Any, depth: Int, shape: inout [Int], into leaves: inout [Any]) throws {
        guard let array = value as? [Any] else {
            if depth < shape.count { throw Failure(description: "--data is ragged: expected an array at depth \(depth)") }
            if depth > shape.count { throw Failure(description: "--data is ragged: unexpected nesting at depth \(depth)") }
            leaves.append(value)
            return
        }
        if depth == shape.count {
            if !leaves.isEmpty { throw Failure(description: "--data is ragged: unexpected nesting at depth \(depth)") }
            shape.append(array.count)
        } else if depth > shape.count || shape[depth] != array.count {
            throw Failure(description: "--data is ragged: arrays at depth \(depth) differ in length")
        }
        for element in array { try flatten(element, depth: depth + 1, shape: &shape, into: &leaves) }
    }
}
