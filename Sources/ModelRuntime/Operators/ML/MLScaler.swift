/// `Scaler` (ai.onnx.ml 1): y = (x - offset) * scale per feature, output float.
///
/// As in ORT, float input is computed in float, double input in double (then
/// narrowed), and integer input is converted to float before subtracting.
/// `scale` and `offset` have one value per feature or a single shared value.
struct MLScaler: Kernel {
    let label: String
    let scale: [Float]
    let offset: [Float]

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "Scaler", sinceVersion: 1) { try MLScaler($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        scale = try a.floats("scale")
        offset = try a.floats("offset")
        guard !scale.isEmpty else { throw a.invalid("scale", "must not be empty") }
        guard scale.count == offset.count else {
            throw a.invalid("offset", "has \(offset.count) values but 'scale' has \(scale.count)")
        }
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        guard x.rank >= 1 else { throw ModelError(.invalidInput, "\(label): input must have at least one dimension") }
        let stride = x.rank == 1 ? x.shape[0] : x.shape[1]
        let perFeature: Bool
        if scale.count == stride {
            perFeature = true
        } else if scale.count == 1 {
            perFeature = false
        } else {
            throw ModelError(.invalidInput, "\(label): input has \(stride) features but scale/offset have \(scale.count) values (expected \(stride) or 1)")
        }
        let n = x.count
        let out: [Float]
        switch x.storage {
        case .float(let v):
            out = scaled(n, stride, perFeature) { i, o, s in (v[i] - o) * s }
        case .double(let v):
            out = scaled(n, stride, perFeature) { i, o, s in Float((v[i] - Double(o)) * Double(s)) }
        case .int64(let v):
            out = scaled(n, stride, perFeature) { i, o, s in (Float(v[i]) - o) * s }
        case .int32(let v):
            out = scaled(n, stride, perFeature) { i, o, s in (Float(v[i]) - o) * s }
        default:
            throw ModelError(.invalidInput, "\(label): input must be float, double, int64 or int32, found \(x.elementType)")
        }
        return [.tensor(Tensor(shape: x.shape, floats: out))]
    }

    @inline(__always)
    private func scaled(_ n: Int, _ stride: Int, _ perFeature: Bool,
                        _ f: (Int, Float, Float) -> Float) -> [Float] {
        MLInput.makeFloats(n) { out in
            offset.withUnsafeBufferPointer { off in
                scale.withUnsafeBufferPointer { sc in
                    if perFeature {
                        var i = 0
                        while i < n {
                            for j in 0..<stride { out[i + j] = f(i + j, off[j], sc[j]) }
                            i += stride
                        }
                    } else {
                        let o = off[0], s = sc[0]
                        for i in 0..<n { out[i] = f(i, o, s) }
                    }
                }
            }
        }
    }
}
