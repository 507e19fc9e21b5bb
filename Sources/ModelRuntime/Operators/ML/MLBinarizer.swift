/// `Binarizer` (ai.onnx.ml 1): 1 where x > threshold, else 0. Float input
/// only, as in ORT; a NaN input is an error naming its index.
struct MLBinarizer: Kernel {
    let label: String
    let threshold: Float

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "Binarizer", sinceVersion: 1) { try MLBinarizer($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        // ONNX's schema default (0), which ORT applies to nodes without the attribute.
        threshold = try a.float("threshold", default: 0)
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let v = try MLInput.floatsOnly(x, label)
        let t = threshold
        var badIndex = -1
        let out = MLInput.makeFloats(v.count) { out in
            for i in 0..<v.count {
                let value = v[i]
                if value.isNaN, badIndex < 0 { badIndex = i }
                out[i] = value > t ? 1 : 0
            }
        }
        if badIndex >= 0 {
            throw ModelError(.execution, "\(label): input value at index \(badIndex) is NaN")
        }
        return [.tensor(Tensor(shape: x.shape, floats: out))]
    }
}
