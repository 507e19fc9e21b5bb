/// Row-by-weight products as ORT computes them with MLAS SGEMM. The batched
/// kernel (two or more rows) makes each output a fused multiply-add chain over
/// the features, starting from zero, in feature order; a single row goes
/// through MLAS's M = 1 kernel instead (`singleRow`).
///
/// Eight rows are processed together: a block of rows is copied
/// feature-major so their eight independent chains advance as one SIMD value,
/// instead of one latency-bound chain at a time.
enum MLGemm {
    /// MLAS's single-row kernel (`MlasSgemmKernelM1TransposeBAvx`), which ORT
    /// reaches whenever M = 1 and alpha = 1: per output, eight lane sums of
    /// separately rounded products (feature k in lane k mod 8), reduced in an
    /// order that depends on the output's position — outputs go in fours,
    /// then a pair, then a single — then the bias (C) is added.
    /// `out[t] = reduce(lanes(x, w[t])) + (bias?[t] ?? 0)`.
    static func singleRow(_ x: UnsafePointer<Float>, features: Int, _ w: UnsafePointer<Float>, targets: Int,
                          bias: ((Int) -> Float)?, into out: UnsafeMutablePointer<Float>, outStride: Int = 1) {
        let fours = targets / 4 * 4
        let pair = targets % 4 >= 2
        for t in 0..<targets {
            let l = lanes(x, w + t * features, features)
            let total: Float
            if t < fours {
                let low = ((l[0] + l[1]) + l[2]) + l[3]
                let high = ((l[4] + l[5]) + l[6]) + l[7]
                total = low + high
            } else if pair && t < fours + 2 {
                total = ((l[0] + l[2]) + (l[4] + l[6])) + ((l[1] + l[3]) + (l[5] + l[7]))
            } else {
                total = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
            }
            // Without C, MLAS adds a masked-out (zero) C all the same.
            out[t * outStride] = total + (bias?(t) ?? 0)
        }
    }

    /// The eight lane sums of the single-row kernel; lanes past a partial
    /// last group of eight still add a zero product, as the masked load does.
    @inline(__always)
    static func lanes(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
        var sums = SIMD8<Float>(repeating: 0)
        var k = 0
        while k + 8 <= count {
            sums = sums + MLSVMVectors.load(a + k) * MLSVMVectors.load(b + k)
            k += 8
        }
        if k < count {
            var pa = SIMD8<Float>(repeating: 0), pb = SIMD8<Float>(repeating: 0)
            for j in 0..<(count - k) {
                pa[j] = a[k + j]
                pb[j] = b[k + j]
            }
            sums = sums + pa * pb
        }
        return sums
    }

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
