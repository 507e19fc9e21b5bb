/// The node comparison of a tree branch (ORT's NODE_MODE).
enum MLTreeMode: UInt8, Sendable {
    case leaf = 0
    case branchLEQ, branchLT, branchGTE, branchGT, branchEQ, branchNEQ

    init?(_ text: String) {
        switch text {
        case "LEAF": self = .leaf
        case "BRANCH_LEQ": self = .branchLEQ
        case "BRANCH_LT": self = .branchLT
        case "BRANCH_GTE": self = .branchGTE
        case "BRANCH_GT": self = .branchGT
        case "BRANCH_EQ": self = .branchEQ
        case "BRANCH_NEQ": self = .branchNEQ
        default: return nil
        }
    }
}

/// One node, laid out for traversal. For a branch, `trueChild`/`falseChild`
/// index the forest's node array (the false child is usually the next node).
/// A leaf points at itself through both, so a traversal can run a fixed number
/// of steps without testing for leaves; its `threshold` holds the value ORT
/// uses when there is a single target (the leaf's first weight, or the node's
/// own value if it has no weight), and its `feature` is 0.
struct MLTreeNode<T: BinaryFloatingPoint & Sendable>: Sendable {
    /// False child in the low 32 bits, true child in the high 32 bits.
    var children: UInt64
    var threshold: T
    var feature: Int32
    var mode: MLTreeMode
    var missingTracksTrue: Bool

    init(threshold: T, feature: Int32, trueChild: Int32, falseChild: Int32, mode: MLTreeMode, missingTracksTrue: Bool) {
        children = UInt64(UInt32(bitPattern: falseChild)) | UInt64(UInt32(bitPattern: trueChild)) << 32
        self.threshold = threshold
        self.feature = feature
        self.mode = mode
        self.missingTracksTrue = missingTracksTrue
    }

    var trueChild: Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: children >> 32)) }
    var falseChild: Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: children)) }

    /// The child to visit, picked by shifting the packed pair rather than by a
    /// branch or a select of loads (which the compiler turns back into a
    /// branch): the comparison is data-dependent and a mispredicted jump per
    /// level would cost more than the whole walk.
    @inline(__always)
    func child(_ goesTrue: Bool) -> Int {
        let shift: UInt64 = goesTrue ? 32 : 0
        return Int(UInt32(truncatingIfNeeded: children &>> shift))
    }
}

/// One weight of a leaf: the target (or class) it adds to and its value.
struct MLTreeWeight<T: BinaryFloatingPoint & Sendable>: Sendable {
    var target: Int32
    var value: T
}

/// How the trees of a regressor are combined (`aggregate_function`).
enum MLTreeAggregate: String, Sendable {
    case sum = "SUM"
    case average = "AVERAGE"
    case min = "MIN"
    case max = "MAX"
}

/// The trees of a TreeEnsembleClassifier/Regressor node, parsed and checked
/// once at load time, then evaluated with ThresholdType = T (Float for float
/// and integer input, Double for double input, as ORT chooses).
///
/// Parsing follows ORT's tree_ensemble_common.h: a tree starts at every node
/// whose tree id differs from the previous node's; weights are attached to
/// leaves in (tree id, node id, position) order, weights naming a branch are
/// ignored. Unlike ORT, ill-formed arrays (unequal lengths, unknown child or
/// weight nodes, cycles, unknown modes, class ids out of range) are rejected
/// at load with `ModelError.invalidModel` / `.unsupported`.
struct MLTreeForest<T: BinaryFloatingPoint & Sendable>: Sendable {
    let nodes: [MLTreeNode<T>]
    /// Index of each tree's root in `nodes`.
    let roots: [Int32]
    /// Per tree: the most branches on any path from its root to a leaf, and
    /// whether walking rows in lockstep for that many steps pays off (the tree
    /// is not much deeper at its deepest than on average).
    let depths: [Int32]
    let lockstep: [Bool]
    let weights: [MLTreeWeight<T>]
    /// Per node: the first weight of a leaf and how many it has.
    let leafStart: [Int32]
    let leafCount: [Int32]
    /// Highest feature index any branch reads (-1 when there is none).
    let maxFeature: Int
    /// Every branch uses BRANCH_LEQ (the common case gets a specialised loop).
    let allLEQ: Bool
    /// Some branch sends missing values (NaN) to its true child.
    let hasMissingTracks: Bool
}

/// The attribute arrays of a tree ensemble before layout, shared by the float
/// and double forests built from them.
struct MLTreeDefinition {
    var treeIDs: [Int64]
    var nodeIDs: [Int64]
    var features: [Int64]
    var modes: [MLTreeMode]
    var trueIDs: [Int64]
    var falseIDs: [Int64]
    var values: [Double]
    var missingTracksTrue: [Bool]
    var weightTreeIDs: [Int64]
    var weightNodeIDs: [Int64]
    var weightTargets: [Int64]
    var weightValues: [Double]
    var baseValues: [Double]
    /// Double-typed attributes (`*_as_tensor` of ml opset 3) were given.
    var valuesAreDouble: Bool
    /// "class" or "target": the prefix of the weight attributes.
    let weightPrefix: String

    // Resolved at load:
    /// Node position of each branch's true and false child.
    var trueIndex: [Int] = []
    var falseIndex: [Int] = []
    /// Positions that start a tree.
    var rootPositions: [Int] = []
    /// Weight entries per node position, in ORT's order.
    var leafWeights: [[Int]] = []

    /// Reads and validates the node and weight arrays. `weightPrefix` is
    /// "class" for the classifier and "target" for the regressor.
    init(_ a: MLAttributes, weightPrefix: String) throws {
        self.weightPrefix = weightPrefix
        treeIDs = try a.ints("nodes_treeids")
        nodeIDs = try a.ints("nodes_nodeids")
        features = try a.ints("nodes_featureids")
        let modeNames = try a.strings("nodes_modes")
        trueIDs = try a.ints("nodes_truenodeids")
        falseIDs = try a.ints("nodes_falsenodeids")
        let count = nodeIDs.count
        for (name, n) in [("nodes_treeids", treeIDs.count), ("nodes_featureids", features.count),
                          ("nodes_modes", modeNames.count), ("nodes_truenodeids", trueIDs.count),
                          ("nodes_falsenodeids", falseIDs.count)] where n != count {
            throw a.invalid(name, "has \(n) entries but 'nodes_nodeids' has \(count)")
        }
        guard count > 0 else { throw a.invalid("nodes_nodeids", "is empty: the ensemble has no nodes") }
        guard count < Int(Int32.max) else { throw a.unsupported("nodes_nodeids", "has too many nodes (\(count))") }
        modes = try modeNames.map { name in
            guard let m = MLTreeMode(name) else {
                throw a.unsupported("nodes_modes", "has unknown mode '\(name)'")
            }
            return m
        }
        let nodeValuesTensor = try a.realTensor("nodes_values_as_tensor")
        let nodeValues = try a.floats("nodes_values")
        if let t = nodeValuesTensor {
            guard nodeValues.isEmpty else {
                throw a.invalid("nodes_values_as_tensor", "cannot be given together with 'nodes_values'")
            }
            values = t
        } else {
            values = nodeValues.map(Double.init)
        }
        guard values.count == count else {
            throw a.invalid(nodeValuesTensor == nil ? "nodes_values" : "nodes_values_as_tensor",
                            "has \(values.count) entries for \(count) nodes")
        }
        if a.has("nodes_hitrates"), a.has("nodes_hitrates_as_tensor") {
            throw a.invalid("nodes_hitrates_as_tensor", "cannot be given together with 'nodes_hitrates'")
        }
        // ORT reads this list only as far as it goes; missing entries mean false.
        let missing = try a.ints("nodes_missing_value_tracks_true")
        missingTracksTrue = (0..<count).map { $0 < missing.count && missing[$0] == 1 }

        weightTreeIDs = try a.ints("\(weightPrefix)_treeids")
        weightNodeIDs = try a.ints("\(weightPrefix)_nodeids")
        let idsName = weightPrefix == "class" ? "class_ids" : "target_ids"
        weightTargets = try a.ints(idsName)
        let weightsTensor = try a.realTensor("\(weightPrefix)_weights_as_tensor")
        let weightFloats = try a.floats("\(weightPrefix)_weights")
        if let t = weightsTensor {
            guard weightFloats.isEmpty else {
                throw a.invalid("\(weightPrefix)_weights_as_tensor", "cannot be given together with '\(weightPrefix)_weights'")
            }
            weightValues = t
        } else {
            weightValues = weightFloats.map(Double.init)
        }
        let weightCount = weightTargets.count
        for (name, n) in [("\(weightPrefix)_treeids", weightTreeIDs.count), ("\(weightPrefix)_nodeids", weightNodeIDs.count),
                          (weightsTensor == nil ? "\(weightPrefix)_weights" : "\(weightPrefix)_weights_as_tensor", weightValues.count)]
            where n != weightCount {
            throw a.invalid(name, "has \(n) entries but '\(idsName)' has \(weightCount)")
        }
        let baseTensor = try a.realTensor("base_values_as_tensor")
        let baseFloats = try a.floats("base_values")
        if let t = baseTensor {
            guard baseFloats.isEmpty else {
                throw a.invalid("base_values_as_tensor", "cannot be given together with 'base_values'")
            }
            baseValues = t
        } else {
            baseValues = baseFloats.map(Double.init)
        }
        valuesAreDouble = nodeValuesTensor != nil || weightsTensor != nil || baseTensor != nil
        try resolve(a)
    }

    /// Links children, finds the roots, rejects cycles and attaches weights.
    private mutating func resolve(_ a: MLAttributes) throws {
        let count = nodeIDs.count
        struct Key: Hashable { var tree: Int64; var node: Int64 }
        var position = [Key: Int](minimumCapacity: count)
        for i in 0..<count {
            let key = Key(tree: treeIDs[i], node: nodeIDs[i])
            if position[key] != nil {
                throw a.invalid("nodes_nodeids", "lists node \(nodeIDs[i]) of tree \(treeIDs[i]) twice")
            }
            position[key] = i
        }
        trueIndex = Array(repeating: -1, count: count)
        falseIndex = Array(repeating: -1, count: count)
        for i in 0..<count where modes[i] != .leaf {
            guard features[i] >= 0, features[i] < Int64(Int32.max) else {
                throw a.invalid("nodes_featureids", "has invalid feature index \(features[i]) at node \(nodeIDs[i]) of tree \(treeIDs[i])")
            }
            for (name, ids) in [("nodes_truenodeids", trueIDs), ("nodes_falsenodeids", falseIDs)] {
                guard let child = position[Key(tree: treeIDs[i], node: ids[i])] else {
                    throw a.invalid(name, "names node \(ids[i]) of tree \(treeIDs[i]), which does not exist (from node \(nodeIDs[i]))")
                }
                guard child != i else {
                    throw a.invalid(name, "makes node \(nodeIDs[i]) of tree \(treeIDs[i]) its own child")
                }
                if name == "nodes_truenodeids" { trueIndex[i] = child } else { falseIndex[i] = child }
            }
        }
        rootPositions = (0..<count).filter { $0 == 0 || treeIDs[$0] != treeIDs[$0 - 1] }

        // Depth-first from every root; meeting a node still on the path is a cycle.
        // Shared subtrees (several parents, as LightGBM exports set membership) are fine.
        var state = [UInt8](repeating: 0, count: count)  // 0 new, 1 on path, 2 done
        var stack: [(node: Int, next: Int)] = []
        for root in rootPositions where state[root] == 0 {
            stack.append((root, 0))
            state[root] = 1
            while let top = stack.last {
                let n = top.node
                if modes[n] == .leaf || top.next == 2 {
                    state[n] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let child = top.next == 0 ? falseIndex[n] : trueIndex[n]
                switch state[child] {
                case 0:
                    state[child] = 1
                    stack.append((child, 0))
                case 1:
                    throw a.invalid("nodes_truenodeids", "form a cycle through node \(nodeIDs[child]) of tree \(treeIDs[child])")
                default:
                    break
                }
            }
        }

        // ORT sorts weights by (tree id, node id, position): within a leaf the
        // original order is kept, which is all that matters for the result.
        leafWeights = Array(repeating: [], count: count)
        for w in 0..<weightTargets.count {
            guard let leaf = position[Key(tree: weightTreeIDs[w], node: weightNodeIDs[w])] else {
                throw a.invalid("\(weightPrefix)_nodeids", "entry \(w) names node \(weightNodeIDs[w]) of tree \(weightTreeIDs[w]), which does not exist")
            }
            // ORT ignores weights on branches (old onnxmltools exports have them).
            if modes[leaf] == .leaf { leafWeights[leaf].append(w) }
        }
    }

    /// Checks that every weight used with several targets names one of them.
    func checkTargets(_ a: MLAttributes, _ name: String, count: Int) throws {
        for (w, t) in weightTargets.enumerated() where t < 0 || t >= Int64(count) {
            throw a.invalid(name, "entry \(w) is \(t), outside 0..<\(count)")
        }
    }

    /// Lays the nodes out for traversal with thresholds and weights in `T`:
    /// each tree depth first, false child right after its parent.
    func forest<U: BinaryFloatingPoint & Sendable>(_: U.Type) -> MLTreeForest<U> {
        let count = nodeIDs.count
        var newIndex = [Int32](repeating: -1, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        var stack: [Int] = []
        for root in rootPositions {
            stack.append(root)
            while let n = stack.popLast() {
                if newIndex[n] >= 0 { continue }
                newIndex[n] = Int32(order.count)
                order.append(n)
                if modes[n] != .leaf {
                    stack.append(trueIndex[n])
                    stack.append(falseIndex[n])
                }
            }
        }
        var nodes: [MLTreeNode<U>] = []
        nodes.reserveCapacity(order.count)
        var weights: [MLTreeWeight<U>] = []
        var leafStart = [Int32](repeating: 0, count: order.count)
        var leafCount = [Int32](repeating: 0, count: order.count)
        var maxFeature = -1
        var allLEQ = true
        for n in order {
            let here = Int32(nodes.count)
            if modes[n] == .leaf {
                let list = leafWeights[n]
                leafStart[Int(here)] = Int32(weights.count)
                leafCount[Int(here)] = Int32(list.count)
                for w in list {
                    weights.append(MLTreeWeight(target: Int32(truncatingIfNeeded: weightTargets[w]), value: U(weightValues[w])))
                }
                let single = list.first.map { U(weightValues[$0]) } ?? U(values[n])
                nodes.append(MLTreeNode(threshold: single, feature: 0, trueChild: here,
                                        falseChild: here, mode: .leaf, missingTracksTrue: false))
            } else {
                maxFeature = max(maxFeature, Int(features[n]))
                if modes[n] != .branchLEQ { allLEQ = false }
                nodes.append(MLTreeNode(threshold: U(values[n]), feature: Int32(features[n]),
                                        trueChild: newIndex[trueIndex[n]], falseChild: newIndex[falseIndex[n]],
                                        mode: modes[n], missingTracksTrue: missingTracksTrue[n]))
            }
        }
        // A sentinel no leaf points at, so the weight buffer is never empty.
        weights.append(MLTreeWeight(target: 0, value: 0))

        // Longest and mean root-to-leaf depth per tree (memoised: subtrees may be shared).
        var longest = [Int32](repeating: -1, count: nodes.count)
        func depth(_ start: Int) -> Int32 {
            var stack = [start]
            while let n = stack.last {
                if longest[n] >= 0 { stack.removeLast(); continue }
                let node = nodes[n]
                if node.mode == .leaf { longest[n] = 0; stack.removeLast(); continue }
                let t = Int(node.trueChild), f = Int(node.falseChild)
                if longest[t] >= 0 && longest[f] >= 0 {
                    longest[n] = 1 + max(longest[t], longest[f])
                    stack.removeLast()
                } else {
                    if longest[t] < 0 { stack.append(t) }
                    if longest[f] < 0 { stack.append(f) }
                }
            }
            return longest[start]
        }
        let roots = rootPositions.map { newIndex[$0] }
        var depths: [Int32] = []
        var lockstep: [Bool] = []
        for root in roots {
            let d = depth(Int(root))
            depths.append(d)
            // Mean leaf depth over root-to-leaf paths (bounded walk; trees here are small).
            var total = 0, leaves = 0
            var stack: [(Int, Int)] = [(Int(root), 0)]
            while let (n, level) = stack.popLast(), leaves < 1 << 16 {
                let node = nodes[n]
                if node.mode == .leaf { total += level; leaves += 1; continue }
                stack.append((Int(node.trueChild), level + 1))
                stack.append((Int(node.falseChild), level + 1))
            }
            let mean = leaves == 0 ? 0 : Double(total) / Double(leaves)
            lockstep.append(Double(d) <= 2 * mean + 4)
        }
        return MLTreeForest(nodes: nodes, roots: roots, depths: depths, lockstep: lockstep, weights: weights,
                            leafStart: leafStart, leafCount: leafCount, maxFeature: maxFeature, allLEQ: allLEQ,
                            hasMissingTracks: nodes.contains { $0.missingTracksTrue })
    }
}
