/// Builds tiny ONNX models byte by byte (hand-written protobuf), so tests
/// have real `Model` instances without depending on trained files.
enum ONNXTestModel {
    /// `output = Identity(input)`, input float [N, features].
    static func identity(features: Int = 4) -> [UInt8] {
        let node = node(op: "Identity", inputs: ["input"], outputs: ["output"])
        return model(nodes: [node], initializers: [],
                     inputs: [floatInput("input", features: features)],
                     outputs: [floatOutput("output", dims: [.symbolic("N"), .fixed(features)])])
    }

    /// Loads fine but fails on every call: reshapes one row of `features`
    /// floats to `[features + 1]` elements, which cannot hold them.
    static func failsWhenRun(features: Int = 4) -> [UInt8] {
        let shape = tensor(name: "bad_shape", int64s: [Int64(features + 1)])
        let node = node(op: "Reshape", inputs: ["input", "bad_shape"], outputs: ["output"])
        return model(nodes: [node], initializers: [shape],
                     inputs: [floatInput("input", features: features)], outputs: [floatOutput("output", dims: [.symbolic("M")])])
    }

    // MARK: protobuf encoding (field numbers from proto/onnx/onnx.proto)

    private static func model(nodes: [[UInt8]], initializers: [[UInt8]], inputs: [[UInt8]],
                              outputs: [[UInt8]]) -> [UInt8] {
        var graph: [UInt8] = []
        for n in nodes { graph += field(1, bytes: n) }
        graph += field(2, string: "test")
        for t in initializers { graph += field(5, bytes: t) }
        for i in inputs { graph += field(11, bytes: i) }
        for o in outputs { graph += field(12, bytes: o) }
        var model: [UInt8] = []
        model += field(1, varint: 8)                      // ir_version
        model += field(2, string: "swerve-tests")         // producer_name
        model += field(3, string: "1.0")                  // producer_version
        model += field(7, bytes: graph)                   // graph
        model += field(8, bytes: field(1, string: "") + field(2, varint: 16))  // opset_import
        return model
    }

    private static func node(op: String, inputs: [String], outputs: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for i in inputs { bytes += field(1, string: i) }
        for o in outputs { bytes += field(2, string: o) }
        bytes += field(3, string: op.lowercased())
        bytes += field(4, string: op)
        return bytes
    }

    private enum Dim { case symbolic(String), fixed(Int) }

    private static func floatInput(_ name: String, features: Int) -> [UInt8] {
        floatValueInfo(name, dims: [.symbolic("N"), .fixed(features)])
    }

    private static func floatOutput(_ name: String, dims: [Dim]) -> [UInt8] {
        floatValueInfo(name, dims: dims)
    }

    private static func floatValueInfo(_ name: String, dims: [Dim]) -> [UInt8] {
        var shape: [UInt8] = []
        for dim in dims {
            switch dim {
            case .symbolic(let s): shape += field(1, bytes: field(2, string: s))          // dim_param
            case .fixed(let n): shape += field(1, bytes: field(1, varint: UInt64(n)))     // dim_value
            }
        }
        let tensorType = field(1, varint: 1) + field(2, bytes: shape)   // elem_type FLOAT, shape
        return field(1, string: name) + field(2, bytes: field(1, bytes: tensorType))
    }

    private static func tensor(name: String, int64s: [Int64]) -> [UInt8] {
        var raw: [UInt8] = []
        for v in int64s { withUnsafeBytes(of: v.littleEndian) { raw += $0 } }
        return field(1, varint: UInt64(int64s.count)) + field(2, varint: 7)   // dims, data_type INT64
            + field(8, string: name) + field(9, bytes: raw)                    // name, raw_data
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }

    private static func field(_ number: Int, varint value: UInt64) -> [UInt8] {
        varint(UInt64(number << 3)) + varint(value)
    }

    private static func field(_ number: Int, bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
    }

    private static func field(_ number: Int, string: String) -> [UInt8] {
        field(number, bytes: Array(string.utf8))
    }
}
