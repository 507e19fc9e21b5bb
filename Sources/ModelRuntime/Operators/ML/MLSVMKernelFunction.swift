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

    /// Writes k(row, vectors[i]) for `count` vectors of `features` floats each.
    /// `constant` is added to LINEAR results when non-zero (ORT's GEMM C term).
    @inline(__always)
    func evaluate(_ row: UnsafePointer<Float>, _ vectors: UnsafePointer<Float>, count: Int, features: Int,
                  constant: Float, into out: UnsafeMutablePointer<Float>) {
        switch kind {
        case .rbf:
            let g = -gamma
            var v = vectors
            for i in 0..<count {
                var sum: Float = 0
                for f in 0..<features {
                    let d = row[f] - v[f]
                    sum += d * d
                }
                out[i] = expf(g * sum)
                v += features
            }
        case .linear:
            for i in 0..<count {
                let dot = MLMath.gemmDot(row, vectors + i * features, features)
                out[i] = constant != 0 ? dot + constant : dot
            }
        case .poly:
            for i in 0..<count {
                let base = MLMath.fma(MLMath.gemmDot(row, vectors + i * features, features), gamma, coef0)
                if degree == 2 {
                    out[i] = base * base
                } else if degree == 3 {
                    out[i] = base * base * base
                } else {
                    out[i] = powf(base, degree)
                }
            }
        case .sigmoid:
            for i in 0..<count {
                let base = MLMath.fma(MLMath.gemmDot(row, vectors + i * features, features), gamma, coef0)
                out[i] = MLMath.mlasTanh(base)
            }
        }
    }
}
