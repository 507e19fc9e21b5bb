/// Row-by-weight products as ORT computes them with MLAS SGEMM (batched
/// kernel): each output is a fused multiply-add chain over the features,
/// starting from zero, in feature order.
///
/// Eight rows are processed together: a block of rows is copied
/// feature-major so their eight independent chains advance as one SIMD value,
/// instead of one latency-bound chain at a time.
enum MLGemm {
    /// `out[r * outStride + t] = Σ_k x[r, k] · w[t, k]` for `rows` rows of
    /// `features` values and `targets` weight rows of `features` values.
    static func multiply(_ x: UnsafePointer<Float>, rows: Int, features: Int,
                         _ w: UnsafePointer<Float>, targets: Int,
                         into out: UnsafeMutablePointer<Float>, outStride: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(features, 1) * 8) { block in
            let xt = block.baseAddress!
            var first = 0
            while first + 8 <= rows {
                for lane in 0..<8 {
                    let row = x + (first + lane) * features
                    for k in 0..<features { xt[k &* 8 &+ lane] = row[k] }
                }
                for t in 0..<targets {
                    let weights = w + t * features
                    var acc = SIMD8<Float>(repeating: 0)
                    for k in 0..<features {
                        let column = SIMD8<Double>(MLSVMVectors.load(xt + k &* 8))
                        acc = SIMD8<Float>(column * Double(weights[k]) + SIMD8<Double>(acc))
                    }
                    for lane in 0..<8 { out[(first + lane) * outStride + t] = acc[lane] }
                }
                first += 8
            }
            while first < rows {
                let row = x + first * features
                for t in 0..<targets {
                    out[first * outStride + t] = MLMath.gemmDot(row, w + t * features, features)
                }
                first += 1
            }
        }
    }
}
