/// `SVMRegressor` (ai.onnx.ml 1), following ORT's svmregressor.cc: float
/// input, output [rows, 1].
///
/// Support-vector mode (`n_supports` > 0): Σ coefficients[v] · k(x, sv[v]) +
/// rho[0], accumulated like MLAS SGEMM. Linear mode: x · coefficients +
/// rho[0]. With `one_class` set the result becomes +1 when > 0, else -1.
/// `post_transform` is read and validated but, as in ORT, not applied.
struct MLSVMRegressor: Kernel {
    let label: String
    let kernel: MLSVMKernelFunction
    let vectorCount: Int
    let featureCount: Int
    let supportVectors: [Float]
    let coefficients: [Float]
    let rho: Float
    let oneClass: Bool

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "SVMRegressor", sinceVersion: 1) { try MLSVMRegressor($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        var kernel = try MLSVMKernelFunction(a)
        _ = try a.postTransform()
        coefficients = try a.floats("coefficients")
        supportVectors = try a.floats("support_vectors")
        let rhos = try a.floats("rho")
        oneClass = try a.int("one_class", default: 0) != 0
        let n = try a.int("n_supports", default: 0)
        guard !coefficients.isEmpty else { throw a.invalid("coefficients", "must not be empty") }
        guard let r = rhos.first else { throw a.invalid("rho", "must not be empty") }
        rho = r
        guard n >= 0, n <= Int64(Int32.max) else { throw a.invalid("n_supports", "must not be negative, found \(n)") }
        vectorCount = Int(n)
        if vectorCount > 0 {
            guard !supportVectors.isEmpty, supportVectors.count % vectorCount == 0 else {
                throw a.invalid("support_vectors", "has \(supportVectors.count) values, not a multiple of n_supports = \(vectorCount)")
            }
            guard coefficients.count >= vectorCount else {
                throw a.invalid("coefficients", "has \(coefficients.count) values for \(vectorCount) support vectors")
            }
            featureCount = supportVectors.count / vectorCount
        } else {
            featureCount = coefficients.count
            kernel.kind = .linear
        }
        self.kernel = kernel
    }

    func compute(_ inputs: [Value?]) throws -> [Value] {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        guard cols == featureCount else {
            throw ModelError(.invalidInput, "\(label): input has \(cols) features, the model expects \(featureCount)")
        }
        let xs = try MLInput.floatsOnly(x, label)
        if rows == 0 { return [.tensor(Tensor(shape: [0, 1], floats: []))] }
        var kernels = [Float](repeating: 0, count: vectorCount)
        let out = xs.withUnsafeBufferPointer { xb in
            coefficients.withUnsafeBufferPointer { cb in
                supportVectors.withUnsafeBufferPointer { svb in
                    kernels.withUnsafeMutableBufferPointer { kb in
                        MLInput.makeFloats(rows) { y in
                            for r in 0..<rows {
                                let row = xb.baseAddress! + r * featureCount
                                var value: Float = 0
                                if vectorCount > 0 {
                                    kernel.evaluate(row, svb.baseAddress!, count: vectorCount, features: featureCount,
                                                    constant: 0, into: kb.baseAddress!)
                                    value = MLMath.gemmDot(kb.baseAddress!, cb.baseAddress!, vectorCount) + rho
                                } else {
                                    kernel.evaluate(row, cb.baseAddress!, count: 1, features: featureCount,
                                                    constant: rho, into: &value)
                                }
                                if oneClass { value = value > 0 ? 1 : -1 }
                                y[r] = value
                            }
                        }
                    }
                }
            }
        }
        return [.tensor(Tensor(shape: [rows, 1], floats: out))]
    }
}
