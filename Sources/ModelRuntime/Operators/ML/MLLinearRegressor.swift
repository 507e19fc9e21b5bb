/// `LinearRegressor` (ai.onnx.ml 1), following ORT's linearregressor.cc:
/// Y = X · coefficientsᵀ + intercepts, shape [rows, targets], float input only.
/// Intercepts are used only when there is one per target. `post_transform`
/// applies to rows of two or more targets; with one target only PROBIT acts.
struct MLLinearRegressor: Kernel {
    let label: String
    let coefficients: [Float]
    let intercepts: [Float]?
    let targets: Int
    let transform: MLPostTransform

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "LinearRegressor", sinceVersion: 1) { try MLLinearRegressor($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        coefficients = try a.floats("coefficients")
        transform = try a.postTransform()
        let t = try a.int("targets", default: 1)
        guard t > 0, t <= Int64(Int32.max) else { throw a.invalid("targets", "must be positive, found \(t)") }
        targets = Int(t)
        let i = try a.floats("intercepts")
        intercepts = i.count == targets ? i : nil
        guard !coefficients.isEmpty, coefficients.count % targets == 0 else {
            throw a.invalid("coefficients", "has \(coefficients.count) values, not a positive multiple of \(targets) targets")
        }
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        let features = coefficients.count / targets
        guard cols == features else {
            throw ModelError(.invalidInput, "\(label): input has \(cols) features, the model expects \(features)")
        }
        let xs = try MLInput.floatsOnly(x, label)
        let t = targets
        if rows == 0 { return [.tensor(Tensor(shape: [0, t], floats: []))] }
        let out = xs.withUnsafeBufferPointer { xb in
            coefficients.withUnsafeBufferPointer { wb in
                MLInput.makeFloats(rows * t) { s in
                    if rows == 1 {
                        MLGemm.singleRow(xb.baseAddress!, features: cols, wb.baseAddress!, targets: t,
                                         bias: intercepts.map { b in { b[$0] } }, into: s)
                    } else {
                        MLGemm.multiply(xb.baseAddress!, rows: rows, features: cols, wb.baseAddress!, targets: t,
                                        bias: intercepts.map { b in { b[$0] } }, into: s, outStride: t)
                    }
                    if transform != .none {
                        MLScoreUpdate.apply(s, rows: rows, perRow: t, transform: transform, secondClass: .none, packed: true)
                    }
                }
            }
        }
        return [.tensor(Tensor(shape: [rows, t], floats: out))]
    }
}
