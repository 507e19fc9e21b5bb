/// How a branch decides: true child when `x CMP threshold`, or when `x` is
/// NaN and the node sends missing values to the true child (ORT's semantics).
protocol MLTreeBranchTest {
    static func goesTrue<T: BinaryFloatingPoint>(_ node: MLTreeNode<T>, _ x: T) -> Bool
}

// The tests below avoid short-circuit `||`: a data-dependent branch per level
// mispredicts about half the time, while flag arithmetic lets the compiler
// pick the child with a conditional move, as ORT's `cond ? a : b` does.

/// Every branch is BRANCH_LEQ and no node tracks missing values (sklearn's
/// usual export): a single comparison per level.
enum MLTreeLEQTest: MLTreeBranchTest {
    @inline(__always)
    static func goesTrue<T: BinaryFloatingPoint>(_ node: MLTreeNode<T>, _ x: T) -> Bool {
        x <= node.threshold
    }
}

/// Every branch is BRANCH_LEQ, some send missing values to the true child.
enum MLTreeLEQMissingTest: MLTreeBranchTest {
    @inline(__always)
    static func goesTrue<T: BinaryFloatingPoint>(_ node: MLTreeNode<T>, _ x: T) -> Bool {
        let compare: UInt8 = x <= node.threshold ? 1 : 0
        let missing: UInt8 = node.missingTracksTrue && x.isNaN ? 1 : 0
        return compare | missing != 0
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
        let compare: UInt8 = result ? 1 : 0
        let missing: UInt8 = node.missingTracksTrue && x.isNaN ? 1 : 0
        return compare | missing != 0
    }
}

/// How a reached leaf updates a row's running scores (ORT's
/// `ProcessTreeNodePrediction`/`ProcessTreeNodePrediction1`). `scores` and
/// `has` point at the row's first target; `has` marks targets that received
/// a value (ORT's `ScoreValue::has_score`).
protocol MLTreeAccumulator {
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>)
}

/// One target, SUM/AVERAGE: adds the leaf's single value.
enum MLTreeSumOne: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        scores[0] += leaf.threshold
    }
}

/// One target, MIN.
enum MLTreeMinOne: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        let v = leaf.threshold
        if has[0] == 0 || v < scores[0] { scores[0] = v }
        has[0] = 1
    }
}

/// One target, MAX.
enum MLTreeMaxOne: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        let v = leaf.threshold
        if has[0] == 0 || v > scores[0] { scores[0] = v }
        has[0] = 1
    }
}

/// Several targets, SUM/AVERAGE (and every classifier): adds each weight.
enum MLTreeSumMany: MLTreeAccumulator {
    @inline(__always)
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        var w = weights + Int(first)
        for _ in 0..<Int(count) {
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
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        var w = weights + Int(first)
        for _ in 0..<Int(count) {
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
    static func add<T: BinaryFloatingPoint>(_ leaf: MLTreeNode<T>, _ first: Int32, _ count: Int32,
                                            _ weights: UnsafePointer<MLTreeWeight<T>>,
                                            _ scores: UnsafeMutablePointer<T>, _ has: UnsafeMutablePointer<UInt8>) {
        var w = weights + Int(first)
        for _ in 0..<Int(count) {
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
        if allLEQ && hasMissingTracks {
            switch (aggregate, targets == 1) {
            case (.sum, true), (.average, true): run(MLTreeLEQMissingTest.self, MLTreeSumOne.self, x, rows, stride, targets, scores, has)
            case (.min, true): run(MLTreeLEQMissingTest.self, MLTreeMinOne.self, x, rows, stride, targets, scores, has)
            case (.max, true): run(MLTreeLEQMissingTest.self, MLTreeMaxOne.self, x, rows, stride, targets, scores, has)
            case (.sum, false), (.average, false): run(MLTreeLEQMissingTest.self, MLTreeSumMany.self, x, rows, stride, targets, scores, has)
            case (.min, false): run(MLTreeLEQMissingTest.self, MLTreeMinMany.self, x, rows, stride, targets, scores, has)
            case (.max, false): run(MLTreeLEQMissingTest.self, MLTreeMaxMany.self, x, rows, stride, targets, scores, has)
            }
            return
        }
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
        // Rows advance through a tree in lockstep groups of eight: their walks
        // are independent, so the CPU overlaps them instead of waiting on each
        // node load in turn. Leaves point at themselves, so every walk can run
        // the tree's full depth without a per-step leaf test. Each block of
        // rows is first copied feature-major, so the eight walks address their
        // values from one base pointer (fewer registers than eight row pointers).
        let block = Self.blockRows
        let columns = Swift.max(stride, 1)
        withUnsafeTemporaryAllocation(of: T.self, capacity: columns * block) { transposed in
        nodes.withUnsafeBufferPointer { nb in
        weights.withUnsafeBufferPointer { wb in
        leafStart.withUnsafeBufferPointer { sb in
        leafCount.withUnsafeBufferPointer { cb in
            let nodes = nb.baseAddress!, weights = wb.baseAddress!
            let starts = sb.baseAddress!, counts = cb.baseAddress!
            let xt = transposed.baseAddress!
            @inline(__always) func finish(_ leaf: Int, _ r: Int) {
                A.add(nodes[leaf], starts[leaf], counts[leaf], weights, scores + r &* targets, has + r &* targets)
            }
            // One step of the walk of the row whose values start at `column`
            // (feature f of that row is column[f * block]).
            @inline(__always) func step(_ i: Int, _ column: UnsafePointer<T>) -> Int {
                let node = nodes[i]
                return node.child(B.goesTrue(node, column[Int(node.feature) &* block]))
            }
            var blockStart = 0
            while blockStart < rows {
                let blockEnd = Swift.min(rows, blockStart + block)
                let count = blockEnd - blockStart
                for r in 0..<count {
                    let row = x + (blockStart + r) &* stride
                    for f in 0..<stride { xt[f &* block &+ r] = row[f] }
                }
                for t in 0..<roots.count {
                    let root = Int(roots[t])
                    var r = 0
                    if lockstep[t] && stride > 0 {
                        let depth = Int(depths[t])
                        while r + 8 <= count {
                            let c = UnsafePointer(xt + r)
                            var l0 = root, l1 = root, l2 = root, l3 = root
                            var l4 = root, l5 = root, l6 = root, l7 = root
                            var level = 0
                            while level < depth {
                                l0 = step(l0, c)
                                l1 = step(l1, c + 1)
                                l2 = step(l2, c + 2)
                                l3 = step(l3, c + 3)
                                l4 = step(l4, c + 4)
                                l5 = step(l5, c + 5)
                                l6 = step(l6, c + 6)
                                l7 = step(l7, c + 7)
                                level &+= 1
                            }
                            let first = blockStart &+ r
                            finish(l0, first)
                            finish(l1, first &+ 1)
                            finish(l2, first &+ 2)
                            finish(l3, first &+ 3)
                            finish(l4, first &+ 4)
                            finish(l5, first &+ 5)
                            finish(l6, first &+ 6)
                            finish(l7, first &+ 7)
                            r &+= 8
                        }
                    }
                    // Remaining rows (and deep, lopsided trees) walk one at a time.
                    while r < count {
                        let c = UnsafePointer(xt + r)
                        var i = root
                        while nodes[i].mode != .leaf { i = step(i, c) }
                        finish(i, blockStart &+ r)
                        r &+= 1
                    }
                }
                blockStart = blockEnd
            }
        }}}}}
    }
}
