import ModelRuntime
import Wire

/// Writes the CLI's JSON output by hand: the shapes are few and fixed, and
/// floats must print as the shortest decimal that reads back the same value
/// (Swift's `description` does exactly that).
struct JSONText {
    private(set) var text = ""

    mutating func raw(_ s: String) { text += s }

    mutating func string(_ s: String) {
        text += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    mutating func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) { text += Self.numberText(v) }

    /// JSON has no NaN or infinity; spell them as strings rather than emit invalid JSON.
    static func numberText<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v < 0 ? "\"-Infinity\"" : "\"Infinity\"" }
        return v.description
    }

    mutating func integer<I: BinaryInteger>(_ v: I) { text += String(v) }

    /// Appends `tensor` as nested arrays following its shape (a scalar as a bare value).
    mutating func tensor(_ tensor: Tensor) {
        switch tensor.storage {
        case .float(let v): nested(tensor.shape) { Self.numberText(v[$0]) }
        case .double(let v): nested(tensor.shape) { Self.numberText(v[$0]) }
        case .int64(let v): nested(tensor.shape) { String(v[$0]) }
        case .int32(let v): nested(tensor.shape) { String(v[$0]) }
        case .bool(let v): nested(tensor.shape) { v[$0] ? "true" : "false" }
        case .string(let v): nested(tensor.shape) { var s = JSONText(); s.string(v[$0]); return s.text }
        }
    }

    /// The element at flat index `i` as a JSON map key.
    static func key(_ tensor: Tensor, _ i: Int) -> String {
        switch tensor.storage {
        case .float(let v): return v[i].description
        case .double(let v): return v[i].description
        case .int64(let v): return String(v[i])
        case .int32(let v): return String(v[i])
        case .bool(let v): return v[i] ? "true" : "false"
        case .string(let v): return v[i]
        }
    }

    private mutating func nested(_ shape: [Int], _ element: (Int) -> String) {
        var out = ""
        var index = 0
        func level(_ depth: Int) {
            if depth == shape.count {
                out += element(index)
                index += 1
                return
            }
            out += "["
            for i in 0..<shape[depth] {
                if i > 0 { out += ", " }
                level(depth + 1)
            }
            out += "]"
        }
        level(0)
        text += out
    }
}

extension JSONText {
    /// A Predict response: `{"model", "version", "outputs": {...}}`. A ZipMap
    /// output `X` (sent as `X` plus `X:labels`) prints as one `{label: p}`
    /// object per row, as onnxruntime and scikit-learn show it.
    static func predictResponse(_ response: PredictResponse) -> String {
        var json = JSONText()
        json.raw("{\"model\": ")
        json.string(response.modelSpec.name)
        if let version = response.modelSpec.version {
            json.raw(", \"version\": ")
            json.integer(version)
        }
        json.raw(", \"outputs\": {")
        var first = true
        for output in response.outputs where !output.name.hasSuffix(NamedTensor.labelsSuffix) {
            if !first { json.raw(", ") }
            first = false
            json.string(output.name)
            json.raw(": ")
            let labels = response.output(named: output.name + NamedTensor.labelsSuffix)
            if let labels, output.tensor.rank == 2, labels.count == output.tensor.shape[1],
               case .float(let probabilities) = output.tensor.storage {
                json.zipMapRows(probabilities, rows: output.tensor.shape[0], labels: labels)
            } else {
                json.tensor(output.tensor)
            }
        }
        json.raw("}}")
        return json.text
    }

    private mutating func zipMapRows(_ probabilities: [Float], rows: Int, labels: Tensor) {
        let columns = labels.count
        raw("[")
        for r in 0..<rows {
            if r > 0 { raw(", ") }
            raw("{")
            for c in 0..<columns {
                if c > 0 { raw(", ") }
                string(JSONText.key(labels, c))
                raw(": ")
                number(probabilities[r * columns + c])
            }
            raw("}")
        }
        raw("]")
    }
}
