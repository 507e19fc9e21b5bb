/// How a branch decides: true child when `x CMP threshold`, or when `x` is
/// NaN and the node sends missing values to the true child (ORT's semantics).
protocol MLTreeBranchTest {
    static func goesTrue<T: BinaryFloatingPoint>(_ node: MLTreeNode<T>, _ x: T) -> Bool
}

/// Every branch is BRANCH_LEQ: no per-node mode switch.
enum MLTreeLEQTest: MLTreeBranchTest {
    @inline(__always)
    static func goesTrue<T: BinaryFloatingPoint>(_ node: MLTreeNode<T>, _ x: T) -> Bool {
        x <= node.threshold || (node.missingTracksTrue && x.isNaN)
    }
}

/// Mixed or non-LEQ modes: switch on each node's mode.
enum MLTreeAnyTest: MLTreeBranchTest {
    @inline(__always)
    static func goesTrue<T: BinaryFloatingPoint>(_ node: MLTreeNode<T>, _ x: T) -> Bool {
        let t = node.threshold
        let result: Bool
        switch node.mode {
        case .branchLEQ: result = x <= t
        case .branchLT: result = x < t
        case .branchGTE: result = x >= t
        case .branchGT: result = x > t
        case .branchEQ: result = x == t
        case .branchNEQ: result = x != t
        case .leaf: result = false
        }
        return result || (node.missingTracksTrue && x.isNaN)
    }
}

/// How a reached leaf updates a row's running scores (ORT's
/// `ProcessTreeNodePrediction`/`ProcessTreeNodePrediction1`). `scores` and
/// `has` point at the row's first target; `has` marks targets that received
/// a value (ORT's `ScoreValue::has_score`).
protocol MLTreeAccumulator {
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>)
}

/// One target, SUM/AVERAGE: adds the leaf's single value.
enum MLTreeSumOne: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        scores[0] += leaf.threshold
    }
}

/// One target, MIN.
enum MLTreeMinOne: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        let v = leaf.threshold
        if has[0] == 0 || v < scores[0] { scores[0] = v }
        has[0] = 1
    }
}

/// One target, MAX.
enum MLTreeMaxOne: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        let v = leaf.threshold
        if has[0] == 0 || v > scores[0] { scores[0] = v }
        has[0] = 1
    }
}

/// Several targets, SUM/AVERAGE (and every classifier): adds each weight.
enum MLTreeSumMany: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        var w = weights + Int(leaf.trueChild)
        for _ in 0..<Int(leaf.falseChild) {
            let t = Int(w.pointee.target)
            scores[t] += w.pointee.value
            has[t] = 1
            w += 1
        }
    }
}

/// Several targets, MIN.
enum MLTreeMinMany: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        var w = weights + Int(leaf.trueChild)
        for _ in 0..<Int(leaf.falseChild) {
            let t = Int(w.pointee.target), v = w.pointee.value
            if has[t] == 0 || v < scores[t] { scores[t] = v }
            has[t] = 1
            w += 1
        }
    }
}

/// Several targets, MAX.
enum MLTreeMaxMany: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        var w = weights + Int(leaf.trueChild)
        for _ in 0..<Int(leaf.falseChild) {
            let t = Int(w.pointee.target), v = w.pointee.value
            if has[t] == 0 || v > scores[t] { scores[t] = v }
            has[t] = 1
            w += 1
        }
    }
}

extension MLTreeForest {
    /// Rows are processed in blocks of this many, each tree over the whole
    /// block before the next tree, so a tree's nodes stay in cache (ORT does the same).
    static var blockRows: Int { 128 }

    /// Runs every tree on `rows` rows of `stride` values and accumulates the
    /// leaves into `scores`/`has` ([rows × targets], zeroed by the caller).
    /// Per row, trees are visited in order, so sums round exactly as in ORT.
    func accumulate(_ x: UnsafePointer<T>, rows: Int, stride: Int, targets: Int, aggregate: MLTreeAggregate,
                    scores: UnsafeMutablePointer<T>, has: UnsafeMutablePointer<UInt8>) {
        switch (allLEQ, aggregate, targets == 1) {
        case (true, .sum, true), (true, .average, true): run(MLTreeLEQTest.self, MLTreeSumOne.self, x, rows, stride, targets, scores, has)
        case (true, .min, true): run(MLTreeLEQTest.self, MLTreeMinOne.self, x, rows, stride, targets, scores, has)
        case (true, .max, true): run(MLTreeLEQTest.self, MLTreeMaxOne.self, x, rows, stride, targets, scores, has)
        case (true, .sum, false), (true, .average, false): run(MLTreeLEQTest.self, MLTreeSumMany.self, x, rows, stride, targets, scores, has)
        case (true, .min, false): run(MLTreeLEQTest.self, MLTreeMinMany.self, x, rows, stride, targets, scores, has)
        case (true, .max, false): run(MLTreeLEQTest.self, MLTreeMaxMany.self, x, rows, stride, targets, scores, has)
        case (false, .sum, true), (false, .average, true): run(MLTreeAnyTest.self, MLTreeSumOne.self, x, rows, stride, targets, scores, has)
        case (false, .min, true): run(MLTreeAnyTest.self, MLTreeMinOne.self, x, rows, stride, targets, scores, has)
        case (false, .max, true): run(MLTreeAnyTest.self, MLTreeMaxOne.self, x, rows, stride, targets, scores, has)
        case (false, .sum, false), (false, .average, false): run(MLTreeAnyTest.self, MLTreeSumMany.self, x, rows, stride, targets, scores, has)
        case (false, .min, false): run(MLTreeAnyTest.self, MLTreeMinMany.self, x, rows, stride, targets, scores, has)
        case (false, .max, false): run(MLTreeAnyTest.self, MLTreeMaxMany.self, x, rows, stride, targets, scores, has)
        }
    }

    private func run<B: MLTreeBranchTest, A: MLTreeAccumulator>(
        _: B.Type, _: A.Type, _ x: UnsafePointer<T>, _ rows: Int, _ stride: Int, _ targets: Int,
        _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>
    ) {
        nodes.withUnsafeBufferPointer { nb in
            weights.withUnsafeBufferPointer { wb in
                roots.withUnsafeBufferPointer { rb in
                    let nodes = nb.baseAddress!, weights = wb.baseAddress!
                    var blockStart = 0
                    while blockStart < rows {
                        let blockEnd = Swift.min(rows, blockStart + Self.blockRows)
                        for root in rb {
                            var row = x + blockStart * stride
                            for r in blockStart..<blockEnd {
                                var i = Int(root)
                                while true {
                                    let node = nodes[i]
                                    if node.mode == .leaf { break }
                                    i = Int(B.goesTrue(node, row[Int(node.feature)]) ? node.trueChild : node.falseChild)
                                }
                                A.add(nodes[i], weights, scores + r * targets, has + r * targets)
                                row += stride
                            }
                        }
                        blockStart = blockEnd
                    }
                }
            }
        }
    }
}
