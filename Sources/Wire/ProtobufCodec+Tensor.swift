import CSwerveProto
import ModelRuntime

// Tensors between the wire's `Tensor` message and ModelRuntime's `Tensor`.
// Decoding checks everything a client can get wrong (dtype, shape, value
// count, raw length, UTF-8) and names the tensor in the error.

extension ProtobufCodec {
    /// Converts a decoded tensor message. `usedRaw` is set when it came as `raw`.
    static func decodeTensor(_ t: UnsafePointer<Swerve__V1__Tensor>, name: String,
                             usedRaw: inout Bool) throws(WireError) -> Tensor {
        let m = t.pointee
        let dtypeNumber = Int32(bitPattern: UInt32(truncatingIfNeeded: m.dtype.rawValue))
        guard let dtype = DataType(rawValue: dtypeNumber) else {
            throw .invalidArgument("tensor '\(name)' has unsupported dtype \(dtypeNumber); "
                + "supported: DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL, DT_STRING")
        }
        guard dtype != .invalid else {
            throw .invalidArgument("tensor '\(name)' has no dtype (DT_INVALID)")
        }

        let shape = try decodeShape(m.shape, m.n_shape, tensor: name)
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw .invalidArgument("tensor '\(name)' has shape \(shape) whose element count overflows")
            }
            count = product
        }

        // Exactly one place may hold values: the dtype's typed list or raw.
        if let stray = strayList(m, dtype) {
            throw .invalidArgument("tensor '\(name)' has dtype \(dtype) but carries values in \(stray)")
        }
        let typedCount = listCount(m, dtype)

        if m.raw.len > 0 {
            guard typedCount == 0 else {
                throw .invalidArgument("tensor '\(name)' sets both raw and \(typedField(dtype)); send one")
            }
            guard let size = dtype.rawElementSize else {
                throw .invalidArgument("tensor '\(name)' is DT_STRING, which cannot travel as raw; use string_val")
            }
            let (needed, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, m.raw.len == needed else {
                let wanted = overflow ? "more than \(Int.max)" : "\(count) × \(size) = \(needed)"
                throw .invalidArgument("tensor '\(name)': raw holds \(m.raw.len) bytes but shape \(shape) "
                    + "of \(dtype) needs \(wanted)")
            }
            usedRaw = true
            return Tensor(shape: shape, storage: decodeRaw(UnsafeRawPointer(m.raw.data), count: count, dtype: dtype))
        }

        guard typedCount == count else {
            throw .invalidArgument("tensor '\(name)': shape \(shape) holds \(count) values "
                + "but \(typedField(dtype)) has \(typedCount)")
        }
        let storage: TensorStorage
        switch dtype {
        case .float: storage = .float(copyArray(m.float_val, count))
        case .double: storage = .double(copyArray(m.double_val, count))
        case .int32: storage = .int32(copyArray(m.int_val, count))
        case .int64: storage = .int64(copyArray(m.int64_val, count))
        case .bool:
            storage = .bool([Bool](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { (buffer.baseAddress! + i).initialize(to: m.bool_val[i] != 0) }
                initialized = count
            })
        case .string:
            var strings: [String] = []
            strings.reserveCapacity(count)
            for i in 0..<count {
                let bytes = m.string_val[i]
                let buffer = UnsafeBufferPointer(start: bytes.data, count: bytes.len)
                guard let s = String(validating: buffer, as: UTF8.self) else {
                    throw .invalidArgument("tensor '\(name)': string_val[\(i)] is not valid UTF-8")
                }
                strings.append(s)
            }
            storage = .string(strings)
        case .invalid:
            preconditionFailure("DT_INVALID was rejected above")
        }
        return Tensor(shape: shape, storage: storage)
    }

    static func decodeShape(_ dims: UnsafeMutablePointer<Int64>?, _ n: Int, tensor name: String) throws(WireError) -> [Int] {
        guard n > 0, let dims else { return [] }
        var shape = [Int]()
        shape.reserveCapacity(n)
        for i in 0..<n {
            let d = dims[i]
            guard d >= 0, let dim = Int(exactly: d) else {
                let all = (0..<n).map { String(dims[$0]) }.joined(separator: ", ")
                throw .invalidArgument("tensor '\(name)' has shape [\(all)] with a negative dimension")
            }
            shape.append(dim)
        }
        return shape
    }

    /// The first typed list other than `dtype`'s that holds values.
    private static func strayList(_ m: Swerve__V1__Tensor, _ dtype: DataType) -> String? {
        if dtype != .float && m.n_float_val > 0 { return "float_val" }
        if dtype != .double && m.n_double_val > 0 { return "double_val" }
        if dtype != .int32 && m.n_int_val > 0 { return "int_val" }
        if dtype != .int64 && m.n_int64_val > 0 { return "int64_val" }
        if dtype != .bool && m.n_bool_val > 0 { return "bool_val" }
        if dtype != .string && m.n_string_val > 0 { return "string_val" }
        return nil
    }

    private static func listCount(_ m: Swerve__V1__Tensor, _ dtype: DataType) -> Int {
        switch dtype {
        case .float: return m.n_float_val
        case .double: return m.n_double_val
        case .int32: return m.n_int_val
        case .int64: return m.n_int64_val
        case .bool: return m.n_bool_val
        case .string: return m.n_string_val
        case .invalid: return 0
        }
    }

    private static func typedField(_ dtype: DataType) -> String {
        switch dtype {
        case .float: return "float_val"
        case .double: return "double_val"
        case .int32: return "int_val"
        case .int64: return "int64_val"
        case .bool: return "bool_val"
        case .string: return "string_val"
        case .invalid: return "values"
        }
    }

    /// One memcpy from protobuf-c's array (host order) into a Swift array's storage.
    private static func copyArray<T>(_ source: UnsafeMutablePointer<T>?, _ count: Int) -> [T] {
        memcpyArray(UnsafeRawPointer(source), count, T.self)
    }

    private static func memcpyArray<T>(_ source: UnsafeRawPointer?, _ count: Int, _: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            // copyMemory, not a typed load: `raw` bytes need not be aligned for T.
            if count > 0, let source {
                UnsafeMutableRawPointer(buffer.baseAddress!)
                    .copyMemory(from: source, byteCount: count * MemoryLayout<T>.stride)
            }
            initialized = count
        }
    }

    /// Little-endian raw bytes → values; `raw` holds exactly count × size bytes.
    private static func decodeRaw(_ raw: UnsafeRawPointer, count: Int, dtype: DataType) -> TensorStorage {
        switch dtype {
        case .float:
            return .float(littleEndianArray(raw, count) { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
        case .double:
            return .double(littleEndianArray(raw, count) { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) })
        case .int32:
            return .int32(littleEndianArray(raw, count) { Int32(littleEndian: $0) })
        case .int64:
            return .int64(littleEndianArray(raw, count) { Int64(littleEndian: $0) })
        case .bool:
            return .bool([Bool](unsafeUninitializedCapacity: count) { buffer, initialized in
                let bytes = raw.assumingMemoryBound(to: UInt8.self)
                for i in 0..<count { (buffer.baseAddress! + i).initialize(to: bytes[i] != 0) }
                initialized = count
            })
        case .string, .invalid:
            preconditionFailure("no raw form for \(dtype)")
        }
    }

    /// One memcpy on little-endian machines; a byte swap per value elsewhere.
    private static func littleEndianArray<T>(_ raw: UnsafeRawPointer, _ count: Int,
                                             fromLittleEndian: (T) -> T) -> [T] {
        #if _endian(big)
        return memcpyArray(raw, count, T.self).map(fromLittleEndian)
        #else
        return memcpyArray(raw, count, T.self)
        #endif
    }

    /// Builds a tensor message in `arena`: values in the typed list for their
    /// dtype, or as little-endian `raw` bytes (never for strings).
    static func encodeTensor(_ tensor: Tensor, encoding: TensorEncoding,
                             arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__Tensor> {
        let t = arena.message(Swerve__V1__Tensor.self, swerve__v1__tensor__init)
        t.pointee.dtype = Swerve__V1__DataType(rawValue: UInt32(DataType(tensor.elementType).rawValue))
        let shape = arena.allocate(Int64.self, count: tensor.shape.count)
        for (i, dim) in tensor.shape.enumerated() { shape[i] = Int64(dim) }
        t.pointee.n_shape = tensor.shape.count
        t.pointee.shape = shape

        let raw = encoding == .raw
        switch tensor.storage {
        case .float(let v):
            if raw {
                t.pointee.raw = arena.littleEndianBytes(v) { Float(bitPattern: $0.bitPattern.littleEndian) }
            } else {
                t.pointee.n_float_val = v.count
                t.pointee.float_val = arena.copy(v)
            }
        case .double(let v):
            if raw {
                t.pointee.raw = arena.littleEndianBytes(v) { Double(bitPattern: $0.bitPattern.littleEndian) }
            } else {
                t.pointee.n_double_val = v.count
                t.pointee.double_val = arena.copy(v)
            }
        case .int32(let v):
            if raw {
                t.pointee.raw = arena.littleEndianBytes(v) { $0.littleEndian }
            } else {
                t.pointee.n_int_val = v.count
                t.pointee.int_val = arena.copy(v)
            }
        case .int64(let v):
            if raw {
                t.pointee.raw = arena.littleEndianBytes(v) { $0.littleEndian }
            } else {
                t.pointee.n_int64_val = v.count
                t.pointee.int64_val = arena.copy(v)
            }
        case .bool(let v):
            if raw {
                let bytes = arena.allocate(UInt8.self, count: v.count)
                for (i, b) in v.enumerated() { bytes[i] = b ? 1 : 0 }
                t.pointee.raw = ProtobufCBinaryData(len: v.count, data: bytes)
            } else {
                let values = arena.allocate(protobuf_c_boolean.self, count: v.count)
                for (i, b) in v.enumerated() { values[i] = b ? 1 : 0 }
                t.pointee.n_bool_val = v.count
                t.pointee.bool_val = values
            }
        case .string(let v):
            // Strings have no fixed width, so they always travel typed.
            let values = arena.allocate(ProtobufCBinaryData.self, count: v.count)
            for (i, s) in v.enumerated() { (values + i).initialize(to: arena.bytes(s)) }
            t.pointee.n_string_val = v.count
            t.pointee.string_val = values
        }
        return t
    }
}
