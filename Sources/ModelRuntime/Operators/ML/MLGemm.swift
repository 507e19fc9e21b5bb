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

    /// MLAS's K blocking for a GEMM with `outputs` columns over `depth`
    /// products (no-transpose A): the chain restarts every this many features.
    static func strideK(outputs: Int, depth: Int) -> Int {
        guard depth > 0 else { return 128 }
        var strideN = 128, strideK = 128
        if outputs >= depth {
            while strideK / 2 >= depth {
                strideN *= 2
                strideK /= 2
            }
        } else {
            while strideN > 16 && strideN / 2 >= outputs {
                strideK *= 2
                strideN /= 2
            }
        }
        return strideK
    }

    /// Combines the chain of one K block with the output so far, as the MLAS
    /// kernel does: the first block without C is just scaled (ZeroMode), later
    /// blocks (and a first block with C) are fused: partial · alpha + C.
    @inline(__always)
    static func accumulate(_ partial: Float, alpha: Float, into c: Float?) -> Float {
        guard let c else { return alpha == 1 ? partial : partial * alpha }
        return MLMath.fma(partial, alpha, c)
    }

    /// `out[r * outStride + t] = alpha · Σ_k x[r, k] · w[t, k] + bias(t)` for
    /// `rows` (≥ 2) rows of `features` values and `targets` weight rows, with
    /// MLAS's K blocking: each block is a fused chain from zero, folded into
    /// the output with `accumulate`.
    static func multiply(_ x: UnsafePointer<Float>, rows: Int, features: Int,
                         _ w: UnsafePointer<Float>, targets: Int, bias: ((Int) -> Float)?,
                         into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let stride = strideK(outputs: targets, depth: features)
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
                    var c: SIMD8<Float>? = bias.map { SIMD8<Float>(repeating: $0(t)) }
                    var start = 0
                    repeat {
                        let end = min(features, start + stride)
                        var acc = SIMD8<Float>(repeating: 0)
                        for k in start..<end {
                            let column = SIMD8<Double>(MLSVMVectors.load(xt + k &* 8))
                            acc = SIMD8<Float>(column * Double(weights[k]) + SIMD8<Double>(acc))
                        }
                        c = c.map { SIMD8<Float>(SIMD8<Double>(acc) + SIMD8<Double>($0)) } ?? acc
                        start = end
                    } while start < features
                    let result = c ?? SIMD8<Float>(repeating: 0)
                    for lane in 0..<8 { out[(first + lane) * outStride + t] = result[lane] }
                }
                first += 8
            }
            while first < rows {
                let row = x + first * features
                for t in 0..<targets {
                    out[first * outStride + t] = blockedDot(row, w + t * features, features, stride: stride,
                                                            alpha: 1, c: bias?(t))
                }
                first += 1
            }
        }
    }

    /// One output of the batched kernel: fused chains per K block, folded
    /// into `c` (nil: no C term) with `accumulate`.
    @inline(__always)
    static func blockedDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int, stride: Int,
                           alpha: Float, c: Float?) -> Float {
        var out = c
        var start = 0
        repeat {
            let end = min(count, start + stride)
            out = accumulate(MLMath.gemmDot(a + start, b + start, end - start), alpha: alpha, into: out)
            start = end
        } while start < count
        return out ?? 0
    }
}
