import SwerveTestSupport
import Foundation
import XCTest
@testable import ModelRuntime

/// Bad files must give a clear ModelError, never a crash.
final class ModelLoadingErrorTests: XCTestCase {
    private var irisBytes: [UInt8] {
        get throws { try [UInt8](Data(contentsOf: fixturesDirectory.appendingPathComponent("iris_svc_nozipmap.onnx"))) }
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try Model.load(path: "/nonexistent/model.onnx")) { error in
            let e = error as? ModelError
            XCTAssertEqual(e?.kind, .invalidModel)
            XCTAssertTrue(e?.message.contains("/nonexistent/model.onnx") ?? false, "\(error)")
        }
    }

    func testEmptyFileIsInvalidAndNamed() throws {
        let path = NSTemporaryDirectory() + "swerve-empty-\(getpid()).onnx"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Model.load(path: path)) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .invalidModel)
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testEveryTruncationFailsCleanly() throws {
        let bytes = try irisBytes
        XCTAssertNoThrow(try Model(bytes: bytes))
        // Every prefix length in the first 512 bytes, then a stride across the rest.
        var lengths = Array(0..<min(512, bytes.count))
        lengths += stride(from: 512, to: bytes.count, by: max(1, bytes.count / 400))
        for length in lengths {
            do {
                _ = try Model(bytes: Array(bytes[..<length]))
                XCTFail("a \(length)-byte prefix of a \(bytes.count)-byte model loaded")
            } catch let error as ModelError {
                // Mostly .invalidModel; a cut between opset imports can leave a
                // well-formed model importing too old a default opset (.unsupported).
                XCTAssertTrue(error.kind == .invalidModel || error.kind == .unsupported,
                              "prefix \(length): \(error.kind) \(error)")
                XCTAssertTrue(error.message.contains("in-memory model"), error.message)
            }
        }
    }

    func testTruncatedFileErrorNamesTheFile() throws {
        let bytes = try irisBytes
        let path = NSTemporaryDirectory() + "swerve-truncated-\(getpid()).onnx"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes[..<(bytes.count / 2)])))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Model.load(path: path)) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .invalidModel)
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testRandomCorruptionNeverCrashes() throws {
        let bytes = try irisBytes
        var generator = SplitMix64(seed: 42)
        var loaded = 0, rejected = 0
        for round in 0..<300 {
            var corrupt = bytes
            for _ in 0..<(1 + round % 8) {
                let position = Int(generator.next() % UInt64(corrupt.count))
                corrupt[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                let model = try Model(bytes: corrupt)
                loaded += 1
                // A corruption that still parses must still run or fail cleanly.
                if case .tensor(.float, _)? = model.inputs.first?.type, let name = model.inputs.first?.name {
                    _ = try? model.run([name: Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2])])
                }
            } catch is ModelError {
                rejected += 1
            }
        }
        XCTAssertEqual(loaded + rejected, 300)
        XCTAssertGreaterThan(rejected, 0)
    }

    func testUnsupportedOperatorsAreAllListed() throws {
        var model = TestModel.single("Relu")
        model.nodes = [
            .init(opType: "FancyOp", inputs: ["x"], outputs: ["a"], name: "first_fancy"),
            .init(opType: "Relu", inputs: ["a"], outputs: ["b"], name: "relu"),
            .init(opType: "MysteryML", inputs: ["b"], outputs: ["c"], name: "ml_node", domain: "ai.onnx.ml"),
            .init(opType: "FancyOp", inputs: ["c"], outputs: ["y"], name: "second_fancy"),
        ]
        model.opsets = [("", 17), ("ai.onnx.ml", 3)]
        XCTAssertThrowsError(try model.load()) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .unsupported)
            for fragment in ["FancyOp (domain 'ai.onnx'", "'first_fancy'", "'second_fancy'",
                             "MysteryML (domain 'ai.onnx.ml'", "'ml_node'"] {
                XCTAssertTrue(e.message.contains(fragment), "missing \(fragment) in: \(e.message)")
            }
            XCTAssertFalse(e.message.contains("'relu'"), e.message)
        }
    }

    func testUnsupportedAttributeValueIsReportedWithTheFactoryReason() throws {
        var model = TestModel.single("Cast", attributes: [("to", .int(10))])  // float16
        model.nodes[0].name = "to_half"
        XCTAssertThrowsError(try model.load()) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .unsupported)
            XCTAssertTrue(e.message.contains("'to_half'") && e.message.contains("float16"), e.message)
        }
    }

    func testOperatorVersionTooNewForOldOpsetIsUnsupported() throws {
        // LessOrEqual exists from opset 12 only.
        let model = TestModel.single("LessOrEqual", outputType: 9, constants: [("b", Tensor(shape: [], floats: [1]))], opset: 11)
        XCTAssertThrowsError(try model.load()) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .unsupported)
            XCTAssertTrue("\(error)".contains("LessOrEqual"), "\(error)")
        }
    }

    func testOpsetOutsideTheSupportedRangeIsUnsupported() throws {
        for (domain, version) in [("", 8), ("", 23), ("ai.onnx.ml", 4)] {
            var model = TestModel.single("Relu")
            model.opsets = [("", domain.isEmpty ? version : 17)] + (domain.isEmpty ? [] : [(domain, version)])
            XCTAssertThrowsError(try model.load()) { error in
                guard let e = error as? ModelError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.kind, .unsupported)
                XCTAssertTrue(e.message.contains("opset \(version)"), e.message)
                XCTAssertTrue(e.message.contains(domain.isEmpty ? "ai.onnx" : domain), e.message)
            }
        }
    }

    func testNoOpsetImportAtAllIsInvalid() throws {
        var model = TestModel.single("Relu")
        model.opsets = []
        XCTAssertThrowsError(try model.load()) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .invalidModel)
            XCTAssertTrue("\(error)".contains("imports no opset"), "\(error)")
        }
    }

    func testMissingDefaultOpsetImportMeansVersionOne() throws {
        var model = TestModel.single("Relu")
        model.opsets = [("ai.onnx.ml", 1)]
        XCTAssertThrowsError(try model.load()) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .unsupported)
            XCTAssertTrue("\(error)".contains("opset 1 "), "\(error)")
        }
    }

    func testNodeReadingAnUndefinedValueIsInvalid() throws {
        var model = TestModel.single("Add", constants: [("b", Tensor(shape: [], floats: [1]))])
        model.nodes[0].inputs = ["x", "nowhere"]
        XCTAssertThrowsError(try model.load()) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .invalidModel)
            XCTAssertTrue(e.message.contains("the_Add") && e.message.contains("'nowhere'"), e.message)
        }
    }

    func testCycleIsInvalid() throws {
        var model = TestModel.single("Relu")
        model.nodes = [
            .init(opType: "Add", inputs: ["x", "b"], outputs: ["a"], name: "n1"),
            .init(opType: "Relu", inputs: ["a"], outputs: ["b"], name: "n2"),
            .init(opType: "Relu", inputs: ["a"], outputs: ["y"], name: "n3"),
        ]
        XCTAssertThrowsError(try model.load()) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .invalidModel)
            XCTAssertTrue(e.message.contains("cycle") && e.message.contains("n1") && e.message.contains("n2"), e.message)
        }
    }

    func testNodesOutOfFileOrderAreSorted() throws {
        var model = TestModel.single("Relu")
        model.nodes = [
            .init(opType: "Neg", inputs: ["a"], outputs: ["y"], name: "second"),
            .init(opType: "Relu", inputs: ["x"], outputs: ["a"], name: "first"),
        ]
        let result = try model.load().run(["x": Tensor(shape: [1, 3], floats: [-1, 2, -3])])
        XCTAssertEqual(result["y"]?.tensor?.storage.floatValues, [0, -2, 0])
    }

    func testValueWrittenTwiceIsInvalid() throws {
        var model = TestModel.single("Relu")
        model.nodes = [
            .init(opType: "Relu", inputs: ["x"], outputs: ["y"], name: "a"),
            .init(opType: "Neg", inputs: ["x"], outputs: ["y"], name: "b"),
        ]
        XCTAssertThrowsError(try model.load()) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .invalidModel)
            XCTAssertTrue("\(error)".contains("'y'"), "\(error)")
        }
    }

    func testInitializerWithWrongValueCountIsInvalid() throws {
        // An initializer claiming dims [2, 3] with only 5 floats.
        var graph = ProtoWriter()
        graph.message(1) { TestModel.write(TestModel.Node(opType: "Add", inputs: ["x", "b"], outputs: ["y"], name: "add"), into: &$0) }
        graph.message(5) { t in
            t.int(1, 2); t.int(1, 3); t.int(2, 1); t.packedFloats(4, [1, 2, 3, 4, 5]); t.string(8, "b")
        }
        graph.message(11) { TestModel.write(TestModel.Info(name: "x", elementType: 1, dims: [nil, 3]), into: &$0) }
        graph.message(12) { TestModel.write(TestModel.Info(name: "y", elementType: 1, dims: nil), into: &$0) }
        var file = ProtoWriter()
        file.int(1, 8)
        file.message(8) { $0.string(1, ""); $0.int(2, 17) }
        file.data(7, graph.bytes)
        XCTAssertThrowsError(try Model(bytes: file.bytes)) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .invalidModel)
            XCTAssertTrue(e.message.contains("initializer 'b'") && e.message.contains("6"), e.message)
        }
    }

    func testNegativeInitializerDimensionIsInvalid() throws {
        var graph = ProtoWriter()
        graph.message(1) { TestModel.write(TestModel.Node(opType: "Add", inputs: ["x", "b"], outputs: ["y"]), into: &$0) }
        graph.message(5) { t in t.int(1, -2); t.int(2, 1); t.string(8, "b") }
        graph.message(11) { TestModel.write(TestModel.Info(name: "x", elementType: 1, dims: [nil, 3]), into: &$0) }
        graph.message(12) { TestModel.write(TestModel.Info(name: "y", elementType: 1, dims: nil), into: &$0) }
        var file = ProtoWriter()
        file.message(8) { $0.string(1, ""); $0.int(2, 17) }
        file.data(7, graph.bytes)
        XCTAssertThrowsError(try Model(bytes: file.bytes)) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .invalidModel)
            XCTAssertTrue("\(error)".contains("negative"), "\(error)")
        }
    }

    func testDeeplyNestedSubgraphsAreRefusedBeforeParsing() throws {
        // Graph -> node -> attribute -> graph -> ... 5000 times: enough to
        // overflow a recursive parser's stack if it were reached.
        var graph = ProtoWriter()
        graph.string(2, "innermost")
        for _ in 0..<5000 {
            var attribute = ProtoWriter()
            attribute.string(1, "body"); attribute.int(20, 5); attribute.data(6, graph.bytes)
            var node = ProtoWriter()
            node.string(4, "Scan"); node.data(5, attribute.bytes)
            var outer = ProtoWriter()
            outer.data(1, node.bytes)
            graph = outer
        }
        var file = ProtoWriter()
        file.int(1, 8)
        file.message(8) { $0.string(1, ""); $0.int(2, 17) }
        file.data(7, graph.bytes)
        XCTAssertThrowsError(try Model(bytes: file.bytes)) { error in
            guard let e = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .invalidModel)
            XCTAssertTrue(e.message.contains("nest"), e.message)
        }
    }

    func testDeeplyNestedTypesAreRefused() throws {
        var type = ProtoWriter()
        type.message(1) { $0.int(1, 1) }
        for _ in 0..<5000 {
            var sequence = ProtoWriter()
            sequence.data(1, type.bytes)
            var outer = ProtoWriter()
            outer.data(4, sequence.bytes)
            type = outer
        }
        var graph = ProtoWriter()
        graph.message(11) { $0.string(1, "x"); $0.data(2, type.bytes) }
        var file = ProtoWriter()
        file.int(1, 8)
        file.message(8) { $0.string(1, ""); $0.int(2, 17) }
        file.data(7, graph.bytes)
        XCTAssertThrowsError(try Model(bytes: file.bytes)) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .invalidModel)
        }
    }

    func testFixtureModelsNestWellWithinTheLimit() throws {
        for fixture in try Fixture.all() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture.modelPath)))
            let depth = ProtoNestingCheck.depth(of: bytes, limit: ModelDefinition.maximumNesting)
            XCTAssertNotNil(depth, fixture.name)
            XCTAssertLessThan(depth ?? .max, 20, fixture.name)
        }
    }

    func testExternalDataIsUnsupported() throws {
        var graph = ProtoWriter()
        graph.message(1) { TestModel.write(TestModel.Node(opType: "Add", inputs: ["x", "b"], outputs: ["y"]), into: &$0) }
        graph.message(5) { t in t.int(1, 3); t.int(2, 1); t.string(8, "b"); t.int(14, 1) }
        graph.message(11) { TestModel.write(TestModel.Info(name: "x", elementType: 1, dims: [nil, 3]), into: &$0) }
        graph.message(12) { TestModel.write(TestModel.Info(name: "y", elementType: 1, dims: nil), into: &$0) }
        var file = ProtoWriter()
        file.message(8) { $0.string(1, ""); $0.int(2, 17) }
        file.data(7, graph.bytes)
        XCTAssertThrowsError(try Model(bytes: file.bytes)) { error in
            XCTAssertEqual((error as? ModelError)?.kind, .unsupported)
            XCTAssertTrue("\(error)".contains("external"), "\(error)")
        }
    }
}

/// Deterministic pseudo-random numbers for corruption tests.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

extension TensorStorage {
    var floatValues: [Float]? { if case .float(let v) = self { return v }; return nil }
    var doubleValues: [Double]? { if case .double(let v) = self { return v }; return nil }
    var int64Values: [Int64]? { if case .int64(let v) = self { return v }; return nil }
    var boolValues: [Bool]? { if case .bool(let v) = self { return v }; return nil }
    var stringValues: [String]? { if case .string(let v) = self { return v }; return nil }
}
