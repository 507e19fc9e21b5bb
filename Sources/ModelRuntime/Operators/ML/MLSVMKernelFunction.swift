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
    func evaluate(_ row: UnsafePointer<Float>, _ vectors: MLSVMVectors, constant: Float,
                  into out: UnsafeMutablePointer<Float>, outStride: Int = 1) {
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
                    var acc = SIMD8<Float>(repeating: 0)
                    for f in 0..<features {
                        let x = SIMD8<Double>(repeating: Double(row[f]))
                        let w = SIMD8<Double>(MLSVMVectors.load(columns + (f &* padded &+ block)))
                        acc = SIMD8<Float>(x * w + SIMD8<Double>(acc))
                    }
                    switch kind {
                    case .linear:
                        result = constant != 0 ? acc + SIMD8<Float>(repeating: constant) : acc
                    case .poly:
                        let base = SIMD8<Float>(SIMD8<Double>(acc) * Double(gamma) + Double(coef0))
                        if degree == 2 {
                            result = base * base
                        } else if degree == 3 {
                            result = base * base * base
                        } else {
                            for lane in 0..<lanes { result[lane] = powf(base[lane], degree) }
                        }
                    default:
                        let base = SIMD8<Float>(SIMD8<Double>(acc) * Double(gamma) + Double(coef0))
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
/// given, and feature-major with the vector count padded to a multiple of 8,
/// so eight vectors load as one SIMD value per feature.
struct MLSVMVectors: Sendable {
    let count: Int
    let features: Int
    let padded: Int
    let columns: [Float]

    init(_ rowMajor: [Float], count: Int, features: Int) {
        self.count = count
        self.features = features
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
