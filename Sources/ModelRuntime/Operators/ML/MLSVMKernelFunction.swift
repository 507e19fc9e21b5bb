#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel function shared by SVMClassifier and SVMRegressor (ORT's
/// `SVMCommon::batched_kernel_dot`), evaluated exactly as ORT does:
///
/// - RBF: exp(-gamma · Σ (x - v)²), summed left to right in float.
/// - LINEAR: x · v through MLAS SGEMM (fused accumulation), plus an optional constant.
/// - POLY: (gamma · (x · v) + coef0)^degree; squares and cubes multiply,
///   other degrees use powf.
/// - SIGMOID: MLAS tanh(gamma · (x · v) + coef0).
struct MLSVMKernelFunction: Sendable {
    enum Kind: String, Sendable {
        case linear = "LINEAR"
        case poly = "POLY"
        case rbf = "RBF"
        case sigmoid = "SIGMOID"
    }

    var kind: Kind
    let gamma: Float
    let coef0: Float
    let degree: Float

    init(_ a: MLAttributes) throws {
        let text = try a.string("kernel_type", default: "LINEAR")
        guard let k = Kind(rawValue: text) else {
            throw a.unsupported("kernel_type", "has unknown value '\(text)' (expected LINEAR, POLY, RBF or SIGMOID)")
        }
        kind = k
        // ORT requires the attribute (it may be empty for liblinear models).
        guard a.has("kernel_params") else { throw a.invalid("kernel_params", "is missing") }
        let params = try a.floats("kernel_params")
        if params.isEmpty {
            (gamma, coef0, degree) = (0, 0, 0)
        } else {
            guard params.count >= 3 else {
                throw a.invalid("kernel_params", "must hold gamma, coef0 and degree, found \(params.count) values")
            }
            (gamma, coef0, degree) = (params[0], params[1], params[2])
        }
    }

    /// Writes k(row, v) for every vector v into `out[v * outStride]`.
    /// `constant` is added to LINEAR results when non-zero (ORT's GEMM C term).
    ///
    /// Eight vectors are evaluated at a time from the feature-major copy: each
    /// lane runs exactly ORT's per-vector sequence (same operations, same
    /// order), only eight sequences proceed side by side.
    ///
    /// `singleRow` says the call holds one row: ORT's GEMM then runs MLAS's
    /// M = 1 kernel when alpha is 1 (LINEAR, or POLY/SIGMOID with gamma 1),
    /// whose summation order differs, so that path is reproduced instead.
    func evaluate(_ row: UnsafePointer<Float>, _ vectors: MLSVMVectors, constant: Float,
                  into out: UnsafeMutablePointer<Float>, outStride: Int = 1, singleRow: Bool = false) {
        if singleRow && kind != .rbf && (kind == .linear || gamma == 1) {
            let c = kind == .linear ? constant : coef0
            vectors.rows.withUnsafeBufferPointer { rb in
                MLGemm.singleRow(row, features: vectors.features, rb.baseAddress!, targets: vectors.count,
                                 bias: c != 0 ? { _ in c } : nil, into: out, outStride: outStride)
            }
            for v in 0..<vectors.count {
                let base = out[v * outStride]
                switch kind {
                case .poly:
                    out[v * outStride] = degree == 2 ? base * base : degree == 3 ? base * base * base : powf(base, degree)
                case .sigmoid:
                    out[v * outStride] = MLMath.mlasTanh(base)
                default:
                    break
                }
            }
            return
        }
        let features = vectors.features
        let padded = vectors.padded
        vectors.columns.withUnsafeBufferPointer { cb in
            guard let columns = cb.baseAddress else { return }
            var block = 0
            while block < vectors.count {
                let lanes = Swift.min(8, vectors.count - block)
                var result = SIMD8<Float>(repeating: 0)
                switch kind {
                case .rbf:
                    var sum = SIMD8<Float>(repeating: 0)
                    for f in 0..<features {
                        let d = SIMD8<Float>(repeating: row[f]) - MLSVMVectors.load(columns + (f &* padded &+ block))
                        sum = sum + d * d
                    }
                    let g = -gamma
                    for lane in 0..<lanes { result[lane] = expf(g * sum[lane]) }
                case .linear, .poly, .sigmoid:
                    // ORT's GEMM: alpha 1 and C = constant for LINEAR, alpha gamma
                    // and C = coef0 otherwise (a zero C is no C), with MLAS's K blocks.
                    let alpha = kind == .linear ? 1 : gamma
                    let cValue = kind == .linear ? constant : coef0
                    var c: SIMD8<Float>? = cValue != 0 ? SIMD8<Float>(repeating: cValue) : nil
                    var start = 0
                    repeat {
                        let end = Swift.min(features, start + vectors.strideK)
                        var acc = SIMD8<Float>(repeating: 0)
                        for f in start..<end {
                            let x = SIMD8<Double>(repeating: Double(row[f]))
                            let w = SIMD8<Double>(MLSVMVectors.load(columns + (f &* padded &+ block)))
                            acc = SIMD8<Float>(x * w + SIMD8<Double>(acc))
                        }
                        if let previous = c {
                            c = SIMD8<Float>(SIMD8<Double>(acc) * Double(alpha) + SIMD8<Double>(previous))
                        } else {
                            c = alpha == 1 ? acc : SIMD8<Float>(SIMD8<Double>(acc) * Double(alpha))
                        }
                        start = end
                    } while start < features
                    let base = c ?? SIMD8<Float>(repeating: 0)
                    switch kind {
                    case .linear:
                        result = base
                    case .poly:
                        if degree == 2 {
                            result = base * base
                        } else if degree == 3 {
                            result = base * base * base
                        } else {
                            for lane in 0..<lanes { result[lane] = powf(base[lane], degree) }
                        }
                    default:
                        for lane in 0..<lanes { result[lane] = MLMath.mlasTanh(base[lane]) }
                    }
                }
                for lane in 0..<lanes { out[(block &+ lane) &* outStride] = result[lane] }
                block &+= 8
            }
        }
    }
}

/// Support vectors (or liblinear coefficient rows) kept twice: row-major as
/// given (for the single-row kernel), and feature-major with the vector count
/// padded to a multiple of 8,
/// so eight vectors load as one SIMD value per feature.
struct MLSVMVectors: Sendable {
    let count: Int
    let features: Int
    let padded: Int
    let rows: [Float]
    let columns: [Float]
    /// MLAS's K block for a GEMM against these vectors (see `MLGemm.strideK`).
    let strideK: Int

    init(_ rowMajor: [Float], count: Int, features: Int) {
        self.count = count
        self.features = features
        rows = rowMajor
        strideK = MLGemm.strideK(outputs: count, depth: features)
        padded = (count + 7) / 8 * 8
        var columns = [Float](repeating: 0, count: padded * features)
        for v in 0..<count {
            for f in 0..<features { columns[f * padded + v] = rowMajor[v * features + f] }
        }
        self.columns = columns
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}
