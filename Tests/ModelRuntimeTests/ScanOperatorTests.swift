import XCTest
@testable import ModelRuntime

/// Scan (as skl2onnx's KNeighbors uses it, and the axis/direction variants).
final class ScanOperatorTests: XCTestCase {
    /// Body: state' = state + row; scan_out = row * factor (factor from the outer graph).
    private func cumulativeSum(attributes: [(String, Attribute)]) -> TestModel {
        let body = TestModel(
            nodes: [.init(opType: "Add", inputs: ["state_in", "row"], outputs: ["state_out"]),
                    .init(opType: "Mul", inputs: ["row", "factor"], outputs: ["scaled"])],
            inputs: [.init(name: "state_in", elementType: 1, dims: [2]), .init(name: "row", elementType: 1, dims: [2])],
            outputs: [.init(name: "state_out", elementType: 1, dims: [2]), .init(name: "scaled", elementType: 1, dims: [2])])
        return TestModel(
            nodes: [.init(opType: "Scan", inputs: ["init", "x"], outputs: ["final", "y"], name: "scan",
                          attributes: [("num_scan_inputs", .int(1))] + attributes, graphs: [("body", body)])],
            inputs: [.init(name: "x", elementType: 1, dims: nil)],
            outputs: [.init(name: "final", elementType: 1, dims: nil), .init(name: "y", elementType: 1, dims: nil)],
            initializers: [("init", Tensor(shape: [2], floats: [0, 0])), ("factor", Tensor(shape: [], floats: [10]))],
            opsets: [("", 17)])
    }

    func testScanThreadsStateAndStacksOutputs() throws {
        let model = try cumulativeSum(attributes: []).load()
        let out = try model.run(["x": Tensor(shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])])
        XCTAssertEqual(out["final"]?.tensor?.storage.floatValues, [9, 12])
        XCTAssertEqual(out["y"]?.tensor?.shape, [3, 2])
        XCTAssertEqual(out["y"]?.tensor?.storage.floatValues, [10, 20, 30, 40, 50, 60])
    }

    func testScanAlongAxisOneInReverseWithOutputAxisOne() throws {
        let model = try cumulativeSum(attributes: [("scan_input_axes", .ints([1])), ("scan_input_directions", .ints([1])),
                                                   ("scan_output_axes", .ints([1]))]).load()
        // x [2,3]: columns (1,4), (2,5), (3,6) visited last to first.
        let out = try model.run(["x": Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])])
        XCTAssertEqual(out["final"]?.tensor?.storage.floatValues, [6, 15])
        // Pieces in visiting order (30,60), (20,50), (10,40), stacked on axis 1.
        XCTAssertEqual(out["y"]?.tensor?.shape, [2, 3])
        XCTAssertEqual(out["y"]?.tensor?.storage.floatValues, [30, 20, 10, 60, 50, 40])
    }

    func testScanBodyErrorsNameTheBodyNode() throws {
        let model = try cumulativeSum(attributes: []).load()
        XCTAssertThrowsError(try model.run(["x": Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])])) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .execution)
            XCTAssertTrue(e.message.contains("'scan'") && e.message.contains("Add"), e.message)
        }
    }
}
