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
    /// The support vectors, or in linear mode the coefficients as one vector.
    let vectors: MLSVMVectors
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
        let supportVectors = try a.floats("support_vectors")
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
        vectors = vectorCount > 0
            ? MLSVMVectors(supportVectors, count: vectorCount, features: featureCount)
            : MLSVMVectors(coefficients, count: 1, features: featureCount)
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        guard cols == featureCount else {
            throw ModelError(.invalidInput, "\(label): input has \(cols) features, the model expects \(featureCount)")
        }
        let xs = try MLInput.floatsOnly(x, label)
        if rows == 0 { return [.tensor(Tensor(shape: [0, 1], floats: []))] }
        let count = vectorCount
        let coefficientStride = MLGemm.strideK(outputs: 1, depth: count)
        // Kernel values of eight rows, vector-major (k[v * 8 + row]), so the
        // eight rows' coefficient sums advance together as one SIMD value;
        // each lane is ORT's fused-accumulation GEMM for its row.
        var kernels = [Float](repeating: 0, count: max(count, 1) * 8)
        let out = xs.withUnsafeBufferPointer { xb in
            coefficients.withUnsafeBufferPointer { cb in
                kernels.withUnsafeMutableBufferPointer { kb in
                    MLInput.makeFloats(rows) { y in
                        let k = kb.baseAddress!, coef = cb.baseAddress!
                        var first = 0
                        while first < rows {
                            let n = min(8, rows - first)
                            if count > 0 && rows == 1 {
                                // One row: both GEMMs take MLAS's M = 1 kernel.
                                kernel.evaluate(xb.baseAddress!, vectors, constant: 0, into: k, singleRow: true)
                                MLGemm.singleRow(k, features: count, coef, targets: 1, bias: { _ in rho }, into: y)
                            } else if count > 0 {
                                for j in 0..<n {
                                    kernel.evaluate(xb.baseAddress! + (first + j) * featureCount, vectors, constant: 0,
                                                    into: k + j, outStride: 8)
                                }
                                // Second GEMM (one output, C = rho), in MLAS's K blocks.
                                var c = SIMD8<Float>(repeating: rho)
                                var start = 0
                                while start < count {
                                    let end = min(count, start + coefficientStride)
                                    var acc = SIMD8<Float>(repeating: 0)
                                    for v in start..<end {
                                        let kv = SIMD8<Double>(MLSVMVectors.load(k + v &* 8))
                                        acc = SIMD8<Float>(kv * Double(coef[v]) + SIMD8<Double>(acc))
                                    }
                                    c = SIMD8<Float>(SIMD8<Double>(acc) + SIMD8<Double>(c))
                                    start = end
                                }
                                for j in 0..<n { y[first + j] = c[j] }
                            } else {
                                for j in 0..<n {
                                    kernel.evaluate(xb.baseAddress! + (first + j) * featureCount, vectors, constant: rho,
                                                    into: y + first + j, singleRow: rows == 1)
                                }
                            }
                            if oneClass {
                                for j in 0..<n { y[first + j] = y[first + j] > 0 ? 1 : -1 }
                            }
                            first += n
                        }
                    }
                }
            }
        }
        return [.tensor(Tensor(shape: [rows, 1], floats: out))]
    }
}
