/// `TreeEnsembleClassifier` (ai.onnx.ml 1 and 3), following ORT's
/// tree_ensemble_common.h and TreeAggregatorClassifier. Output: the label per
/// row and float scores [rows, classes].
///
/// Leaf weights are summed per class (whatever `aggregate_function` says, as
/// in ORT), in double for double input and float otherwise, then base values
/// are added:
/// - 3+ classes: classes no tree reached take their base value; the label is
///   the first class with the highest score among those that have one.
/// - 2 classes: ORT's binary rules, including its quirks: when only one class
///   id carries weights ("binary case") the label compares the positive score
///   with 0.5 (all weights ≥ 0) or 0 (mixed signs) and a single score widens
///   to `[1 - s, s]` (`[1 - p, p]`, p = logistic(s), under LOGISTIC) or
///   `[-s, s]`; otherwise the label depends on the positive score being > 0
///   and, for int64 labels, is the number 1 or 0 itself rather than
///   `classlabels_int64s[1]`/`[0]` (string labels do map through the list).
/// Input may be float, double, int64 or int32 (integers compare as float).
struct MLTreeEnsembleClassifier: Kernel {
    let label: String
    let labels: MLClassLabels
    let classCount: Int
    let transform: MLPostTransform
    let floatForest: MLTreeForest<Float>
    let doubleForest: MLTreeForest<Double>
    let baseFloat: [Float]
    let baseDouble: [Double]
    let binaryCase: Bool
    let weightsAreAllPositive: Bool

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "TreeEnsembleClassifier", sinceVersion: 1) { try MLTreeEnsembleClassifier($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        transform = try a.postTransform()
        let aggregateName = try a.string("aggregate_function", default: "SUM")
        guard MLTreeAggregate(rawValue: aggregateName) != nil else {
            throw a.unsupported("aggregate_function", "has unknown value '\(aggregateName)' (expected SUM, AVERAGE, MIN or MAX)")
        }
        labels = try MLClassLabels.read(a, strings: "classlabels_strings", ints: "classlabels_int64s")
        classCount = labels.count
        guard classCount >= 2 else {
            throw a.unsupported("classlabels_int64s", "lists \(classCount) class(es); at least two are supported")
        }
        let definition = try MLTreeDefinition(a, weightPrefix: "class")
        try definition.checkTargets(a, "class_ids", count: classCount)
        let baseCount = definition.baseValues.count
        if classCount == 2 ? baseCount > 2 : (baseCount != 0 && baseCount != classCount) {
            throw a.invalid("base_values", "has \(baseCount) values, expected \(classCount == 2 ? "at most 2" : "0 or \(classCount)")")
        }
        floatForest = definition.forest(Float.self)
        doubleForest = definition.forest(Double.self)
        baseFloat = definition.baseValues.map { Float($0) }
        baseDouble = definition.baseValues
        weightsAreAllPositive = definition.weightValues.allSatisfy { !($0 < 0) }
        binaryCase = classCount == 2 && Set(definition.weightTargets).count == 1
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        guard floatForest.maxFeature < cols else {
            throw ModelError(.invalidInput, "\(label): the trees read feature \(floatForest.maxFeature) but the input has \(cols) features")
        }
        let result: (choices: [Int], raw: [Bool], scores: [Float])
        switch x.storage {
        case .double(let v):
            result = run(doubleForest, baseDouble, v, rows, cols)
        case .float(let v):
            result = run(floatForest, baseFloat, v, rows, cols)
        case .int64, .int32:
            result = run(floatForest, baseFloat, try MLInput.floats(x, label), rows, cols)
        default:
            throw ModelError(.invalidInput, "\(label): input must be float, double, int64 or int32, found \(x.elementType)")
        }
        let labelTensor: Tensor
        switch labels {
        case .ints(let v):
            labelTensor = Tensor(shape: [rows], int64s: (0..<rows).map {
                result.raw[$0] ? Int64(result.choices[$0]) : v[result.choices[$0]]
            })
        case .strings(let v):
            labelTensor = Tensor(shape: [rows], strings: result.choices.map { v[$0] })
        }
        return [.tensor(labelTensor), .tensor(Tensor(shape: [rows, classCount], floats: result.scores))]
    }

    /// Class index per row (or the raw label 0/1 when `raw`), and the scores.
    private func run<T: BinaryFloatingPoint & Sendable>(_ forest: MLTreeForest<T>, _ base: [T], _ xs: [T],
                                                       _ rows: Int, _ cols: Int) -> ([Int], [Bool], [Float]) {
        let n = classCount
        var choices = [Int](repeating: 0, count: rows)
        var raw = [Bool](repeating: false, count: rows)
        // Zero-filled: a binary row may fill only its first column, as in ORT.
        var out = [Float](repeating: 0, count: rows * n)
        if rows == 0 { return (choices, raw, out) }
        var scores = [T](repeating: 0, count: rows * n)
        var has = [UInt8](repeating: 0, count: rows * n)
        var values = [T](repeating: 0, count: n)
        xs.withUnsafeBufferPointer { xb in
        scores.withUnsafeMutableBufferPointer { sb in
        has.withUnsafeMutableBufferPointer { hb in
        values.withUnsafeMutableBufferPointer { vb in
        out.withUnsafeMutableBufferPointer { ob in
            let s = sb.baseAddress!, h = hb.baseAddress!, v = vb.baseAddress!, o = ob.baseAddress!
            forest.accumulate(xb.baseAddress!, rows: rows, stride: cols, targets: n, aggregate: .sum, scores: s, has: h)
            for r in 0..<rows {
                let row = s + r * n, rowHas = h + r * n
                if n > 2 {
                    for k in 0..<base.count {
                        if rowHas[k] == 0 {
                            rowHas[k] = 1
                            row[k] = base[k]
                        } else {
                            row[k] += base[k]
                        }
                    }
                    var best = -1
                    var bestScore: T = 0
                    for c in 0..<n where rowHas[c] != 0 && (best == -1 || row[c] > bestScore) {
                        best = c
                        bestScore = row[c]
                    }
                    choices[r] = max(best, 0)
                    for c in 0..<n { v[c] = rowHas[c] != 0 ? row[c] : 0 }
                    MLTreeScoreWriter.write(v, n, transform, .none, o + r * n)
                    continue
                }
                // Two classes.
                var s0 = row[0], s1 = row[1]
                let h0 = rowHas[0] != 0
                var h1 = rowHas[1] != 0
                var size = 2
                var second = MLTreeScoreWriter.SecondClass.none
                if base.count == 2 {
                    if h1 {
                        // ORT ignores base_values[0] here.
                        s1 = base[1] + s0
                        s0 = -s1
                        h1 = true
                    } else {
                        s1 += base[1]
                        s0 += base[0]
                    }
                } else if base.count == 1 {
                    s0 += base[0]
                    if !h1 { size = 1 }
                } else if base.isEmpty {
                    second = .negate
                    if !h1 { size = 1 }
                }
                let positive: T = size == 2 && h1 ? s1 : (h0 ? s0 : 0)
                if binaryCase {
                    if weightsAreAllPositive {
                        second = .complement
                        choices[r] = positive > 0.5 ? 1 : 0
                    } else {
                        second = .negate
                        choices[r] = positive > 0 ? 1 : 0
                    }
                } else {
                    raw[r] = true
                    choices[r] = positive > 0 ? 1 : 0
                }
                v[0] = h0 ? s0 : 0
                v[1] = h1 ? s1 : 0
                MLTreeScoreWriter.write(v, size, transform, second, o + r * n)
            }
        }}}}}
        return (choices, raw, out)
    }
}
