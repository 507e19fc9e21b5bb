import XCTest
@testable import ModelRuntime

/// Semantics of default-domain operators that the fixtures exercise only
/// partly: opset-dependent attributes, broadcasting, edge cases.
final class StandardOperatorTests: XCTestCase {
    /// Runs `op(x, constants...)` and returns output `y` (or `y<index>`).
    private func run(_ opType: String, _ x: Tensor, attributes: [(String, Attribute)] = [],
                     constants: [(String, Tensor)] = [], opset: Int = 17, outputs: Int = 1,
                     output index: Int = 0) throws -> Tensor {
        var model = TestModel.single(opType, inputDims: nil, inputType: x.elementType.rawValue,
                                     attributes: attributes, constants: constants, opset: opset, outputs: outputs)
        model.outputs = model.outputs.map { TestModel.Info(name: $0.name, elementType: 1, dims: nil) }
        let result = try model.load().run(["x": x])
        let name = outputs == 1 ? "y" : "y\(index)"
        guard let t = result[name]?.tensor else { throw FixtureError("no tensor output \(name)") }
        return t
    }

    private func assertClose(_ a: [Float]?, _ b: [Float], accuracy: Float = 1e-6,
                             file: StaticString = #filePath, line: UInt = #line) {
        guard let a, a.count == b.count else { return XCTFail("\(String(describing: a)) vs \(b)", file: file, line: line) }
        for (x, y) in zip(a, b) where !(abs(x - y) <= accuracy || (x.isNaN && y.isNaN)) {
            return XCTFail("\(a) vs \(b)", file: file, line: line)
        }
    }

    func testSoftmaxBefore13CoercesTo2DAndFrom13RunsPerAxis() throws {
        let x = Tensor(shape: [1, 2, 2], floats: [0, 0, 0, 0])
        // opset 11, axis 1: one softmax over all 4 values.
        assertClose(try run("Softmax", x, attributes: [("axis", .int(1))], opset: 11).storage.floatValues,
                    [0.25, 0.25, 0.25, 0.25])
        // opset 13, axis 1: softmax over the 2 values of axis 1.
        assertClose(try run("Softmax", x, attributes: [("axis", .int(1))], opset: 13).storage.floatValues,
                    [0.5, 0.5, 0.5, 0.5])
        let y = try run("Softmax", Tensor(shape: [2, 2], floats: [1, 2, 3, 5]), opset: 13)
        assertClose(y.storage.floatValues, [0.26894143, 0.7310586, 0.11920292, 0.880797])
        let logY = try run("LogSoftmax", Tensor(shape: [1, 2], floats: [1, 2]), opset: 13)
        assertClose(logY.storage.floatValues, [-1.3132616, -0.31326166])
    }

    func testReshapeZeroCopiesUnlessAllowZeroAndMinusOneIsInferred() throws {
        let x = Tensor(shape: [2, 3, 4], floats: (0..<24).map(Float.init))
        XCTAssertEqual(try run("Reshape", x, constants: [("s", Tensor(shape: [2], int64s: [0, -1]))]).shape, [2, 12])
        XCTAssertEqual(try run("Reshape", x, constants: [("s", Tensor(shape: [3], int64s: [-1, 0, 2]))]).shape, [4, 3, 2])
        let empty = Tensor(shape: [0, 3], floats: [])
        XCTAssertEqual(try run("Reshape", empty, attributes: [("allowzero", .int(1))],
                               constants: [("s", Tensor(shape: [2], int64s: [3, 0]))]).shape, [3, 0])
        XCTAssertThrowsError(try run("Reshape", x, constants: [("s", Tensor(shape: [2], int64s: [5, -1]))]))
    }

    func testSqueezeAndUnsqueezeTakeAxesFromAttributeBefore13AndInputFrom13() throws {
        let x = Tensor(shape: [1, 3, 1], floats: [1, 2, 3])
        XCTAssertEqual(try run("Squeeze", x, attributes: [("axes", .ints([0]))], opset: 11).shape, [3, 1])
        XCTAssertEqual(try run("Squeeze", x, constants: [("a", Tensor(shape: [1], int64s: [-1]))], opset: 13).shape, [1, 3])
        XCTAssertEqual(try run("Squeeze", x, opset: 13).shape, [3])
        XCTAssertThrowsError(try run("Squeeze", x, constants: [("a", Tensor(shape: [1], int64s: [1]))], opset: 13))
        let v = Tensor(shape: [3], floats: [1, 2, 3])
        XCTAssertEqual(try run("Unsqueeze", v, attributes: [("axes", .ints([0, 2]))], opset: 11).shape, [1, 3, 1])
        XCTAssertEqual(try run("Unsqueeze", v, constants: [("a", Tensor(shape: [1], int64s: [-1]))], opset: 13).shape, [3, 1])
    }

    func testReductionsWithAxesAttributeOrInput() throws {
        let x = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        let sum11 = try run("ReduceSum", x, attributes: [("axes", .ints([1])), ("keepdims", .int(0))], opset: 11)
        XCTAssertEqual(sum11.shape, [2]); assertClose(sum11.storage.floatValues, [6, 15])
        let sum13 = try run("ReduceSum", x, constants: [("a", Tensor(shape: [1], int64s: [0]))], opset: 13)
        XCTAssertEqual(sum13.shape, [1, 3]); assertClose(sum13.storage.floatValues, [5, 7, 9])
        XCTAssertEqual(try run("ReduceSum", x, opset: 13).storage.floatValues, [21])
        XCTAssertEqual(try run("ReduceSum", x, attributes: [("noop_with_empty_axes", .int(1))], opset: 13).shape, [2, 3])
        let mean17 = try run("ReduceMean", x, attributes: [("axes", .ints([1]))], opset: 17)
        XCTAssertEqual(mean17.shape, [2, 1]); assertClose(mean17.storage.floatValues, [2, 5])
        let max18 = try run("ReduceMax", x, constants: [("a", Tensor(shape: [1], int64s: [1]))], opset: 18)
        assertClose(max18.storage.floatValues, [3, 6])
        let lse = try run("ReduceLogSumExp", Tensor(shape: [1, 2], floats: [1000, 1000]), attributes: [("axes", .ints([1]))], opset: 13)
        assertClose(lse.storage.floatValues, [1000.6931], accuracy: 1e-3)
        let squares = try run("ReduceSumSquare", x, attributes: [("axes", .ints([1]))], opset: 13)
        assertClose(squares.storage.floatValues, [14, 77])
    }

    func testArgMaxKeepDimsAndSelectLastIndex() throws {
        let x = Tensor(shape: [2, 3], floats: [1, 3, 3, 2, 0, 2])
        let first = try run("ArgMax", x, attributes: [("axis", .int(1)), ("keepdims", .int(0))], opset: 13)
        XCTAssertEqual(first.shape, [2]); XCTAssertEqual(first.storage.int64Values, [1, 0])
        let last = try run("ArgMax", x, attributes: [("axis", .int(1)), ("select_last_index", .int(1))], opset: 13)
        XCTAssertEqual(last.shape, [2, 1]); XCTAssertEqual(last.storage.int64Values, [2, 2])
        let argmin = try run("ArgMin", x, attributes: [("axis", .int(0))], opset: 13)
        XCTAssertEqual(argmin.storage.int64Values, [0, 1, 1])
    }

    func testCastMatchesOnnxruntime() throws {
        let x = Tensor(shape: [6], floats: [0.3, 1, -2.5, .nan, .infinity, 1.7])
        XCTAssertEqual(try run("Cast", x, attributes: [("to", .int(8))]).storage.stringValues,
                       ["0.30000001", "1", "-2.5", "NaN", "INF", "1.7"])
        XCTAssertEqual(try run("Cast", x, attributes: [("to", .int(7))]).storage.int64Values,
                       [0, 1, -2, .min, .min, 1])
        XCTAssertEqual(try run("Cast", x, attributes: [("to", .int(9))]).storage.boolValues,
                       [true, true, true, true, true, true])
        let s = Tensor(shape: [3], strings: ["1.5", " 2", "-INF"])
        XCTAssertEqual(try run("Cast", s, attributes: [("to", .int(1))]).storage.floatValues, [1.5, 2, -.infinity])
        XCTAssertThrowsError(try run("Cast", Tensor(shape: [1], strings: ["abc"]), attributes: [("to", .int(1))])) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .execution)
        }
    }

    func testGemmTransposesScalesAndBroadcastsC() throws {
        // A is [2,3] and B is [3,2]; both are stored transposed.
        let a = Tensor(shape: [3, 2], floats: [1, 4, 2, 5, 3, 6])   // A^T of [[1,2,3],[4,5,6]]
        let b = Tensor(shape: [2, 3], floats: [1, 0, 1, 0, 1, 1])   // B^T of [[1,0],[0,1],[1,1]]
        let c = Tensor(shape: [2], floats: [10, 20])
        let y = try run("Gemm", a, attributes: [("transA", .int(1)), ("transB", .int(1)), ("alpha", .float(2)), ("beta", .float(0.5))],
                        constants: [("b", b), ("c", c)], opset: 13)
        // A*B = [[4,5],[10,11]]; 2*AB + 0.5*C = [[13,20],[25,32]]
        XCTAssertEqual(y.shape, [2, 2]); assertClose(y.storage.floatValues, [13, 20, 25, 32])
    }

    func testMatMulBatchedAndOneDimensional() throws {
        let a = Tensor(shape: [2, 1, 2], floats: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], floats: [1, 0, 0, 1])
        let y = try run("MatMul", a, constants: [("b", b)])
        XCTAssertEqual(y.shape, [2, 1, 2]); assertClose(y.storage.floatValues, [1, 2, 3, 4])
        let v = try run("MatMul", Tensor(shape: [2], floats: [1, 1]), constants: [("b", Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]))])
        XCTAssertEqual(v.shape, [3]); assertClose(v.storage.floatValues, [5, 7, 9])
        // Against a naive product: narrow outputs (8-row blocks + remainder) and
        // wide ones (4-row blocks + remainder).
        for (m, k, n) in [(7, 5, 3), (19, 6, 3), (13, 5, 9), (4, 3, 1)] {
            let av = (0..<(m * k)).map { Float($0 % 11) - 5 }, bv = (0..<(k * n)).map { Float($0 % 7) - 3 }
            let big = try run("MatMul", Tensor(shape: [m, k], floats: av), constants: [("b", Tensor(shape: [k, n], floats: bv))])
            var expected = [Float](repeating: 0, count: m * n)
            for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] += av[i * k + p] * bv[p * n + j] } } }
            XCTAssertEqual(big.shape, [m, n])
            assertClose(big.storage.floatValues, expected)
        }
    }

    func testBroadcastingArithmetic() throws {
        let x = Tensor(shape: [2, 1], floats: [1, 2])
        let y = try run("Add", x, constants: [("b", Tensor(shape: [3], floats: [10, 20, 30]))])
        XCTAssertEqual(y.shape, [2, 3]); XCTAssertEqual(y.storage.floatValues, [11, 21, 31, 12, 22, 32])
        let d = try run("Div", Tensor(shape: [2], int64s: [7, -7]), constants: [("b", Tensor(shape: [], int64s: [2]))])
        XCTAssertEqual(d.storage.int64Values, [3, -3])
        XCTAssertThrowsError(try run("Add", x, constants: [("b", Tensor(shape: [3, 1], floats: [1, 2, 3]))]))
        let p = try run("Pow", Tensor(shape: [3], floats: [2, 3, 4]), constants: [("e", Tensor(shape: [], int64s: [2]))])
        XCTAssertEqual(p.storage.floatValues, [4, 9, 16])
    }

    func testGatherConcatTransposeSliceWhere() throws {
        let x = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        let g = try run("Gather", x, attributes: [("axis", .int(1))], constants: [("i", Tensor(shape: [2], int64s: [-1, 0]))], opset: 13)
        XCTAssertEqual(g.shape, [2, 2]); XCTAssertEqual(g.storage.floatValues, [3, 1, 6, 4])
        XCTAssertThrowsError(try run("Gather", x, constants: [("i", Tensor(shape: [1], int64s: [5]))], opset: 13)) { error in
            XCTAssertTrue("\(error)".contains("out of range"), "\(error)")
        }
        let c = try run("Concat", x, attributes: [("axis", .int(-1))], constants: [("b", Tensor(shape: [2, 1], floats: [7, 8]))], opset: 13)
        XCTAssertEqual(c.shape, [2, 4]); XCTAssertEqual(c.storage.floatValues, [1, 2, 3, 7, 4, 5, 6, 8])
        let t = try run("Transpose", x, opset: 13)
        XCTAssertEqual(t.shape, [3, 2]); XCTAssertEqual(t.storage.floatValues, [1, 4, 2, 5, 3, 6])
        let s = try run("Slice", x, constants: [("s", Tensor(shape: [1], int64s: [-1])), ("e", Tensor(shape: [1], int64s: [-100])),
                                                ("a", Tensor(shape: [1], int64s: [1])), ("st", Tensor(shape: [1], int64s: [-2]))], opset: 13)
        XCTAssertEqual(s.shape, [2, 2]); XCTAssertEqual(s.storage.floatValues, [3, 1, 6, 4])
        var model = TestModel(nodes: [.init(opType: "Where", inputs: ["c", "x", "z"], outputs: ["y"])],
                              inputs: [.init(name: "x", elementType: 1, dims: nil)],
                              outputs: [.init(name: "y", elementType: 1, dims: nil)],
                              initializers: [("c", Tensor(shape: [3], bools: [true, false, true])),
                                             ("z", Tensor(shape: [], floats: [0]))])
        model.opsets = [("", 17)]
        let w = try model.load().run(["x": x])["y"]?.tensor
        XCTAssertEqual(w?.storage.floatValues, [1, 0, 3, 4, 0, 6])
    }

    func testTopKReturnsValuesAndIndicesWithStableTies() throws {
        let x = Tensor(shape: [1, 5], floats: [3, 1, 3, 2, 0])
        let values = try run("TopK", x, constants: [("k", Tensor(shape: [1], int64s: [3]))], opset: 13, outputs: 2, output: 0)
        let indices = try run("TopK", x, constants: [("k", Tensor(shape: [1], int64s: [3]))], opset: 13, outputs: 2, output: 1)
        XCTAssertEqual(values.storage.floatValues, [3, 3, 2])
        XCTAssertEqual(indices.storage.int64Values, [0, 2, 3])
        let smallest = try run("TopK", x, attributes: [("largest", .int(0))], constants: [("k", Tensor(shape: [1], int64s: [2]))],
                               opset: 13, outputs: 2, output: 1)
        XCTAssertEqual(smallest.storage.int64Values, [4, 1])
    }

    func testElementwiseMath() throws {
        let x = Tensor(shape: [4], floats: [-2, -0.5, 0, 3])
        XCTAssertEqual(try run("Relu", x).storage.floatValues, [0, 0, 0, 3])
        assertClose(try run("LeakyRelu", x, attributes: [("alpha", .float(0.1))]).storage.floatValues, [-0.2, -0.05, 0, 3])
        XCTAssertEqual(try run("Sign", x).storage.floatValues, [-1, -1, 0, 1])
        XCTAssertEqual(try run("Abs", x).storage.floatValues, [2, 0.5, 0, 3])
        assertClose(try run("Sigmoid", x).storage.floatValues, [0.11920292, 0.37754068, 0.5, 0.95257413])
        assertClose(try run("Tanh", x).storage.floatValues, [-0.9640276, -0.46211717, 0, 0.9950548])
        assertClose(try run("Clip", x, constants: [("lo", Tensor(shape: [], floats: [-1])), ("hi", Tensor(shape: [], floats: [1]))],
                            opset: 13).storage.floatValues, [-1, -0.5, 0, 1])
        assertClose(try run("Clip", x, attributes: [("min", .float(0))], opset: 9).storage.floatValues, [0, 0, 0, 3])
    }

    func testHostileShapesFailWithErrorsNotTraps() throws {
        let x = Tensor(shape: [2, 2], floats: [1, 2, 3, 4])
        XCTAssertThrowsError(try run("Reshape", x, constants: [("s", Tensor(shape: [3], int64s: [1 << 62, 4, 4]))]))
        XCTAssertThrowsError(try run("Reshape", x, constants: [("s", Tensor(shape: [3], int64s: [1 << 62, 1 << 62, -1]))]))
        XCTAssertThrowsError(try run("Expand", x, constants: [("s", Tensor(shape: [3], int64s: [1 << 40, 1 << 40, 2]))]))
        XCTAssertThrowsError(try run("Tile", x, constants: [("r", Tensor(shape: [2], int64s: [1 << 62, 1 << 62]))]))
        let huge = try run("Slice", x, constants: [("s", Tensor(shape: [1], int64s: [0])), ("e", Tensor(shape: [1], int64s: [.max])),
                                                   ("a", Tensor(shape: [1], int64s: [0])), ("st", Tensor(shape: [1], int64s: [.max]))], opset: 13)
        XCTAssertEqual(huge.shape, [1, 2]); XCTAssertEqual(huge.storage.floatValues, [1, 2])
        let backwards = try run("Slice", x, constants: [("s", Tensor(shape: [1], int64s: [.max])), ("e", Tensor(shape: [1], int64s: [.min])),
                                                        ("a", Tensor(shape: [1], int64s: [1])), ("st", Tensor(shape: [1], int64s: [.min]))], opset: 13)
        XCTAssertEqual(backwards.storage.floatValues, [2, 4])
        var model = TestModel(nodes: [.init(opType: "ConstantOfShape", inputs: ["x"], outputs: ["y"])],
                              inputs: [.init(name: "x", elementType: 7, dims: nil)],
                              outputs: [.init(name: "y", elementType: 1, dims: nil)])
        model.opsets = [("", 17)]
        XCTAssertThrowsError(try model.load().run(["x": Tensor(shape: [2], int64s: [1 << 40, 1 << 40])])) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .execution)
        }
    }

    func testAxesOnScalarsAreErrors() throws {
        let scalar = Tensor(shape: [], floats: [1])
        XCTAssertThrowsError(try run("Concat", scalar, attributes: [("axis", .int(0))], opset: 13))
        XCTAssertThrowsError(try run("ArgMax", scalar, opset: 13))
        XCTAssertThrowsError(try run("Slice", scalar, constants: [("s", Tensor(shape: [1], int64s: [0])), ("e", Tensor(shape: [1], int64s: [1]))], opset: 13))
        XCTAssertThrowsError(try run("Gather", scalar, constants: [("i", Tensor(shape: [], int64s: [0]))], opset: 13))
        XCTAssertThrowsError(try run("Softmax", scalar, opset: 13))
        XCTAssertEqual(try run("ReduceSum", scalar, opset: 13).storage.floatValues, [1])
    }

    func testTransposeOfRankThreeMatchesIndexArithmetic() throws {
        let values = (0..<24).map(Float.init)
        let y = try run("Transpose", Tensor(shape: [2, 3, 4], floats: values), attributes: [("perm", .ints([2, 0, 1]))], opset: 13)
        XCTAssertEqual(y.shape, [4, 2, 3])
        var expected: [Float] = []
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected.append(values[i * 12 + j * 4 + k]) } } }
        XCTAssertEqual(y.storage.floatValues, expected)
        let strings = try run("Transpose", Tensor(shape: [2, 2], strings: ["a", "b", "c", "d"]), opset: 13)
        XCTAssertEqual(strings.storage.stringValues, ["a", "c", "b", "d"])
    }
}
