/// The inner loop of MatMul and Gemm: `c[M,N] += a[M,K] * b[K,N]`, all
/// row-major and contiguous. Four rows of `a` share each pass over a row of
/// `b` so the row is loaded once per four output rows; the `j` loops are
/// contiguous and vectorise. Each output sums its K products in order with
/// `multiplyAdd`, as onnxruntime's GEMM does (fused for Float).
@inline(__always)
func multiplyAccumulate<T: ArithmeticElement>(m: Int, n: Int, k: Int,
                                              _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                              _ c: UnsafeMutablePointer<T>) {
    if n < 8 {
        multiplyAccumulateNarrow(m: m, n: n, k: k, a, b, c)
        return
    }
    var i = 0
    while i + 4 <= m {
        let c0 = c + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
        let a0 = a + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
        for p in 0..<k {
            let x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p]
            let row = b + p * n
            for j in 0..<n {
                let y = row[j]
                c0[j] = T.multiplyAdd(c0[j], x0, y)
                c1[j] = T.multiplyAdd(c1[j], x1, y)
                c2[j] = T.multiplyAdd(c2[j], x2, y)
                c3[j] = T.multiplyAdd(c3[j], x3, y)
            }
        }
        i += 4
    }
    while i < m {
        let ci = c + i * n, ai = a + i * k
        for p in 0..<k {
            let x = ai[p]
            let row = b + p * n
            for j in 0..<n { ci[j] = T.multiplyAdd(ci[j], x, row[j]) }
        }
        i += 1
    }
}

/// `multiplyAccumulate` for outputs a few columns wide (e.g. a regression
/// head, [N,100] x [100,1]), where a contiguous j loop is too short to pay:
/// eight rows at a time, each output a sequential K-long chain, eight chains
/// in flight.
@inline(__always)
func multiplyAccumulateNarrow<T: ArithmeticElement>(m: Int, n: Int, k: Int,
                                                    _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                                    _ c: UnsafeMutablePointer<T>) {
    var i = 0
    while i + 8 <= m {
        let a0 = a + i * k
        for j in 0..<n {
            let out = c + i * n + j
            var s0 = out[0], s1 = out[n], s2 = out[2 * n], s3 = out[3 * n]
            var s4 = out[4 * n], s5 = out[5 * n], s6 = out[6 * n], s7 = out[7 * n]
            for p in 0..<k {
                let y = b[p * n + j]
                s0 = T.multiplyAdd(s0, a0[p], y)
                s1 = T.multiplyAdd(s1, a0[k + p], y)
                s2 = T.multiplyAdd(s2, a0[2 * k + p], y)
                s3 = T.multiplyAdd(s3, a0[3 * k + p], y)
                s4 = T.multiplyAdd(s4, a0[4 * k + p], y)
                s5 = T.multiplyAdd(s5, a0[5 * k + p], y)
                s6 = T.multiplyAdd(s6, a0[6 * k + p], y)
                s7 = T.multiplyAdd(s7, a0[7 * k + p], y)
            }
            out[0] = s0; out[n] = s1; out[2 * n] = s2; out[3 * n] = s3
            out[4 * n] = s4; out[5 * n] = s5; out[6 * n] = s6; out[7 * n] = s7
        }
        i += 8
    }
    while i < m {
        let ai = a + i * k
        for j in 0..<n {
            var sum = c[i * n + j]
            for p in 0..<k { sum = T.multiplyAdd(sum, ai[p], b[p * n + j]) }
            c[i * n + j] = sum
        }
        i += 1
    }
}

/// `[cols, rows]` copy of a row-major `[rows, cols]` matrix.
@inline(__always)
func transposed<T>(_ source: UnsafeBufferPointer<T>, rows: Int, cols: Int) -> [T] {
    [T](unsafeUninitializedCapacity: rows * cols) { out, initialized in
        guard rows * cols > 0 else { initialized = 0; return }
        for r in 0..<rows {
            for c in 0..<cols { (out.baseAddress! + c * rows + r).initialize(to: source[r * cols + c]) }
        }
        initialized = rows * cols
    }
}

/// MatMul with numpy semantics: 1-D operands promoted, batch dimensions broadcast.
struct MatMulKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let a = try args.tensor(0, "A"), b = try args.tensor(1, "B")
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): return [.tensor(try MatMulKernel.multiply(x, a.shape, y, b.shape))]
        case (.double(let x), .double(let y)): return [.tensor(try MatMulKernel.multiply(x, a.shape, y, b.shape))]
        case (.int64(let x), .int64(let y)): return [.tensor(try MatMulKernel.multiply(x, a.shape, y, b.shape))]
        case (.int32(let x), .int32(let y)): return [.tensor(try MatMulKernel.multiply(x, a.shape, y, b.shape))]
        default:
            throw ModelError(.execution, "MatMul needs two inputs of the same numeric type, got \(a.elementType) and \(b.elementType)")
        }
    }

    static func multiply<T: ArithmeticElement>(_ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int]) throws -> Tensor {
        guard !aShape.isEmpty, !bShape.isEmpty else {
            throw ModelError(.execution, "MatMul does not take scalars (\(describe(aShape)) x \(describe(bShape)))")
        }
        let aMatrix = aShape.count == 1 ? [1, aShape[0]] : aShape
        let bMatrix = bShape.count == 1 ? [bShape[0], 1] : bShape
        let m = aMatrix[aMatrix.count - 2], k = aMatrix[aMatrix.count - 1]
        let n = bMatrix[bMatrix.count - 1]
        guard bMatrix[bMatrix.count - 2] == k else {
            throw ModelError(.execution, "MatMul shapes \(describe(aShape)) and \(describe(bShape)) do not match (inner dimensions \(k) and \(bMatrix[bMatrix.count - 2]))")
        }
        let aBatch = Array(aMatrix.dropLast(2)), bBatch = Array(bMatrix.dropLast(2))
        let batch = try broadcastShape(aBatch, bBatch)
        let batches = elementCount(batch)
        let aIndex = broadcastIndices(aBatch, to: batch), bIndex = broadcastIndices(bBatch, to: batch)
        let total = batches * m * n
        let values = [T](unsafeUninitializedCapacity: total) { out, initialized in
            if total > 0 { out.baseAddress!.initialize(repeating: 0, count: total) }
            initialized = total
            guard total > 0, k > 0 else { return }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    for t in 0..<batches {
                        multiplyAccumulate(m: m, n: n, k: k,
                                           pa.baseAddress! + aIndex[t] * m * k,
                                           pb.baseAddress! + bIndex[t] * k * n,
                                           out.baseAddress! + t * m * n)
                    }
                }
            }
        }
        var shape = batch
        if aShape.count > 1 { shape.append(m) }
        if bShape.count > 1 { shape.append(n) }
        return Tensor(shape: shape, storage: T.storage(values))
    }
}

/// Gemm: `alpha * A' * B' + beta * C`, A' and B' optionally transposed, C
/// broadcast to [M, N].
struct GemmKernel: Kernel {
    let alpha: Float
    let beta: Float
    let transA: Bool
    let transB: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let a = try args.tensor(0, "A"), b = try args.tensor(1, "B")
        let c = try args.optionalTensor(2, "C")
        switch (a.storage, b.storage, c?.storage) {
        case (.float(let x), .float(let y), nil):
            return [.tensor(try gemm(x, a.shape, y, b.shape, nil, [], alpha, beta))]
        case (.float(let x), .float(let y), .float(let z)?):
            return [.tensor(try gemm(x, a.shape, y, b.shape, z, c!.shape, alpha, beta))]
        case (.double(let x), .double(let y), nil):
            return [.tensor(try gemm(x, a.shape, y, b.shape, nil, [], Double(alpha), Double(beta)))]
        case (.double(let x), .double(let y), .double(let z)?):
            return [.tensor(try gemm(x, a.shape, y, b.shape, z, c!.shape, Double(alpha), Double(beta)))]
        default:
            throw ModelError(.execution, "Gemm needs float or double inputs of one type, got \(a.elementType), \(b.elementType)\(c.map { ", \($0.elementType)" } ?? "")")
        }
    }

    private func gemm<T: ArithmeticElement>(_ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int],
                                            _ c: [T]?, _ cShape: [Int], _ alpha: T, _ beta: T) throws -> Tensor {
        guard aShape.count == 2, bShape.count == 2 else {
            throw ModelError(.execution, "Gemm needs 2-D A and B, got \(describe(aShape)) and \(describe(bShape))")
        }
        let m = transA ? aShape[1] : aShape[0], k = transA ? aShape[0] : aShape[1]
        let kb = transB ? bShape[1] : bShape[0], n = transB ? bShape[0] : bShape[1]
        guard k == kb else {
            throw ModelError(.execution, "Gemm shapes \(describe(aShape)) and \(describe(bShape)) do not match (transA=\(transA), transB=\(transB))")
        }
        let aRows = transA ? a.withUnsafeBufferPointer { transposed($0, rows: k, cols: m) } : a
        let bRows = transB ? b.withUnsafeBufferPointer { transposed($0, rows: n, cols: k) } : b
        // C is read through broadcast strides (0 on broadcast dimensions).
        var biasStrides = (row: 0, column: 0)
        if c != nil {
            guard cShape.count <= 2, (try? broadcastShape(cShape, [m, n])) == [m, n] else {
                throw ModelError(.execution, "Gemm C of shape \(describe(cShape)) does not broadcast to [\(m),\(n)]")
            }
            let s = broadcastStrides(cShape, to: [m, n])
            biasStrides = (s[0], s[1])
        }
        let total = m * n
        let values = [T](unsafeUninitializedCapacity: total) { out, initialized in
            guard total > 0 else { initialized = 0; return }
            let o = out.baseAddress!
            o.initialize(repeating: 0, count: total)
            initialized = total
            if k > 0 {
                aRows.withUnsafeBufferPointer { pa in
                    bRows.withUnsafeBufferPointer { pb in
                        multiplyAccumulate(m: m, n: n, k: k, pa.baseAddress!, pb.baseAddress!, o)
                    }
                }
            }
            if let c, beta != 0 {
                c.withUnsafeBufferPointer { pc in
                    for i in 0..<m {
                        for j in 0..<n {
                            let bias = pc[i * biasStrides.row + j * biasStrides.column]
                            o[i * n + j] = T.multiplyAdd(T.times(beta, bias), alpha, o[i * n + j])
                        }
                    }
                }
            } else if alpha != 1 {
                for i in 0..<total { o[i] = T.times(alpha, o[i]) }
            }
        }
        return Tensor(shape: [m, n], storage: T.storage(values))
    }
}

extension StandardOperators {
    static let matMulRegistrations: [KernelRegistration] =
        register("MatMul", [1, 9, 13]) { _ in MatMulKernel() }
        + register("Gemm", [1, 6, 7, 9, 11, 13]) { node in
            let attributes = StandardAttributes(node)
            return GemmKernel(alpha: try attributes.float("alpha", default: 1),
                              beta: try attributes.float("beta", default: 1),
                              transA: try attributes.int("transA", default: 0) != 0,
                              transB: try attributes.int("transB", default: 0) != 0)
        }
}
