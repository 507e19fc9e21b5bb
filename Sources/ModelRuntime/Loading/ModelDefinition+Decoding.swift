import CONNXProto

#if !_endian(little)
#error("raw_data decoding assumes a little-endian host, as ONNX stores raw tensor bytes little-endian")
#endif

extension ModelDefinition {
    /// The deepest message nesting a model file may have.
    static let maximumNesting = 100

    /// Parses serialized `ModelProto` bytes with protobuf-c and converts every
    /// part the runtime uses into Swift values; the C message is freed before
    /// returning. `source` names the file (or "in-memory model") in errors.
    static func decode(bytes: [UInt8], source: String) throws -> ModelDefinition {
        // Real models nest a dozen levels (a Scan body adds four); refuse
        // absurd nesting before protobuf-c's recursive parser meets it.
        guard ProtoNestingCheck.depth(of: bytes, limit: maximumNesting) != nil else {
            throw ModelError(.invalidModel, "\(source): messages nest more than \(maximumNesting) levels deep (corrupt or hostile file)")
        }
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            onnx__model_proto__unpack(nil, buffer.count, buffer.baseAddress)
        }
        // protobuf-c returns NULL for any malformed input (bad varint, length
        // past the end, wrong wire type), which covers truncated files.
        guard let parsed else {
            throw ModelError(.invalidModel,
                             "\(source): not a valid ONNX model (protobuf parsing failed: truncated or corrupt, \(bytes.count) bytes)")
        }
        defer { onnx__model_proto__free_unpacked(parsed, nil) }
        return try ProtoDecoder(source: source).model(parsed.pointee)
    }
}

/// Converts protobuf-c structs into the Swift definitions; every error names `source`.
struct ProtoDecoder {
    let source: String

    func invalid(_ message: String) -> ModelError {
        ModelError(.invalidModel, "\(source): \(message)")
    }

    func unsupported(_ message: String) -> ModelError {
        ModelError(.unsupported, "\(source): \(message)")
    }

    func model(_ m: Onnx__ModelProto) throws -> ModelDefinition {
        var opsets: [String: Int] = [:]
        for entry in items(m.opset_import, m.n_opset_import) {
            guard let entry else { continue }
            let domain = normalizedDomain(string(entry.pointee.domain))
            let version = entry.pointee.has_version != 0 ? entry.pointee.version : 1
            guard version >= 0, version <= Int64(Int32.max) else {
                throw invalid("opset import for domain '\(displayDomain(domain))' has version \(version)")
            }
            opsets[domain] = Int(version)
        }
        let irVersion = m.has_ir_version != 0 ? m.ir_version : 0
        // IR 3 and later require opset imports; none at all usually means the
        // file was cut short (they are written after the graph).
        if opsets.isEmpty && irVersion >= 3 {
            throw invalid("the model imports no opset (required since IR version 3): truncated or not an ONNX model")
        }
        // ONNX: a model that does not import the default domain reads it as version 1.
        if opsets[""] == nil { opsets[""] = 1 }
        guard let graphPointer = m.graph else {
            throw invalid("the model has no graph (empty or not an ONNX file)")
        }
        return ModelDefinition(
            irVersion: irVersion,
            producerName: string(m.producer_name),
            producerVersion: string(m.producer_version),
            opsets: opsets,
            graph: try graph(graphPointer.pointee, path: "graph"))
    }

    func graph(_ g: Onnx__GraphProto, path: String) throws -> GraphDefinition {
        var initializers: [(name: String, tensor: Tensor)] = []
        var initializerNames = Set<String>()
        for pointer in items(g.initializer, g.n_initializer) {
            guard let pointer else { continue }
            let name = string(pointer.pointee.name)
            guard !name.isEmpty else { throw invalid("\(path) has an initializer without a name") }
            guard initializerNames.insert(name).inserted else {
                throw invalid("\(path) has two initializers named '\(name)'")
            }
            initializers.append((name, try tensor(pointer.pointee, what: "initializer '\(name)'")))
        }

        var inputs: [ValueInfo] = []
        var inputNames = Set<String>()
        for pointer in items(g.input, g.n_input) {
            guard let pointer else { continue }
            let name = string(pointer.pointee.name)
            guard !name.isEmpty else { throw invalid("\(path) has an input without a name") }
            guard inputNames.insert(name).inserted else { throw invalid("\(path) declares input '\(name)' twice") }
            if initializerNames.contains(name) { continue }
            inputs.append(ValueInfo(name: name, type: try valueType(pointer.pointee.type, what: "input '\(name)'")))
        }

        var outputs: [ValueInfo] = []
        for pointer in items(g.output, g.n_output) {
            guard let pointer else { continue }
            let name = string(pointer.pointee.name)
            guard !name.isEmpty else { throw invalid("\(path) has an output without a name") }
            outputs.append(ValueInfo(name: name, type: try valueType(pointer.pointee.type, what: "output '\(name)'")))
        }

        var nodes: [NodeDefinition] = []
        nodes.reserveCapacity(g.n_node)
        for (index, pointer) in items(g.node, g.n_node).enumerated() {
            guard let pointer else { continue }
            nodes.append(try node(pointer.pointee, index: index, path: path))
        }
        return GraphDefinition(name: string(g.name), nodes: nodes, initializers: initializers,
                               inputs: inputs, outputs: outputs)
    }

    func node(_ n: Onnx__NodeProto, index: Int, path: String) throws -> NodeDefinition {
        var definition = NodeDefinition(
            name: string(n.name), opType: string(n.op_type), domain: normalizedDomain(string(n.domain)),
            inputs: items(n.input, n.n_input).map(string), outputs: items(n.output, n.n_output).map(string),
            attributes: [:], subgraphs: [:], unsupportedAttributes: [])
        let label = "node \(definition.label(index: index))"
        guard !definition.opType.isEmpty else { throw invalid("\(path): \(label) has no op_type") }
        for pointer in items(n.attribute, n.n_attribute) {
            guard let pointer else { continue }
            try decodeAttribute(pointer.pointee, into: &definition, node: label, path: path)
        }
        return definition
    }

    /// AttributeProto.AttributeType numbers.
    private enum AttributeKind: UInt32 {
        case float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
        case sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
    }

    private func decodeAttribute(_ a: Onnx__AttributeProto, into node: inout NodeDefinition,
                                 node label: String, path: String) throws {
        let name = string(a.name)
        guard !name.isEmpty else { throw invalid("\(path): \(label) has an attribute without a name") }
        var kind: AttributeKind?
        if a.has_type != 0 {
            kind = AttributeKind(rawValue: UInt32(truncatingIfNeeded: a.type.rawValue))
        } else {
            // Files older than IR 3 may omit the type: infer it from the field set.
            if a.n_floats > 0 { kind = .floats }
            else if a.n_ints > 0 { kind = .ints }
            else if a.n_strings > 0 { kind = .strings }
            else if a.t != nil { kind = .tensor }
            else if a.g != nil { kind = .graph }
            else if a.has_s != 0 { kind = .string }
            else if a.has_f != 0 { kind = .float }
            else if a.has_i != 0 { kind = .int }
        }
        guard let kind else {
            throw invalid("\(path): \(label) attribute '\(name)' has no or an unknown type")
        }
        switch kind {
        case .float: node.attributes[name] = .float(a.f)
        case .int: node.attributes[name] = .int(a.i)
        case .string: node.attributes[name] = .string(bytesString(a.s))
        case .floats: node.attributes[name] = .floats(Array(items(a.floats, a.n_floats)))
        case .ints: node.attributes[name] = .ints(Array(items(a.ints, a.n_ints)))
        case .strings: node.attributes[name] = .strings(items(a.strings, a.n_strings).map(bytesString))
        case .tensor:
            guard let t = a.t else { throw invalid("\(path): \(label) attribute '\(name)' holds no tensor") }
            node.attributes[name] = .tensor(try tensor(t.pointee, what: "\(label) attribute '\(name)'"))
        case .graph:
            guard let g = a.g else { throw invalid("\(path): \(label) attribute '\(name)' holds no graph") }
            node.subgraphs[name] = try graph(g.pointee, path: "\(path) \(label) attribute '\(name)'")
        case .tensors, .graphs, .sparseTensor, .sparseTensors, .typeProto, .typeProtos:
            node.unsupportedAttributes.append(name)
        }
    }

    // MARK: Tensors

    func tensor(_ t: Onnx__TensorProto, what: String) throws -> Tensor {
        let dims = Array(items(t.dims, t.n_dims))
        var count = 1
        for d in dims {
            guard d >= 0 else { throw invalid("\(what) has a negative dimension in \(dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw invalid("\(what) has an impossibly large shape \(dims)") }
            count = product
        }
        let shape = dims.map { Int($0) }
        guard t.has_data_type != 0, t.data_type != 0 else { throw invalid("\(what) has no data type") }
        guard let type = ElementType(rawValue: t.data_type) else {
            throw unsupported("\(what) has element type \(onnxTypeName(t.data_type)), which swerve does not support")
        }
        if t.has_data_location != 0 && t.data_location == 1 {
            throw unsupported("\(what) keeps its data in an external file, which swerve does not support")
        }

        func expect(_ found: Int, _ field: String) throws {
            guard found == count else {
                throw invalid("\(what): shape \(dims) needs \(count) values, \(field) has \(found)")
            }
        }

        let storage: TensorStorage
        if t.has_raw_data != 0 {
            let raw = bytes(t.raw_data)
            switch type {
            case .float:
                try expect(raw.count / 4, "raw_data"); try exactBytes(raw.count, 4, what)
                storage = .float(littleEndianValues(raw, count, as: Float.self))
            case .double:
                try expect(raw.count / 8, "raw_data"); try exactBytes(raw.count, 8, what)
                storage = .double(littleEndianValues(raw, count, as: Double.self))
            case .int32:
                try expect(raw.count / 4, "raw_data"); try exactBytes(raw.count, 4, what)
                storage = .int32(littleEndianValues(raw, count, as: Int32.self))
            case .int64:
                try expect(raw.count / 8, "raw_data"); try exactBytes(raw.count, 8, what)
                storage = .int64(littleEndianValues(raw, count, as: Int64.self))
            case .bool:
                try expect(raw.count, "raw_data")
                storage = .bool(raw.map { $0 != 0 })
            case .string:
                throw invalid("\(what) is a string tensor stored in raw_data, which ONNX does not allow")
            }
        } else {
            switch type {
            case .float:
                try expect(t.n_float_data, "float_data")
                storage = .float(Array(items(t.float_data, t.n_float_data)))
            case .double:
                try expect(t.n_double_data, "double_data")
                storage = .double(Array(items(t.double_data, t.n_double_data)))
            case .int32:
                try expect(t.n_int32_data, "int32_data")
                storage = .int32(Array(items(t.int32_data, t.n_int32_data)))
            case .bool:
                try expect(t.n_int32_data, "int32_data")
                storage = .bool(items(t.int32_data, t.n_int32_data).map { $0 != 0 })
            case .int64:
                try expect(t.n_int64_data, "int64_data")
                storage = .int64(Array(items(t.int64_data, t.n_int64_data)))
            case .string:
                try expect(t.n_string_data, "string_data")
                storage = .string(items(t.string_data, t.n_string_data).map(bytesString))
            }
        }
        return Tensor(shape: shape, storage: storage)
    }

    private func exactBytes(_ count: Int, _ size: Int, _ what: String) throws {
        guard count % size == 0 else {
            throw invalid("\(what): raw_data has \(count) bytes, not a multiple of \(size)")
        }
    }

    // MARK: Types

    func valueType(_ pointer: UnsafeMutablePointer<Onnx__TypeProto>?, what: String) throws -> ValueType {
        guard let type = pointer?.pointee else { throw invalid("\(what) declares no type") }
        switch type.value_case {
        case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
            guard let tensorType = type.tensor_type?.pointee else { throw invalid("\(what) declares no type") }
            let element = try elementType(tensorType.has_elem_type != 0 ? tensorType.elem_type : 0, what: what)
            guard let shapePointer = tensorType.shape else { return .tensor(element, shape: nil) }
            var shape: [Dimension] = []
            for dimPointer in items(shapePointer.pointee.dim, shapePointer.pointee.n_dim) {
                guard let dim = dimPointer?.pointee else { shape.append(.symbolic("")); continue }
                switch dim.value_case {
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                    guard dim.dim_value >= 0, dim.dim_value <= Int64(Int32.max) else {
                        throw invalid("\(what) has dimension \(dim.dim_value)")
                    }
                    shape.append(.fixed(Int(dim.dim_value)))
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                    shape.append(.symbolic(string(dim.dim_param)))
                default:
                    shape.append(.symbolic(""))
                }
            }
            return .tensor(element, shape: shape)
        case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
            // The only sequence the runtime produces: ZipMap's seq(map(key, float)).
            if let element = type.sequence_type?.pointee.elem_type?.pointee,
               element.value_case == ONNX__TYPE_PROTO__VALUE_MAP_TYPE,
               let map = element.map_type?.pointee {
                let key = try elementType(map.has_key_type != 0 ? map.key_type : 0, what: "\(what) map key")
                guard let valueType = map.value_type?.pointee,
                      valueType.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE,
                      let valueTensor = valueType.tensor_type?.pointee else {
                    throw unsupported("\(what) is a sequence of maps whose values are not tensors")
                }
                let value = try elementType(valueTensor.has_elem_type != 0 ? valueTensor.elem_type : 0,
                                            what: "\(what) map value")
                return .sequenceOfMaps(key: key, value: value)
            }
            throw unsupported("\(what) is a sequence of something other than maps, which swerve does not support")
        case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
            throw unsupported("\(what) is a map, which swerve does not support (only tensors and ZipMap's sequence of maps)")
        default:
            throw invalid("\(what) declares no type")
        }
    }

    private func elementType(_ raw: Int32, what: String) throws -> ElementType {
        guard raw != 0 else { throw invalid("\(what) declares no element type") }
        guard let type = ElementType(rawValue: raw) else {
            throw unsupported("\(what) has element type \(onnxTypeName(raw)), which swerve does not support")
        }
        return type
    }

    // MARK: C helpers

    @inline(__always)
    private func items<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> UnsafeBufferPointer<T> {
        guard let pointer, count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: pointer, count: count)
    }

    private func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    private func bytes(_ data: ProtobufCBinaryData) -> UnsafeBufferPointer<UInt8> {
        items(data.data, data.len)
    }

    private func bytesString(_ data: ProtobufCBinaryData) -> String {
        String(decoding: bytes(data), as: UTF8.self)
    }

    private func littleEndianValues<T>(_ raw: UnsafeBufferPointer<UInt8>, _ count: Int, as: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { destination, initialized in
            if count > 0, let base = raw.baseAddress {
                UnsafeMutableRawPointer(destination.baseAddress!)
                    .copyMemory(from: base, byteCount: count * MemoryLayout<T>.stride)
            }
            initialized = count
        }
    }
}

/// ONNX `TensorProto.DataType` names, for messages about types swerve lacks.
func onnxTypeName(_ raw: Int32) -> String {
    let names: [Int32: String] = [
        0: "undefined", 1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
        7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64",
        14: "complex64", 15: "complex128", 16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz",
        19: "float8e5m2", 20: "float8e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4e2m1",
    ]
    return names[raw].map { "\($0) (\(raw))" } ?? "#\(raw)"
}
