import XCTest
@testable import ModelRuntime

/// Builds ai.onnx.ml nodes by hand and runs them through the registered kernels.
enum MLTest {
    static func node(_ op: String, _ attributes: [String: Attribute], opset: Int = 1) -> NodeDescription {
        NodeDescription(name: "test_\(op)", opType: op, domain: "ai.onnx.ml", inputs: ["X"], outputs: ["Y", "Z"],
                        attributes: attributes, opsetVersion: opset)
    }

    static func kernel(_ op: String, _ attributes: [String: Attribute], opset: Int = 1) throws -> any Kernel {
        let candidates = MLOperators.registrations.filter { $0.opType == op && $0.sinceVersion <= opset }
        guard let r = candidates.max(by: { $0.sinceVersion < $1.sinceVersion }) else {
            throw ModelError(.unsupported, "no kernel for \(op)")
        }
        return try r.make(node(op, attributes, opset: opset))
    }

    static func run(_ op: String, _ attributes: [String: Attribute], _ inputs: [Tensor], opset: Int = 1) throws -> KernelOutputs {
        try kernel(op, attributes, opset: opset).compute(values: inputs.map { .tensor($0) })
    }

    static func floats(_ v: Value) -> [Float] {
        if case .tensor(let t) = v, case .float(let f) = t.storage { return f }
        return []
    }

    static func int64s(_ v: Value) -> [Int64] {
        if case .tensor(let t) = v, case .int64(let f) = t.storage { return f }
        return []
    }

    static func strings(_ v: Value) -> [String] {
        if case .tensor(let t) = v, case .string(let f) = t.storage { return f }
        return []
    }

    static func shape(_ v: Value) -> [Int] {
        v.tensor?.shape ?? []
    }

    /// Asserts that `body` throws a ModelError of `kind` whose message mentions `text`.
    static func assertThrows(_ kind: ModelError.Kind, _ text: String, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Any) {
        do {
            _ = try body()
            XCTFail("expected a ModelError mentioning '\(text)'", file: file, line: line)
        } catch let error as ModelError {
            XCTAssertEqual(error.kind, kind, "\(error.message)", file: file, line: line)
            XCTAssertTrue(error.message.contains(text), "message '\(error.message)' lacks '\(text)'", file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }
}


final class MLTreeEnsembleTests: XCTestCase {
    /// Tree 0: x0 <= 0.5 ? leaf 1 : (x1 < 2 ? leaf 3 : leaf 4).
    /// Tree 1: x1 <= 0 ? leaf 1 : leaf 2.
    func forest(modes: [String]? = nil) -> [String: Attribute] {
        [
            "nodes_treeids": .ints([0, 0, 0, 0, 0, 1, 1, 1]),
            "nodes_nodeids": .ints([0, 1, 2, 3, 4, 0, 1, 2]),
            "nodes_featureids": .ints([0, 0, 1, 0, 0, 1, 0, 0]),
            "nodes_values": .floats([0.5, 0, 2, 0, 0, 0, 0, 0]),
            "nodes_modes": .strings(modes ?? ["BRANCH_LEQ", "LEAF", "BRANCH_LT", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"]),
            "nodes_truenodeids": .ints([1, 0, 3, 0, 0, 1, 0, 0]),
            "nodes_falsenodeids": .ints([2, 0, 4, 0, 0, 2, 0, 0]),
        ]
    }

    func regressor(_ aggregate: String = "SUM", base: [Float]? = nil) -> [String: Attribute] {
        var a = forest()
        a["n_targets"] = .int(1)
        a["aggregate_function"] = .string(aggregate)
        a["target_treeids"] = .ints([0, 0, 0, 1, 1])
        a["target_nodeids"] = .ints([1, 3, 4, 1, 2])
        a["target_ids"] = .ints([0, 0, 0, 0, 0])
        a["target_weights"] = .floats([1, 2, 3, 10, 20])
        if let base { a["base_values"] = .floats(base) }
        return a
    }

    let rows = Tensor(shape: [4, 2], floats: [0, -1,   1, 1,   1, 5,   0.5, 0])

    func testSumFollowsBothTrees() throws {
        // Row 0: tree 0 → leaf 1 (1), tree 1 → leaf 1 (10). Row 1: leaf 3 (2) + leaf 2 (20).
        // Row 2: leaf 4 (3) + leaf 2 (20). Row 3: x0 = 0.5 <= 0.5 → leaf 1 (1) + x1 = 0 <= 0 → 10.
        let y = try MLTest.run("TreeEnsembleRegressor", regressor(), [rows])
        XCTAssertEqual(MLTest.shape(y[0]), [4, 1])
        XCTAssertEqual(MLTest.floats(y[0]), [11, 22, 23, 11])
    }

    func testAverageMinMaxAndBaseValue() throws {
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", regressor("AVERAGE", base: [1]), [rows])[0]),
                       [6.5, 12, 12.5, 6.5])
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", regressor("MIN"), [rows])[0]), [1, 2, 3, 1])
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", regressor("MAX", base: [0.5]), [rows])[0]),
                       [10.5, 20.5, 20.5, 10.5])
    }

    func testMissingValueGoesToTrueBranchOnlyWhenTracked() throws {
        let nan = Tensor(shape: [1, 2], floats: [.nan, .nan])
        // NaN fails every comparison: false branches, leaf 3 or 4 via x1 NaN < 2 false → leaf 4 (3) + leaf 2 (20).
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", regressor(), [nan])[0]), [23])
        var tracked = regressor()
        tracked["nodes_missing_value_tracks_true"] = .ints([1, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", tracked, [nan])[0]), [11])
    }

    func testDoubleInputComparesInDouble() throws {
        // 0.5000000001 is above the threshold in double but rounds to 0.5 in float.
        var a = regressor()
        a["nodes_values_as_tensor"] = .tensor(Tensor(shape: [8], doubles: [0.5, 0, 2, 0, 0, 0, 0, 0]))
        a["nodes_values"] = nil
        let x = Tensor(shape: [1, 2], doubles: [0.5000000001, 1])
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", a, [x], opset: 3)[0]), [22])
        let xf = Tensor(shape: [1, 2], floats: [Float(0.5000000001), 1])
        XCTAssertEqual(MLTest.floats(try MLTest.run("TreeEnsembleRegressor", a, [xf], opset: 3)[0]), [21])
    }

    func testClassifierMulticlassLabelsAndSoftmax() throws {
        var a = forest()
        a["classlabels_int64s"] = .ints([5, 6, 7])
        a["class_treeids"] = .ints([0, 0, 0, 1, 1])
        a["class_nodeids"] = .ints([1, 3, 4, 1, 2])
        a["class_ids"] = .ints([0, 1, 2, 0, 2])
        a["class_weights"] = .floats([1, 1, 1, 1, 1])
        let out = try MLTest.run("TreeEnsembleClassifier", a, [rows])
        XCTAssertEqual(MLTest.int64s(out[0]), [5, 6, 7, 5])
        // Row 1: class 1 from tree 0, class 2 from tree 1: a tie, the first class wins.
        XCTAssertEqual(MLTest.floats(out[1]), [2, 0, 0,   0, 1, 1,   0, 0, 2,   2, 0, 0])
        a["post_transform"] = .string("SOFTMAX")
        let soft = MLTest.floats(try MLTest.run("TreeEnsembleClassifier", a, [rows])[1])
        XCTAssertEqual(soft[0] + soft[1] + soft[2], 1, accuracy: 1e-6)
        XCTAssertEqual(soft[1], soft[2])
    }

    func testBinaryClassifierWithOneClassIdWidensToTwoColumns() throws {
        var a = forest()
        a["classlabels_strings"] = .strings(["no", "yes"])
        a["class_treeids"] = .ints([0, 0, 0, 1, 1])
        a["class_nodeids"] = .ints([1, 3, 4, 1, 2])
        a["class_ids"] = .ints([1, 1, 1, 1, 1])
        a["class_weights"] = .floats([0.1, 0.2, 0.3, 0.1, 0.4])
        let out = try MLTest.run("TreeEnsembleClassifier", a, [rows])
        // Positive score 0.2, 0.6, 0.7, 0.2 compared with 0.5 (all weights positive).
        XCTAssertEqual(MLTest.strings(out[0]), ["no", "yes", "yes", "no"])
        let z = MLTest.floats(out[1])
        XCTAssertEqual(z[1], Float(0.1) + Float(0.1))
        XCTAssertEqual(z[0], 0)  // class 0 never received a weight
    }

    func testRejectsMalformedTrees() {
        var cycle = regressor()
        cycle["nodes_truenodeids"] = .ints([1, 0, 0, 0, 0, 1, 0, 0])  // node 2's true child is the root
        MLTest.assertThrows(.invalidModel, "cycle") { try MLTest.kernel("TreeEnsembleRegressor", cycle) }

        var missing = regressor()
        missing["nodes_falsenodeids"] = .ints([9, 0, 4, 0, 0, 2, 0, 0])
        MLTest.assertThrows(.invalidModel, "does not exist") { try MLTest.kernel("TreeEnsembleRegressor", missing) }

        var duplicate = regressor()
        duplicate["nodes_nodeids"] = .ints([0, 1, 2, 3, 3, 0, 1, 2])
        MLTest.assertThrows(.invalidModel, "twice") { try MLTest.kernel("TreeEnsembleRegressor", duplicate) }

        var short = regressor()
        short["nodes_modes"] = .strings(["BRANCH_LEQ", "LEAF"])
        MLTest.assertThrows(.invalidModel, "nodes_modes") { try MLTest.kernel("TreeEnsembleRegressor", short) }

        var mode = regressor()
        mode["nodes_modes"] = .strings(["BRANCH_SOMETIMES", "LEAF", "BRANCH_LT", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"])
        MLTest.assertThrows(.unsupported, "BRANCH_SOMETIMES") { try MLTest.kernel("TreeEnsembleRegressor", mode) }

        var target = regressor()
        target["target_ids"] = .ints([0, 0, 0, 0, 3])
        MLTest.assertThrows(.invalidModel, "target_ids") { try MLTest.kernel("TreeEnsembleRegressor", target) }

        var weightNode = regressor()
        weightNode["target_nodeids"] = .ints([1, 3, 4, 1, 7])
        MLTest.assertThrows(.invalidModel, "target_nodeids") { try MLTest.kernel("TreeEnsembleRegressor", weightNode) }

        var transform = regressor()
        transform["post_transform"] = .string("SQUASH")
        MLTest.assertThrows(.unsupported, "SQUASH") { try MLTest.kernel("TreeEnsembleRegressor", transform) }

        var aggregate = regressor()
        aggregate["aggregate_function"] = .string("MEDIAN")
        MLTest.assertThrows(.unsupported, "MEDIAN") { try MLTest.kernel("TreeEnsembleRegressor", aggregate) }

        var wrongKind = regressor()
        wrongKind["nodes_values"] = .strings(["a"])
        MLTest.assertThrows(.invalidModel, "nodes_values") { try MLTest.kernel("TreeEnsembleRegressor", wrongKind) }
    }

    func testRejectsInputsTheTreesCannotRead() throws {
        let k = try MLTest.kernel("TreeEnsembleRegressor", regressor())
        MLTest.assertThrows(.invalidInput, "feature 1") {
            try k.compute(values: [.tensor(Tensor(shape: [2, 1], floats: [0, 1]))])
        }
        MLTest.assertThrows(.invalidInput, "string") {
            try k.compute(values: [.tensor(Tensor(shape: [1, 2], strings: ["a", "b"]))])
        }
        MLTest.assertThrows(.invalidInput, "missing") { try k.compute(values: [nil]) }
    }

    func testLargeBatchMatchesRowByRow() throws {
        // Blocks of 128 rows must give exactly the per-row results.
        let k = try MLTest.kernel("TreeEnsembleRegressor", regressor("AVERAGE"))
        var values: [Float] = []
        for i in 0..<300 { values += [Float(i % 7) * 0.2, Float(i % 5) - 1] }
        let batch = MLTest.floats(try k.compute(values: [.tensor(Tensor(shape: [300, 2], floats: values))])[0])
        for i in stride(from: 0, to: 300, by: 37) {
            let one = MLTest.floats(try k.compute(values: [.tensor(Tensor(shape: [1, 2], floats: [values[2 * i], values[2 * i + 1]]))])[0])
            XCTAssertEqual(batch[i], one[0], "row \(i)")
        }
    }
}
