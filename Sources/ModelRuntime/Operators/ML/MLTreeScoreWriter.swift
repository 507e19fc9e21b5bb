#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ORT's `write_scores` (ml_common.h) as the tree ensembles call it: the
/// post-transform of one row of scores, written to the float output.
///
/// `values` hold the row in ThresholdType with targets that received no
/// value already zeroed (ORT's ScoreValue reads as 0 without `has_score`).
enum MLTreeScoreWriter {
    /// How a single score is widened to two columns (ORT's `add_second_class`).
    enum SecondClass {
        /// ORT's -1: one column only.
        case none
        /// ORT's 0 and 1: `[1 - s, s]`, or `[1 - logistic(s), logistic(s)]` under LOGISTIC.
        case complement
        /// ORT's 2 and 3: `[-s, s]`, or `[logistic(-s), logistic(s)]` under LOGISTIC.
        case negate
    }

    /// Writes the transformed `count` values (count ≥ 2), or for a single value
    /// one or two columns per `secondClass`. `out` has room for max(count, 2).
    @inline(__always)
    static func write<T: BinaryFloatingPoint>(_ values: UnsafeMutablePointer<T>, _ count: Int,
                                              _ transform: MLPostTransform, _ secondClass: SecondClass,
                                              _ out: UnsafeMutablePointer<Float>) {
        if count >= 2 {
            switch transform {
            case .probit:
                for i in 0..<count { out[i] = MLMath.probit(Float(values[i])) }
            case .logistic:
                for i in 0..<count { out[i] = MLMath.logistic(Float(values[i])) }
            case .softmax:
                // ComputeSoftmax works in float whatever the score type.
                for i in 0..<count { out[i] = Float(values[i]) }
                MLMath.softmax(out, count)
            case .softmaxZero:
                var vMax = -Float.greatestFiniteMagnitude
                for i in 0..<count where Float(values[i]) > vMax { vMax = Float(values[i]) }
                let expNegMax = expf(-vMax)
                var sum: Float = 0
                for i in 0..<count {
                    let f = Float(values[i])
                    if f > 0.0000001 || f < -0.0000001 {
                        values[i] = T(expf(f - vMax))
                        sum += Float(values[i])
                    } else {
                        // ScoreValue * float multiplies in the score type.
                        values[i] = values[i] * T(expNegMax)
                    }
                }
                for i in 0..<count { out[i] = Float(values[i] / T(sum)) }
            case .none:
                for i in 0..<count { out[i] = Float(values[i]) }
            }
            return
        }
        guard count == 1 else { return }
        let v = values[0]
        if transform == .probit {
            out[0] = MLMath.probit(Float(v))
            return
        }
        switch secondClass {
        case .none:
            out[0] = Float(v)
        case .complement:
            if transform == .logistic {
                let p = MLMath.logistic(Float(v))
                out[0] = 1 - p
                out[1] = p
            } else {
                out[0] = Float(1 - v)
                out[1] = Float(v)
            }
        case .negate:
            if transform == .logistic {
                out[0] = MLMath.logistic(Float(-v))
                out[1] = MLMath.logistic(Float(v))
            } else {
                out[0] = Float(-v)
                out[1] = Float(v)
            }
        }
    }
}
