import Foundation
import XCTest
@testable import ModelRuntime

/// `run` checks feeds by name, element type and shape, like onnxruntime.
final class ModelRunValidationTests: XCTestCase {
    private func model() throws -> Model {
        var m = TestModel.single("Relu", inputDims: [nil, 4])
        m.outputs = [.init(name: "y", elementType: 1, dims: [nil, 4])]
        return try m.load()
    }

    private func expectInvalidInput(_ body: () throws -> Void, contains fragments: [String],
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .invalidInput, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(e.message.contains(fragment), "missing \(fragment) in: \(e.message)", file: file, line: line)
            }
        }
    }

    func testDescribesInputsAndOutputs() throws {
        let m = try model()
        XCTAssertEqual(m.inputs, [ValueInfo(name: "x", type: .tensor(.float, shape: [.symbolic("N"), .fixed(4)]))])
        XCTAssertEqual(m.outputs.map(\.name), ["y"])
        XCTAssertEqual(m.producer, "swerve-tests 1.0")
        XCTAssertEqual(m.opsets[""], 17)
    }

    func testUnknownInputName() throws {
        let m = try model()
        expectInvalidInput({ _ = try m.run(["x": Tensor(shape: [1, 4], floats: [1, 2, 3, 4]),
                                            "z": Tensor(shape: [1], floats: [1])]) },
                           contains: ["unknown input 'z'", "'x'"])
    }

    func testMissingInput() throws {
        let m = try model()
        expectInvalidInput({ _ = try m.run([:]) }, contains: ["missing input 'x'", "float [N,4]"])
    }

    func testWrongElementType() throws {
        let m = try model()
        expectInvalidInput({ _ = try m.run(["x": Tensor(shape: [1, 4], doubles: [1, 2, 3, 4])]) },
                           contains: ["input 'x'", "expected float [N,4]", "got double [1,4]"])
    }

    func testWrongRank() throws {
        let m = try model()
        expectInvalidInput({ _ = try m.run(["x": Tensor(shape: [4], floats: [1, 2, 3, 4])]) },
                           contains: ["input 'x'", "expected float [N,4]", "got float [4]"])
    }

    func testFixedDimensionMismatch() throws {
        let m = try model()
        expectInvalidInput({ _ = try m.run(["x": Tensor(shape: [1, 3], floats: [1, 2, 3])]) },
                           contains: ["expected float [N,4]", "got float [1,3]"])
    }

    func testSymbolicDimensionAcceptsAnySize() throws {
        let m = try model()
        for rows in [0, 1, 7] {
            let x = Tensor(shape: [rows, 4], floats: (0..<(rows * 4)).map { Float($0) - 10 })
            let y = try m.run(["x": x])["y"]?.tensor
            XCTAssertEqual(y?.shape, [rows, 4])
            XCTAssertEqual(y?.storage.floatValues, x.storage.floatValues?.map { max($0, 0) })
        }
    }

    func testUnknownRequestedOutput() throws {
        let m = try model()
        expectInvalidInput({ _ = try m.run(["x": Tensor(shape: [1, 4], floats: [1, 2, 3, 4])], outputs: ["nope"]) },
                           contains: ["unknown output 'nope'", "'y'"])
    }

    func testRequestingOneOutputComputesOnlyWhatItNeeds() throws {
        // y0 = Relu(x); y1 = Div(int x, 0) would fail: asking for y0 alone must not run it.
        let m = try TestModel(
            nodes: [.init(opType: "Neg", inputs: ["x"], outputs: ["y0"], name: "neg"),
                    .init(opType: "Div", inputs: ["x", "zero"], outputs: ["y1"], name: "divide")],
            inputs: [.init(name: "x", elementType: 7, dims: [nil])],
            outputs: [.init(name: "y0", elementType: 7, dims: nil), .init(name: "y1", elementType: 7, dims: nil)],
            initializers: [("zero", Tensor(shape: [], int64s: [0]))]).load()
        let x = Tensor(shape: [2], int64s: [3, -4])
        let only = try m.run(["x": x], outputs: ["y0"])
        XCTAssertEqual(Array(only.keys), ["y0"])
        XCTAssertEqual(only["y0"]?.tensor?.storage.int64Values, [-3, 4])
        XCTAssertThrowsError(try m.run(["x": x])) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .execution)
            XCTAssertTrue(e.message.contains("'divide'") && e.message.contains("division by zero"), e.message)
        }
    }

    func testConcurrentRunsGiveIdenticalResults() throws {
        let fixture = try Fixture(file: fixturesDirectory.appendingPathComponent("mlp_classifier.json"))
        let model = try Model.load(path: fixture.modelPath)
        let input = try fixture.input(rows: 0..<fixture.rows.count)
        let reference = try model.run([fixture.inputName: input])
        let threads = 8, rounds = 25
        let results = ResultBox(count: threads)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var ok = true
            for _ in 0..<rounds {
                guard let out = try? model.run([fixture.inputName: input]) else { ok = false; break }
                if !sameOutputs(out, reference) { ok = false; break }
            }
            results.set(thread, ok)
        }
        XCTAssertEqual(results.values, [Bool](repeating: true, count: threads))
    }
}

/// Thread-safe per-thread result slots.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Bool]
    init(count: Int) { storage = [Bool](repeating: false, count: count) }
    func set(_ index: Int, _ value: Bool) { lock.lock(); storage[index] = value; lock.unlock() }
    var values: [Bool] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// Bitwise equality of two output sets.
func sameOutputs(_ a: [String: Value], _ b: [String: Value]) -> Bool {
    guard a.keys.sorted() == b.keys.sorted() else { return false }
    for (name, value) in a {
        switch (value, b[name]!) {
        case (.tensor(let x), .tensor(let y)):
            guard x.shape == y.shape, sameStorage(x.storage, y.storage) else { return false }
        case (.zipMap(let l1, let p1), .zipMap(let l2, let p2)):
            guard sameStorage(l1.storage, l2.storage), p1.shape == p2.shape, sameStorage(p1.storage, p2.storage) else { return false }
        default:
            return false
        }
    }
    return true
}

func sameStorage(_ a: TensorStorage, _ b: TensorStorage) -> Bool {
    switch (a, b) {
    case (.float(let x), .float(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
    case (.double(let x), .double(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
    case (.int64(let x), .int64(let y)): return x == y
    case (.int32(let x), .int32(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    default: return false
    }
}
