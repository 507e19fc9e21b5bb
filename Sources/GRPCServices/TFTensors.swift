import CGRPCServiceProto
import GRPC
import ModelRuntime
import Primitives
import Wire

/// TensorFlow's TensorProto and swerve's tensors: inputs as typed values
/// (`float_val`, …) or `tensor_content` (what `tf.make_tensor_proto`
/// sends), outputs as typed values, which every TF client reads.
enum TFTensors {
    /// The tensor a TensorProto carries. A one-value fill may make it at
    /// most `maxBytes` big (the request message limit: no larger than the
    /// same tensor sent value by value), so a request of a few bytes cannot
    /// ask for gigabytes.
    static func tensor(_ pointer: UnsafeMutablePointer<Tensorflow__TensorProto>?, input: String,
                       maxBytes: Int) throws(GRPCStatus) -> Tensor {
        guard let p = pointer?.pointee else { throw GRPCStatus(.invalidArgument, "input '\(input)' has no tensor") }
        guard let type = DataType(rawValue: Int32(bitPattern: p.dtype.rawValue))?.elementType else {
            throw GRPCStatus(.invalidArgument, "input '\(input)': dtype \(p.dtype.rawValue) is not supported; use DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL or DT_STRING")
        }
        var shape: [Int] = []
        if let s = p.tensor_shape?.pointee {
            guard s.unknown_rank == 0 else { throw GRPCStatus(.invalidArgument, "input '\(input)': tensor_shape has an unknown rank") }
            for i in 0..<s.n_dim {
                let size = s.dim[i]?.pointee.size ?? -1
                guard size >= 0, size <= Int64(Int32.max) else {
                    throw GRPCStatus(.invalidArgument, "input '\(input)': dimension \(i) of tensor_shape is \(size); sizes must be known and non-negative")
                }
                shape.append(Int(size))
            }
        }
        let count = try KServeService.elementCount(shape, input: input)
        if p.tensor_content.len > 0 {
            guard type != .string else {
                throw GRPCStatus(.invalidArgument, "input '\(input)': DT_STRING values travel in string_val, not tensor_content")
            }
            do {
                return try RawTensorBytes.tensor(UnsafeRawBufferPointer(start: p.tensor_content.data, count: p.tensor_content.len), type: type,
                                                 shape: shape, count: count, name: input, source: "tensor_content byte count")
            } catch {
                throw GRPCStatus(.invalidArgument, error.description)
            }
        }
        // TensorFlow fills a tensor from one value when only one is given.
        // `width`: bytes of one element as a request would carry it (a
        // string_val: its tag and length byte too).
        func values<T>(_ pointer: UnsafeMutablePointer<T>?, _ n: Int, _ field: String,
                       width: (T) -> Int = { _ in MemoryLayout<T>.size }) throws(GRPCStatus) -> [T] {
            guard n == count || (n == 1 && count > 1) else {
                throw GRPCStatus(.invalidArgument, "input '\(input)': \(field) has \(n) values but shape \(shape) needs \(count)")
            }
            if n == 1 && count > 1 {
                let value = pointer![0]
                let bytes = count * max(1, width(value))
                guard bytes <= maxBytes else {
                    throw GRPCStatus(.invalidArgument, "input '\(input)': one \(field) value would fill shape \(shape) with \(bytes) bytes, over the \(maxBytes)-byte message limit; send a smaller shape")
                }
                return Array(repeating: value, count: count)
            }
            return n == 0 ? [] : Array(UnsafeBufferPointer(start: pointer, count: n))
        }
        switch type {
        case .float: return Tensor(shape: shape, floats: try values(p.float_val, p.n_float_val, "float_val"))
        case .double: return Tensor(shape: shape, doubles: try values(p.double_val, p.n_double_val, "double_val"))
        case .int32: return Tensor(shape: shape, int32s: try values(p.int_val, p.n_int_val, "int_val"))
        case .int64: return Tensor(shape: shape, int64s: try values(p.int64_val, p.n_int64_val, "int64_val"))
        case .bool: return Tensor(shape: shape, bools: try values(p.bool_val, p.n_bool_val, "bool_val", width: { _ in 1 }).map { $0 != 0 })
        case .string:
            var strings: [String] = []
            for b in try values(p.string_val, p.n_string_val, "string_val", width: { $0.len + 2 }) {
                guard let s = String(validating: UnsafeRawBufferPointer(start: b.data, count: b.len), as: UTF8.self) else {
                    throw GRPCStatus(.invalidArgument, "input '\(input)': a string_val is not valid UTF-8")
                }
                strings.append(s)
            }
            return Tensor(shape: shape, strings: strings)
        }
    }

    static func shape(_ dims: [Int64], arena: inout BumpArena) -> UnsafeMutablePointer<Tensorflow__TensorShapeProto> {
        let shape = arena.message(Tensorflow__TensorShapeProto.self, tensorflow__tensor_shape_proto__init)
        let list = dims.map { size in
            let dim = arena.message(Tensorflow__TensorShapeProto__Dim.self, tensorflow__tensor_shape_proto__dim__init)
            dim.pointee.size = size
            return dim
        }
        shape.pointee.n_dim = list.count
        shape.pointee.dim = arena.pointers(list)
        return shape
    }

    static func proto(_ tensor: Tensor, arena: inout BumpArena) -> UnsafeMutablePointer<Tensorflow__TensorProto> {
        let p = arena.message(Tensorflow__TensorProto.self, tensorflow__tensor_proto__init)
        p.pointee.dtype = Tensorflow__DataType(rawValue: UInt32(bitPattern: DataType(tensor.elementType).rawValue))
        p.pointee.tensor_shape = shape(tensor.shape.map(Int64.init), arena: &arena)
        switch tensor.storage {
        case .float(let v):
            p.pointee.n_float_val = v.count
            p.pointee.float_val = arena.copy(v)
        case .double(let v):
            p.pointee.n_double_val = v.count
            p.pointee.double_val = arena.copy(v)
        case .int32(let v):
            p.pointee.n_int_val = v.count
            p.pointee.int_val = arena.copy(v)
        case .int64(let v):
            p.pointee.n_int64_val = v.count
            p.pointee.int64_val = arena.copy(v)
        case .bool(let v):
            p.pointee.n_bool_val = v.count
            p.pointee.bool_val = arena.copy(v.map { $0 ? 1 : 0 })
        case .string(let v):
            p.pointee.n_string_val = v.count
            var values: [ProtobufCBinaryData] = []
            for string in v { values.append(arena.binary(Array(string.utf8))) }
            p.pointee.string_val = arena.copy(values)
        }
        return p
    }
}
