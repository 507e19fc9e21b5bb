/// `SVMClassifier` (ai.onnx.ml 1), following ORT's svmclassifier.cc step by step.
///
/// Support-vector mode (libsvm, `vectors_per_class` non-empty): kernel values
/// against every support vector, then one decision value per class pair
/// (i < j, accumulated in double, plus `rho`), each voting for i when > 0 and
/// for j otherwise. The label is the first class with the most votes.
/// - With `prob_a`/`prob_b`: Platt-scaled pairwise probabilities clamped to
///   [1e-7, 1 - 1e-7], coupled into class probabilities by ORT's
///   `multiclass_probability`; output [rows, classes].
/// - Without: the raw decision values, [rows, classes·(classes-1)/2] for 3+
///   classes (post_transform applied per row); for two classes [rows, 2] =
///   [-d, d] under NONE, [1 - p, p] with p = logistic(d) under LOGISTIC,
///   [probit(d), 0] under PROBIT (ORT leaves that second column unwritten),
///   and [1 - d, d] under SOFTMAX and SOFTMAX_ZERO, as ORT does.
///
/// Linear mode (liblinear, no support vectors): scores = X · coefficientsᵀ +
/// rho[0] for every class; the label is the first highest score, except that
/// two-class models without probabilities pick `classlabels[1]` when the top
/// score is ≥ 0.5 (all coefficients ≥ 0) or > 0 (mixed signs), as ORT does.
struct MLSVMClassifier: Kernel {
    let label: String
    let kernel: MLSVMKernelFunction
    let labels: MLClassLabels
    let classCount: Int
    /// Support-vector mode: vectors per class, start of each class, total.
    let vectorsPerClass: [Int]
    let startingVector: [Int]
    let vectorCount: Int
    let featureCount: Int
    /// The support vectors, or in linear mode the coefficient rows, one per class.
    let vectors: MLSVMVectors
    let coefficients: [Float]
    let rho: [Float]
    let probA: [Float]
    let probB: [Float]
    let transform: MLPostTransform
    let weightsAreAllPositive: Bool

    var isLinear: Bool { vectorCount == 0 }
    var hasProbabilities: Bool { !probA.isEmpty }
    var classifierCount: Int { classCount * (classCount - 1) / 2 }

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "SVMClassifier", sinceVersion: 1) { try MLSVMClassifier($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        var kernel = try MLSVMKernelFunction(a)
        transform = try a.postTransform()
        coefficients = try a.floats("coefficients")
        rho = try a.floats("rho")
        probA = try a.floats("prob_a")
        probB = try a.floats("prob_b")
        let supportVectors = try a.floats("support_vectors")
        labels = try MLClassLabels.read(a, strings: "classlabels_strings", ints: "classlabels_ints")
        classCount = labels.count
        let perClass = try a.ints("vectors_per_class")

        guard classCount > 0 else { throw a.invalid("classlabels_ints", "or 'classlabels_strings' must list the classes") }
        guard !coefficients.isEmpty else { throw a.invalid("coefficients", "must not be empty") }
        guard !rho.isEmpty else { throw a.invalid("rho", "must not be empty") }
        guard probA.count == probB.count else {
            throw a.invalid("prob_b", "has \(probB.count) values but 'prob_a' has \(probA.count)")
        }
        var starts: [Int] = []
        var total = 0
        for (i, n) in perClass.enumerated() {
            guard n >= 0, n <= Int64(Int32.max) else { throw a.invalid("vectors_per_class", "has invalid count \(n) at index \(i)") }
            starts.append(total)
            total += Int(n)
        }
        vectorsPerClass = perClass.map { Int($0) }
        startingVector = starts
        vectorCount = total
        let pairs = classCount * (classCount - 1) / 2
        if total > 0 {
            guard perClass.count == classCount else {
                throw a.invalid("vectors_per_class", "has \(perClass.count) entries for \(classCount) classes")
            }
            guard supportVectors.count % total == 0, !supportVectors.isEmpty else {
                throw a.invalid("support_vectors", "has \(supportVectors.count) values, not a multiple of the \(total) support vectors")
            }
            featureCount = supportVectors.count / total
            guard coefficients.count == (classCount - 1) * total else {
                throw a.invalid("coefficients", "has \(coefficients.count) values, expected (classes - 1) × support vectors = \((classCount - 1) * total)")
            }
            guard rho.count >= pairs else {
                throw a.invalid("rho", "has \(rho.count) values for \(pairs) class pairs")
            }
            if !probA.isEmpty, probA.count < pairs {
                throw a.invalid("prob_a", "has \(probA.count) values for \(pairs) class pairs")
            }
        } else {
            guard coefficients.count % classCount == 0 else {
                throw a.invalid("coefficients", "has \(coefficients.count) values, not a multiple of the \(classCount) classes")
            }
            featureCount = coefficients.count / classCount
            kernel.kind = .linear
        }
        self.kernel = kernel
        vectors = total > 0
            ? MLSVMVectors(supportVectors, count: total, features: featureCount)
            : MLSVMVectors(coefficients, count: classCount, features: featureCount)
        weightsAreAllPositive = coefficients.allSatisfy { $0 >= 0 }
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let (rows, cols) = try MLInput.matrixShape(x, label)
        guard cols == featureCount else {
            throw ModelError(.invalidInput, "\(label): input has \(cols) features, the model expects \(featureCount)")
        }
        let xs = try MLInput.floats(x, label)
        return isLinear ? linear(xs, rows) : supportVector(xs, rows)
    }

    // MARK: liblinear mode

    private func linear(_ xs: [Float], _ rows: Int) -> KernelOutputs {
        let classes = classCount
        var labelIndex = [Int](repeating: 0, count: rows)
        var scores = [Float](repeating: 0, count: rows * classes)
        if rows > 0 {
            xs.withUnsafeBufferPointer { xb in
                    scores.withUnsafeMutableBufferPointer { sb in
                        let s = sb.baseAddress!
                        for r in 0..<rows {
                            let out = s + r * classes
                            kernel.evaluate(xb.baseAddress! + r * featureCount, vectors, constant: rho[0], into: out,
                                            singleRow: rows == 1)
                            var best = 0
                            for c in 1..<max(classes, 1) where out[c] > out[best] { best = c }
                            let maxWeight = out[best]
                            if classes == 2, !hasProbabilities {
                                if weightsAreAllPositive && maxWeight >= 0.5 {
                                    best = 1
                                } else if maxWeight > 0 && !weightsAreAllPositive {
                                    best = 1
                                }
                            }
                            labelIndex[r] = best
                        }
                        MLScoreUpdate.apply(s, rows: rows, perRow: classes, transform: transform,
                                            secondClass: .none, packed: false, rowsPerCall: 1)
                    }
            }
        }
        return [.tensor(labels.tensor(labelIndex)), .tensor(Tensor(shape: [rows, classes], floats: scores))]
    }

    // MARK: libsvm mode

    private func supportVector(_ xs: [Float], _ rows: Int) -> KernelOutputs {
        let classes = classCount
        let pairs = classifierCount
        let withProbabilities = hasProbabilities
        let columns = withProbabilities ? classes : (classes > 2 ? pairs : 2)
        var scores = [Float](repeating: 0, count: rows * columns)
        if rows == 0 {
            return [.tensor(labels.tensor([])), .tensor(Tensor(shape: [0, columns], floats: scores))]
        }
        // Per-call scratch, reused for every block of rows. Kernel values of
        // eight rows are kept vector-major (k[v * 8 + row]) so each class
        // pair's decision sums for the eight rows advance as one SIMD value;
        // every lane adds the same float products in the same order as ORT.
        // One temporary allocation for the floats and one for the votes
        // (on the stack when small) instead of six arrays per call: each
        // array was a malloc, a free and a runtime metadata lookup.
        let kernelCount = vectorCount * 8
        let decisionCount = max(pairs, 1) * 8
        let squareCount = classes * classes
        let floatCount = kernelCount + decisionCount + 2 * squareCount + classes

        // The Int scratch holds the votes, then each row's class index (read
        // straight into the label tensor, no [Int] in between).
        let voteCount = classes * 8
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(floatCount, 1)) { floats -> KernelOutputs in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: voteCount + rows) { voteBuffer -> KernelOutputs in
        xs.withUnsafeBufferPointer { xb in
        coefficients.withUnsafeBufferPointer { cb in
        scores.withUnsafeMutableBufferPointer { sb in
            // Zeroed as the arrays were: the lanes past a partial block and
            // the pairwise diagonal are read but never written.
            floats.initialize(repeating: 0)
            voteBuffer.initialize(repeating: 0)
            let k = floats.baseAddress!, coef = cb.baseAddress!, votes = voteBuffer.baseAddress!
            let labelIndex = votes + voteCount
            let d = k + kernelCount
            let pairwise = d + decisionCount
            let q = pairwise + squareCount
            let qp = q + squareCount
            let s = sb.baseAddress!
            var first = 0
            while first < rows {
                let n = min(8, rows - first)
                for j in 0..<n {
                    kernel.evaluate(xb.baseAddress! + (first + j) * featureCount, vectors, constant: 0,
                                    into: k + j, outStride: 8, singleRow: rows == 1)
                }
                for c in 0..<(classes * 8) { votes[c] = 0 }
                var pair = 0
                for i in 0..<max(classes - 1, 0) {
                    let startI = startingVector[i], countI = vectorsPerClass[i]
                    let rowI = coef + vectorCount * i
                    for j in (i + 1)..<classes {
                        let startJ = startingVector[j], countJ = vectorsPerClass[j]
                        let rowJ = coef + vectorCount * (j - 1)
                        // Float products summed in double, as ORT does.
                        var sum = SIMD8<Double>(repeating: 0)
                        for m in 0..<countI {
                            let product = SIMD8<Float>(repeating: rowJ[startI + m]) * MLSVMVectors.load(k + (startI + m) &* 8)
                            sum = sum + SIMD8<Double>(product)
                        }
                        for m in 0..<countJ {
                            let product = SIMD8<Float>(repeating: rowI[startJ + m]) * MLSVMVectors.load(k + (startJ + m) &* 8)
                            sum = sum + SIMD8<Double>(product)
                        }
                        sum = sum + SIMD8<Double>(repeating: Double(rho[pair]))
                        for lane in 0..<n {
                            d[lane * pairs + pair] = Float(sum[lane])
                            votes[lane * classes + (sum[lane] > 0 ? i : j)] += 1
                        }
                        pair += 1
                    }
                }
                for lane in 0..<n {
                    let r = first + lane
                    let rowVotes = votes + lane * classes
                    var best = 0
                    for c in 1..<max(classes, 1) where rowVotes[c] > rowVotes[best] { best = c }
                    labelIndex[r] = best

                    let decision = d + lane * pairs
                    let out = s + r * columns
                    if withProbabilities {
                        let p2 = pairwise
                        var index = 0
                        for i in 0..<max(classes - 1, 0) {
                            for j in (i + 1)..<classes {
                                var v = MLMath.sigmoidProbability(decision[index], probA[index], probB[index])
                                v = max(v, 1.0e-7)
                                v = min(v, 1 - 1.0e-7)
                                p2[i * classes + j] = v
                                p2[j * classes + i] = 1 - v
                                index += 1
                            }
                        }
                        MLMath.multiclassProbability(classes, r: p2, p: out, q: q, qp: qp)
                    } else if classes > 2 {
                        for i in 0..<pairs { out[i] = decision[i] }
                    } else if pairs == 1 {
                        out[0] = decision[0]
                    }
                }
                first += n
            }
            if withProbabilities {
                MLScoreUpdate.apply(s, rows: rows, perRow: classes, transform: transform, secondClass: .none, packed: false,
                                    rowsPerCall: 1)
            } else if classes > 2 {
                MLScoreUpdate.apply(s, rows: rows, perRow: pairs, transform: transform, secondClass: .none, packed: false,
                                    rowsPerCall: 1)
            } else if pairs == 1 {
                // One decision value widened into the row's two columns.
                MLScoreUpdate.apply(s, rows: rows, perRow: 1, transform: transform,
                                    secondClass: transform == .none ? .negate : .complement, packed: false)
            }
        }}}
            let labelTensor = labels.tensor(UnsafeBufferPointer(start: voteBuffer.baseAddress! + voteCount, count: rows))
            return [.tensor(labelTensor), .tensor(Tensor(shape: [rows, columns], floats: scores))]
        }}
    }
}
