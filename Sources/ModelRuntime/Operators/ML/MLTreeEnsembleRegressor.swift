/// `TreeEnsembleRegressor` (ai.onnx.ml 1 and 3), following ORT's
/// tree_ensemble_common.h and tree_ensemble_aggregator.h. Output float
/// [rows, n_targets].
///
/// Input is float or double, as in ORT; thresholds and sums use the input's type. `aggregate_function` SUM, AVERAGE,
/// MIN or MAX combines the trees, then `base_values` are added.
/// With one target ORT's single-value path applies: each leaf contributes its
/// first weight only, a single base value is added, and only PROBIT of the
/// post-transforms acts. With several targets, targets no tree reached stay 0
/// (even with a base value), then the post-transform applies to the row.
struct MLTreeEnsembleRegressor: Kernel {
    let label: String
    let targets: Int
    let aggregate: MLTreeAggregate
    let transform: MLPostTransform
    let floatForest: MLTreeForest<Float>
    let doubleForest: MLTreeForest<Double>
    let baseFloat: [Float]
    let baseDouble: [Double]

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "TreeEnsembleRegressor", sinceVersion: 1) { try MLTreeEnsembleRegressor($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        transform = try a.postTransform()
        let aggregateName = try a.string("aggregate_function", default: "SUM")
        guard let agg = MLTreeAggregate(rawValue: aggregateName) else {
            throw a.unsupported("aggregate_function", "has unknown value '\(aggregateName)' (expected SUM, AVERAGE, MIN or MAX)")
        }
        aggregate = agg
        guard let n = try a.int("n_targets"), n > 0, n <= Int64(Int32.max) else {
            throw a.invalid("n_targets", "must be a positive number of targets")
        }
        targets = Int(n)
        let definition = try MLTreeDefinition(a, weightPrefix: "target")
        try definition.checkTargets(a, "target_ids", count: targets)
        guard definition.baseValues.isEmpty || definition.baseValues.count == targets else {
            throw a.invalid("base_values", "has \(definition.baseValues.count) values, expected 0 or \(targets)")
        }
        floatForest = definition.forest(Float.self)
        doubleForest = definition.forest(Double.self)
        baseFloat = definition.baseValues.map { Float($0) }
        baseDouble = definition.baseValues
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        guard floatForest.maxFeature < cols else {
            throw ModelError(.invalidInput, "\(label): the trees read feature \(floatForest.maxFeature) but the input has \(cols) features")
        }
        let out: [Float]
        switch x.storage {
        case .double(let v):
            out = run(doubleForest, baseDouble, v, rows, cols)
        case .float(let v):
            out = run(floatForest, baseFloat, v, rows, cols)
        default:
            // ORT registers this operator for float and double only.
            throw ModelError(.invalidInput, "\(label): input must be float or double, found \(x.elementType)")
        }
        return [.tensor(Tensor(shape: [rows, targets], floats: out))]
    }

    private func run<T: BinaryFloatingPoint & Sendable>(_ forest: MLTreeForest<T>, _ base: [T], _ xs: [T],
                                                       _ rows: Int, _ cols: Int) -> [Float] {
        let n = targets
        if rows == 0 { return [] }
        var scores = [T](repeating: 0, count: rows * n)
        var has = [UInt8](repeating: 0, count: rows * n)
        let treeCount = T(forest.roots.count)
        let useBase = base.count == n
        let origin: T = base.count == 1 ? base[0] : 0
        var values = [T](repeating: 0, count: n)
        return MLInput.makeFloats(rows * n) { out in
            xs.withUnsafeBufferPointer { xb in
                scores.withUnsafeMutableBufferPointer { sb in
                    has.withUnsafeMutableBufferPointer { hb in
                        values.withUnsafeMutableBufferPointer { vb in
                            let s = sb.baseAddress!, h = hb.baseAddress!, v = vb.baseAddress!
                            forest.accumulate(xb.baseAddress!, rows: rows, stride: cols, targets: n,
                                              aggregate: aggregate, scores: s, has: h)
                            for r in 0..<rows {
                                if n == 1 {
                                    var score = s[r]
                                    switch aggregate {
                                    case .sum: score = score + origin
                                    case .average: score = score / treeCount + origin
                                    case .min, .max: score = h[r] != 0 ? score + origin : origin
                                    }
                                    out[r] = transform == .probit ? MLMath.probit(Float(score)) : Float(score)
                                    continue
                                }
                                let row = s + r * n, rowHas = h + r * n
                                for j in 0..<n {
                                    let score: T
                                    switch aggregate {
                                    case .sum: score = useBase ? row[j] + base[j] : row[j]
                                    case .average: score = useBase ? row[j] / treeCount + base[j] : row[j] / treeCount
                                    case .min, .max: score = (useBase ? base[j] : 0) + (rowHas[j] != 0 ? row[j] : 0)
                                    }
                                    v[j] = rowHas[j] != 0 ? score : 0
                                }
                                MLTreeScoreWriter.write(v, n, transform, .none, out + r * n)
                            }
                        }
                    }
                }
            }
        }
    }
}
