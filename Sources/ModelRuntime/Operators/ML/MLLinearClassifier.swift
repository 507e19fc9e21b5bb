/// `LinearClassifier` (ai.onnx.ml 1), following ORT's linearclassifier.cc:
/// scores = X · coefficientsᵀ + intercepts (MLAS-style fused accumulation),
/// one class per intercept; input float, double, int64 or int32 cast to float.
///
/// - Several classes: the label is the first class with the highest raw score,
///   then `post_transform` is applied to every row of scores.
/// - One class (binary; exactly two labels, as ORT requires): the label is
///   `classlabels[1]` when the raw score is > 0, else `classlabels[0]`; the
///   scores widen to two columns `[1 - s, s]` (`[1 - p, p]` with p the
///   logistic under LOGISTIC; after PROBIT only the packed first half is
///   transformed, as in ORT).
/// `multi_class` is read but, like ORT, does not change the computation.
struct MLLinearClassifier: Kernel {
    let label: String
    let coefficients: [Float]
    let intercepts: [Float]
    let classCount: Int
    let labels: MLClassLabels
    let transform: MLPostTransform
    let addSecondClass: Bool

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "LinearClassifier", sinceVersion: 1) { try MLLinearClassifier($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        coefficients = try a.floats("coefficients")
        intercepts = try a.floats("intercepts")
        transform = try a.postTransform()
        _ = try a.int("multi_class", default: 0)
        labels = try MLClassLabels.read(a, strings: "classlabels_strings", ints: "classlabels_ints")
        classCount = intercepts.count
        guard !coefficients.isEmpty else { throw a.invalid("coefficients", "must not be empty") }
        guard classCount > 0 else { throw a.invalid("intercepts", "must have one value per class, found none") }
        guard coefficients.count % classCount == 0 else {
            throw a.invalid("coefficients", "has \(coefficients.count) values, not a multiple of the \(classCount) classes given by 'intercepts'")
        }
        if classCount > 1, labels.count < classCount {
            throw a.invalid("classlabels_ints", "has \(labels.count) labels for \(classCount) classes")
        }
        if classCount == 1, labels.count != 2 {
            throw a.invalid(labels.isStrings ? "classlabels_strings" : "classlabels_ints",
                            "must list exactly 2 labels for a binary model (one intercept), found \(labels.count)")
        }
        addSecondClass = classCount == 1
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        let features = coefficients.count / classCount
        guard cols == features else {
            throw ModelError(.invalidInput, "\(label): input has \(cols) features, the model expects \(features)")
        }
        let xs = try MLInput.floats(x, label)
        let classes = classCount
        let outputColumns = addSecondClass ? 2 : classes
        if rows == 0 {
            return [.tensor(labels.tensor([])), .tensor(Tensor(shape: [0, outputColumns], floats: []))]
        }
        // Zero-filled: after PROBIT the widened second column stays untouched.
        var scores = [Float](repeating: 0, count: rows * outputColumns)
        var labelIndex = [Int](repeating: 0, count: rows)
        var positive = [Bool](repeating: false, count: rows)
        xs.withUnsafeBufferPointer { xb in
            coefficients.withUnsafeBufferPointer { wb in
                scores.withUnsafeMutableBufferPointer { sb in
                    let s = sb.baseAddress!, w = wb.baseAddress!
                    if rows == 1 {
                        MLGemm.singleRow(xb.baseAddress!, features: cols, w, targets: classes,
                                         bias: { intercepts[$0] }, into: s)
                    } else {
                        MLGemm.multiply(xb.baseAddress!, rows: rows, features: cols, w, targets: classes,
                                        bias: { intercepts[$0] }, into: s, outStride: classes)
                    }
                    for r in 0..<rows {
                        if classes == 1 {
                            positive[r] = s[r] > 0
                        } else {
                            var best = 0
                            var bestScore = s[r * classes]
                            for t in 1..<classes where s[r * classes + t] > bestScore {
                                bestScore = s[r * classes + t]
                                best = t
                            }
                            labelIndex[r] = best
                        }
                    }
                    if transform != .none || addSecondClass {
                        MLScoreUpdate.apply(s, rows: rows, perRow: classes, transform: transform,
                                            secondClass: addSecondClass ? .complement : .none, packed: true)
                    }
                }
            }
        }
        let labelTensor = classes == 1 ? MLBinaryLabels(labels).tensor(positive) : labels.tensor(labelIndex)
        return [.tensor(labelTensor), .tensor(Tensor(shape: [rows, outputColumns], floats: scores))]
    }
}
