/// The `post_transform` attribute shared by the ML classifiers and regressors.
enum MLPostTransform: String, Sendable {
    case none = "NONE"
    case logistic = "LOGISTIC"
    case softmax = "SOFTMAX"
    case softmaxZero = "SOFTMAX_ZERO"
    case probit = "PROBIT"
}

/// ORT's `batched_update_scores_inplace` (ml_common.h), used by
/// LinearClassifier, LinearRegressor and SVMClassifier.
enum MLScoreUpdate {
    /// How a single score per row is widened to two columns (ORT's `add_second_class`).
    enum SecondClass {
        /// Leave one column per row.
        case none
        /// `[1 - s, s]`, or `[1 - logistic(s), logistic(s)]` under LOGISTIC
        /// (ORT's 0 and 1: all weights positive).
        case complement
        /// `[-s, s]`, or `[logistic(-s), logistic(s)]` under LOGISTIC (ORT's 2 and 3).
        case negate
    }

    /// Transforms `rows × perRow` scores in place. With `perRow == 1` and a
    /// `secondClass` other than `.none`, `scores` must hold `2 × rows` floats:
    /// the raw scores sit at `scores[r]` when `packed` (ORT transforming a whole
    /// batch at once) or at `scores[2 * r]` when each row already has its two
    /// slots (ORT transforming row by row), and each row is widened to two columns.
    /// `rowsPerCall` is how many rows ORT passes to one call (all of them for
    /// the linear models, one for SVMClassifier): with `perRow`, it decides
    /// whether SOFTMAX runs as MlasComputeSoftmax or as ORT's scalar loop.
    static func apply(_ scores: UnsafeMutablePointer<Float>, rows: Int, perRow: Int,
                      transform: MLPostTransform, secondClass: SecondClass, packed: Bool, rowsPerCall: Int? = nil) {
        let count = rows * perRow
        if perRow > 1 {
            switch transform {
            case .probit:
                for i in 0..<count { scores[i] = MLMath.probit(scores[i]) }
            case .logistic:
                for i in 0..<count { scores[i] = MLMath.mlasLogistic(scores[i]) }
            case .softmax:
                // ORT's thresholds for handing the batch to MLAS.
                let scoresPerCall = (rowsPerCall ?? rows) * perRow
                let useMLAS: Bool
                switch perRow {
                case 2: useMLAS = scoresPerCall >= 32 * 1024
                case 3, 4: useMLAS = scoresPerCall >= 16 * 1024
                default: useMLAS = true
                }
                for r in 0..<rows {
                    if useMLAS {
                        MLMath.mlasSoftmax(scores + r * perRow, perRow)
                    } else {
                        MLMath.softmax(scores + r * perRow, perRow)
                    }
                }
            case .softmaxZero:
                for r in 0..<rows { MLMath.softmaxZero(scores + r * perRow, perRow) }
            case .none:
                break
            }
            return
        }
        guard perRow == 1 else { return }
        if transform == .probit {
            // ORT transforms the raw scores only and writes no second column.
            if packed {
                for i in 0..<count { scores[i] = MLMath.probit(scores[i]) }
            } else {
                for r in 0..<rows { scores[2 * r] = MLMath.probit(scores[2 * r]) }
            }
            return
        }
        let widen: (Float, UnsafeMutablePointer<Float>) -> Void
        switch secondClass {
        case .none:
            return
        case .complement:
            if transform == .logistic {
                widen = { s, out in let p = MLMath.logistic(s); out[0] = 1 - p; out[1] = p }
            } else {
                widen = { s, out in out[0] = 1 - s; out[1] = s }
            }
        case .negate:
            if transform == .logistic {
                widen = { s, out in out[0] = MLMath.logistic(-s); out[1] = MLMath.logistic(s) }
            } else {
                widen = { s, out in out[0] = -s; out[1] = s }
            }
        }
        if packed {
            // Back to front so the packed scores are read before being overwritten.
            var r = rows
            while r > 0 {
                r -= 1
                widen(scores[r], scores + 2 * r)
            }
        } else {
            for r in 0..<rows { widen(scores[2 * r], scores + 2 * r) }
        }
    }
}
