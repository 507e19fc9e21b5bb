#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The scalar math of onnxruntime's ML kernels (`ml_common.h`) and the MLAS
/// vector routines they call, written out so results match ORT bit for bit.
///
/// Every formula keeps ORT's evaluation order and float precision: Swift never
/// reassociates or contracts floating-point expressions, so `a * b + c` here
/// rounds twice exactly like ORT's scalar C++, and `fma` is used where MLAS
/// uses fused multiply-add (its FMA3 kernels on x86-64).
enum MLMath {
    // MARK: scalar functions of ml_common.h

    /// ORT's `ComputeLogistic`: exact logistic through `expf` of a non-positive value.
    @inline(__always)
    static func logistic(_ x: Float) -> Float {
        let v: Float = 1 / (1 + expf(-abs(x)))
        return x < 0 ? 1 - v : v
    }

    // ORT writes 2 / (float(M_PI) * 0.147f) and 1 / 0.147f; Float.pi is rounded
    // toward zero, so pi comes from Double.pi rounded to nearest like the C cast.
    private static let erfInvA: Float = 2 / (Float(Double.pi) * 0.147)
    private static let erfInvB: Float = 1 / Float(0.147)

    /// ORT's `ErfInv` (Winitzki's approximation with a = 0.147).
    @inline(__always)
    static func erfInv(_ value: Float) -> Float {
        let sgn: Float = value < 0 ? -1 : 1
        let x = (1 - value) * (1 + value)
        let lg = logf(x)
        let v = erfInvA + 0.5 * lg
        let v2 = erfInvB * lg
        let v3 = -v + (v * v - v2).squareRoot()
        return sgn * v3.squareRoot()
    }

    /// ORT's `ComputeProbit`: sqrt(2) * ErfInv(2p - 1).
    @inline(__always)
    static func probit(_ x: Float) -> Float {
        Float(2).squareRoot() * erfInv(2 * x - 1)
    }

    /// libsvm's Platt scaling as ORT computes it (`sigmoid_probability`).
    @inline(__always)
    static func sigmoidProbability(_ score: Float, _ a: Float, _ b: Float) -> Float {
        let val = score * a + b
        return 1 - logistic(val)
    }

    /// ORT's `ComputeSoftmax` over `count` floats in place (float math, `expf`).
    static func softmax(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        var vMax = -Float.greatestFiniteMagnitude
        for i in 0..<count where values[i] > vMax { vMax = values[i] }
        var sum: Float = 0
        for i in 0..<count {
            values[i] = expf(values[i] - vMax)
            sum += values[i]
        }
        for i in 0..<count { values[i] = values[i] / sum }
    }

    /// ORT's `ComputeSoftmaxZero`: like softmax but values within 1e-7 of zero
    /// are scaled by exp(-max) instead of exponentiated.
    static func softmaxZero(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        var vMax = -Float.greatestFiniteMagnitude
        for i in 0..<count where values[i] > vMax { vMax = values[i] }
        let expNegMax = expf(-vMax)
        var sum: Float = 0
        for i in 0..<count {
            let v = values[i]
            if v > 0.0000001 || v < -0.0000001 {
                values[i] = expf(v - vMax)
                sum += values[i]
            } else {
                values[i] = v * expNegMax
            }
        }
        for i in 0..<count { values[i] = values[i] / sum }
    }

    // MARK: MLAS routines (FMA3 kernels, as dispatched on x86-64 with AVX2)

    /// a · b + c rounded once, as a fused multiply-add instruction computes it.
    /// Built for a generic x86-64 target, `Float.addingProduct` becomes a libm
    /// call per use; instead the product is formed exactly in double (24-bit
    /// significands multiply into at most 48 bits) and the sum rounded in
    /// double, then to float. That double rounding differs from a true fused
    /// result only when the double sum falls exactly halfway between two
    /// floats, about once in 2^28 operations.
    @inline(__always)
    static func fma(_ a: Float, _ b: Float, _ c: Float) -> Float {
        Float(Double(a) * Double(b) + Double(c))
    }

    /// `MlasComputeLogistic`: Eigen's rational approximation, clamped to [-18, 18].
    @inline(__always)
    static func mlasLogistic(_ input: Float) -> Float {
        // Two-step clamp so NaN passes through, as in MLAS.
        let t: Float = input < -18 ? -18 : input
        let x: Float = t > 18 ? 18 : t
        let x2 = x * x
        var p = fma(x2, Float(4.37031012579801e-11), 1.15627324459942e-07)
        p = fma(p, x2, 6.08574864600143e-05)
        p = fma(p, x2, 8.51377133304701e-03)
        p = fma(p, x2, 2.48287947061529e-01)
        p = p * x
        var q = fma(x2, Float(6.10247389755681e-13), 5.76102136993427e-09)
        q = fma(q, x2, 6.29106785017040e-06)
        q = fma(q, x2, 1.70198817374094e-03)
        q = fma(q, x2, 1.16817656904453e-01)
        q = fma(q, x2, 9.93151921023180e-01)
        let r = p / q + 0.5
        // MLAS clamps to [0, 1] with min/max, which let NaN through as NaN here.
        if r < 0 { return 0 }
        if r > 1 { return 1 }
        return r
    }

    /// `MlasComputeTanh`: Eigen's rational approximation, clamped to [-9, 9].
    @inline(__always)
    static func mlasTanh(_ input: Float) -> Float {
        let t: Float = input < -9 ? -9 : input
        let x: Float = t > 9 ? 9 : t
        let x2 = x * x
        var p = fma(x2, Float(-2.76076847742355e-16), 2.00018790482477e-13)
        p = fma(p, x2, -8.60467152213735e-11)
        p = fma(p, x2, 5.12229709037114e-08)
        p = fma(p, x2, 1.48572235717979e-05)
        p = fma(p, x2, 6.37261928875436e-04)
        p = fma(p, x2, 4.89352455891786e-03)
        p = p * x
        var q = fma(x2, Float(1.19825839466702e-06), 1.18534705686654e-04)
        q = fma(q, x2, 2.26843463243900e-03)
        q = fma(q, x2, 4.89352518554385e-03)
        return p / q
    }

    /// MlasComputeSoftmax for one row as dispatched on AVX512F machines (the
    /// kind ORT's reference outputs come from): exp by MLAS's polynomial with
    /// power-of-two scaling, summed in 16 lanes (blocks of 48, then of 16),
    /// lanes reduced pairwise, and every value multiplied by 1 / sum.
    static func mlasSoftmax(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        guard count > 0 else { return }
        var maximum = -Float.greatestFiniteMagnitude
        for i in 0..<count where values[i] > maximum { maximum = values[i] }
        let negativeMaximum = -maximum
        var lanes = SIMD16<Float>(repeating: 0)
        var i = 0
        while count - i >= 48 {
            // Three vectors of exponentials, then added to the lanes in turn.
            for chunk in 0..<3 {
                for lane in 0..<16 { values[i + 16 * chunk + lane] = mlasExpShifted(values[i + 16 * chunk + lane], negativeMaximum) }
            }
            for chunk in 0..<3 {
                for lane in 0..<16 { lanes[lane] = lanes[lane] + values[i + 16 * chunk + lane] }
            }
            i += 48
        }
        while i < count {
            for lane in 0..<min(16, count - i) {
                let e = mlasExpShifted(values[i + lane], negativeMaximum)
                values[i + lane] = e
                lanes[lane] = lanes[lane] + e
            }
            i += 16
        }
        var halves = SIMD8<Float>(repeating: 0)
        for lane in 0..<8 { halves[lane] = lanes[lane + 8] + lanes[lane] }
        let sum = ((halves[0] + halves[1]) + (halves[2] + halves[3])) + ((halves[4] + halves[5]) + (halves[6] + halves[7]))
        let scale = 1 / sum
        for i in 0..<count { values[i] = values[i] * scale }
    }

    /// exp(x - max) as MLAS's AVX512F SumExp kernel computes it.
    @inline(__always)
    static func mlasExpShifted(_ x: Float, _ negativeMaximum: Float) -> Float {
        var v = x + negativeMaximum
        let lowerRange: Float = -103.9720840454
        if !(v > lowerRange) && !v.isNaN { v = lowerRange }
        let roundingBias: Float = 12582912
        let biased = fma(1.44269504088896341, v, roundingBias)
        let m = biased - roundingBias
        v = fma(m, -6.93145752e-1, v)
        v = fma(m, -1.42860677e-6, v)
        var p = fma(Float(0x1.694000p-10), v, Float(0x1.125edcp-7))
        p = fma(p, v, Float(0x1.555b5ap-5))
        p = fma(p, v, Float(0x1.555450p-3))
        p = fma(p, v, Float(0x1.fffff6p-2))
        p = fma(p, v, 1)
        p = fma(p, v, 1)
        // vscalefps: p · 2^m with one rounding (exact in double first).
        guard m.isFinite else { return p * m }
        return Float(Double(p) * Double(sign: .plus, exponent: Int(m), significand: 1))
    }

    /// One output of MLAS SGEMM: a dot product accumulated left to right with
    /// fused multiply-add from zero, as the FMA3 SGEMM kernels do per element.
    @inline(__always)
    static func gemmDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc: Float = 0
        for k in 0..<count { acc = fma(a[k], b[k], acc) }
        return acc
    }

    // MARK: pairwise coupling

    /// ORT's `multiclass_probability` (Wu, Lin and Weng's second method, as in
    /// libsvm) in float precision: at most 100 iterations, stopping once the
    /// largest error is below 0.005 / k. `r` is k×k pairwise probabilities,
    /// `p` receives k class probabilities; `q` (k×k) and `qp` (k) are scratch.
    static func multiclassProbability(_ k: Int, r: UnsafePointer<Float>, p: UnsafeMutablePointer<Float>,
                                      q: UnsafeMutablePointer<Float>, qp: UnsafeMutablePointer<Float>) {
        for i in 0..<(k * k) { q[i] = 0 }
        for i in 0..<k { qp[i] = 0 }
        let eps: Float = 0.005 / Float(k)
        for i in 0..<k {
            p[i] = 1 / Float(k)
            for j in 0..<i {
                q[i * k + i] += r[j * k + i] * r[j * k + i]
                q[i * k + j] = q[j * k + i]
            }
            for j in (i + 1)..<k {
                q[i * k + i] += r[j * k + i] * r[j * k + i]
                q[i * k + j] = -r[j * k + i] * r[i * k + j]
            }
        }
        for _ in 0..<100 {
            var pQp: Float = 0
            for i in 0..<k {
                qp[i] = 0
                for j in 0..<k { qp[i] += q[i * k + j] * p[j] }
                pQp += p[i] * qp[i]
            }
            var maxError: Float = 0
            for i in 0..<k {
                let error = abs(qp[i] - pQp)
                if error > maxError { maxError = error }
            }
            if maxError < eps { break }
            for i in 0..<k {
                let diff = (-qp[i] + pQp) / q[i * k + i]
                p[i] += diff
                pQp = (pQp + diff * (diff * q[i * k + i] + 2 * qp[i])) / (1 + diff) / (1 + diff)
                for j in 0..<k {
                    qp[j] = (qp[j] + diff * q[i * k + j]) / (1 + diff)
                    p[j] /= (1 + diff)
                }
            }
        }
    }
}
