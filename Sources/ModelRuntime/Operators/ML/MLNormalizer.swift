/// `Normalizer` (ai.onnx.ml 1): scales each row by its max, L1 or L2 norm,
/// output float. Rows whose norm is zero are copied unchanged, as in ORT.
struct MLNormalizer: Kernel {
    enum Norm: String {
        case max = "MAX"
        case l1 = "L1"
        case l2 = "L2"
    }

    let label: String
    let norm: Norm

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "Normalizer", sinceVersion: 1) { try MLNormalizer($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        let text = try a.string("norm", default: "MAX")
        guard let n = Norm(rawValue: text) else {
            throw a.unsupported("norm", "has unknown value '\(text)' (expected MAX, L1 or L2)")
        }
        norm = n
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        let out: [Float]
        switch x.storage {
        case .float(let v):
            out = normalize(rows, cols, { v[$0] }, { v[$0] * v[$0] }, { abs(v[$0]) })
        case .double(let v):
            out = normalize(rows, cols, { Float(v[$0]) }, { Float(v[$0] * v[$0]) }, { Float(abs(v[$0])) })
        case .int64(let v):
            // ORT squares in int64 (wrapping) and takes std::abs before converting.
            out = normalize(rows, cols, { Float(v[$0]) }, { Float(v[$0] &* v[$0]) }, { Float(v[$0].magnitude) })
        case .int32(let v):
            out = normalize(rows, cols, { Float(v[$0]) }, { Float(v[$0] &* v[$0]) }, { Float(v[$0].magnitude) })
        default:
            throw ModelError(.invalidInput, "\(label): input must be float, double, int64 or int32, found \(x.elementType)")
        }
        return [.tensor(Tensor(shape: x.shape, floats: out))]
    }

    @inline(__always)
    private func normalize(_ rows: Int, _ cols: Int, _ value: (Int) -> Float,
                           _ square: (Int) -> Float, _ magnitude: (Int) -> Float) -> [Float] {
        MLInput.makeFloats(rows * cols) { out in
            for r in 0..<rows {
                let base = r * cols
                switch norm {
                case .max:
                    var m = -Float.greatestFiniteMagnitude
                    // std::max(m, v): NaN never replaces the running maximum.
                    for j in 0..<cols { let v = value(base + j); if m < v { m = v } }
                    if m != 0 {
                        for j in 0..<cols { out[base + j] = value(base + j) / m }
                    } else {
                        for j in 0..<cols { out[base + j] = value(base + j) }
                    }
                case .l1:
                    var sum: Float = 0
                    for j in 0..<cols { sum += magnitude(base + j) }
                    if sum != 0 {
                        for j in 0..<cols { out[base + j] = value(base + j) / sum }
                    } else {
                        for j in 0..<cols { out[base + j] = value(base + j) }
                    }
                case .l2:
                    var sum: Float = 0
                    for j in 0..<cols {
                        let sq = square(base + j)
                        out[base + j] = sq
                        sum += sq
                    }
                    if sum != 0 {
                        for j in 0..<cols {
                            let root = (out[base + j] / sum).squareRoot()
                            out[base + j] = value(base + j) < 0 ? root * -1 : root
                        }
                    } else {
                        for j in 0..<cols { out[base + j] = value(base + j) }
                    }
                }
            }
        }
    }
}
