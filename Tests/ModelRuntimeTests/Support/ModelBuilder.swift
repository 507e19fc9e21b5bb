import SwerveTestSupport
@testable import ModelRuntime

/// A hand-built ONNX model for tests.
struct TestModel {
    struct Node {
        var opType: String
        var inputs: [String]
        var outputs: [String]
        var name: String = ""
        var domain: String = ""
        var attributes: [(String, Attribute)] = []
        /// Graph-valued attributes (e.g. Scan's body).
        var graphs: [(String, TestModel)] = []
    }

    /// A declared input or output: element type raw value and dims (nil = dim_param "N").
    struct Info {
        var name: String
        var elementType: Int32
        var dims: [Int?]?
    }

    var nodes: [Node] = []
    var inputs: [Info] = []
    var outputs: [Info] = []
    var initializers: [(String, Tensor)] = []
    var opsets: [(String, Int)] = [("", 17)]
    var producer = "swerve-tests"

    func serialized() -> [UInt8] {
        var model = ProtoWriter()
        model.int(1, 8)  // ir_version
        for (domain, version) in opsets {
            model.message(8) { $0.string(1, domain); $0.int(2, Int64(version)) }
        }
        model.string(2, producer)
        model.string(3, "1.0")
        model.message(7) { writeGraph(into: &$0) }
        return model.bytes
    }

    /// The GraphProto fields of this model (also used for subgraph attributes).
    func writeGraph(into graph: inout ProtoWriter) {
        for node in nodes { graph.message(1) { TestModel.write(node, into: &$0) } }
        graph.string(2, "test")
        for (name, tensor) in initializers { graph.message(5) { TestModel.write(tensor, name: name, into: &$0) } }
        for info in inputs { graph.message(11) { TestModel.write(info, into: &$0) } }
        for info in outputs { graph.message(12) { TestModel.write(info, into: &$0) } }
    }

    static func write(_ node: Node, into w: inout ProtoWriter) {
        for input in node.inputs { w.string(1, input) }
        for output in node.outputs { w.string(2, output) }
        if !node.name.isEmpty { w.string(3, node.name) }
        w.string(4, node.opType)
        if !node.domain.isEmpty { w.string(7, node.domain) }
        for (name, attribute) in node.attributes {
            w.message(5) { a in
                a.string(1, name)
                switch attribute {
                case .float(let v): a.int(20, 1); a.float(2, v)
                case .int(let v): a.int(20, 2); a.int(3, v)
                case .string(let v): a.int(20, 3); a.string(4, v)
                case .tensor(let t): a.int(20, 4); a.message(5) { TestModel.write(t, name: "", into: &$0) }
                case .floats(let v): a.int(20, 6); for f in v { a.float(7, f) }
                case .ints(let v): a.int(20, 7); for i in v { a.int(8, i) }
                case .strings(let v): a.int(20, 8); for s in v { a.string(9, s) }
                }
            }
        }
        for (name, body) in node.graphs {
            w.message(5) { a in
                a.string(1, name)
                a.int(20, 5)
                a.message(6) { body.writeGraph(into: &$0) }
            }
        }
    }

    static func write(_ tensor: Tensor, name: String, into w: inout ProtoWriter) {
        for d in tensor.shape { w.int(1, Int64(d)) }
        w.int(2, Int64(tensor.elementType.rawValue))
        switch tensor.storage {
        case .float(let v): w.packedFloats(4, v)
        case .int64(let v): w.packedInts(7, v)
        case .int32(let v): w.packedInts(5, v.map(Int64.init))
        case .bool(let v): w.packedInts(5, v.map { $0 ? 1 : 0 })
        case .string(let v): for s in v { w.string(6, s) }
        case .double(let v):
            var raw: [UInt8] = []
            for d in v { withUnsafeBytes(of: d.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            w.data(9, raw)
        }
        if !name.isEmpty { w.string(8, name) }
    }

    static func write(_ info: Info, into w: inout ProtoWriter) {
        w.string(1, info.name)
        w.message(2) { type in
            type.message(1) { tensorType in
                tensorType.int(1, Int64(info.elementType))
                if let dims = info.dims {
                    tensorType.message(2) { shape in
                        for d in dims {
                            shape.message(1) { dim in
                                if let d { dim.int(1, Int64(d)) } else { dim.string(2, "N") }
                            }
                        }
                    }
                }
            }
        }
    }

    func load() throws -> Model { try Model(bytes: serialized()) }
}

extension TestModel {
    /// One node `op(x[, extra inputs]) -> y` over a float input of `dims`.
    static func single(_ opType: String, inputDims: [Int?]? = [nil, 3], inputType: Int32 = 1,
                       outputType: Int32 = 1, attributes: [(String, Attribute)] = [],
                       constants: [(String, Tensor)] = [], opset: Int = 17, outputs: Int = 1) -> TestModel {
        let outputNames = outputs == 1 ? ["y"] : (0..<outputs).map { "y\($0)" }
        return TestModel(
            nodes: [Node(opType: opType, inputs: ["x"] + constants.map(\.0), outputs: outputNames,
                         name: "the_\(opType)", attributes: attributes)],
            inputs: [Info(name: "x", elementType: inputType, dims: inputDims)],
            outputs: outputNames.map { Info(name: $0, elementType: outputType, dims: nil) },
            initializers: constants,
            opsets: [("", opset)])
    }
}
