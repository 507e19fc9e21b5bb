/// Input checks and conversions shared by the ML kernels. Errors raised here
/// happen at run time and name the node, so a caller can tell which input of
/// which node was wrong.
enum MLInput {
    /// The tensor at `index`, or an `.invalidInput` error when it is missing or
    /// is a ZipMap value.
    static func tensor(_ inputs: KernelInputs, _ index: Int, _ label: String) throws -> Tensor {
        guard index < inputs.count, let value = inputs[index] else {
            throw ModelError(.invalidInput, "\(label): input \(index) is missing")
        }
        guard case .tensor(let t) = value else {
            throw ModelError(.invalidInput, "\(label): input \(index) must be a tensor, found a ZipMap value")
        }
        return t
    }

    /// Rows and features of a 1-D (one row) or 2-D input, as ORT's ML kernels
    /// read them; other ranks are rejected.
    static func matrixShape(_ t: Tensor, _ label: String) throws -> (rows: Int, cols: Int) {
        switch t.rank {
        case 1: return (1, t.shape[0])
        case 2: return (t.shape[0], t.shape[1])
        default:
            throw ModelError(.invalidInput, "\(label): input must be 1-D or 2-D, found shape \(t.shape)")
        }
    }

    /// The input as floats, cast the way ORT's classifiers cast their input
    /// (`static_cast<float>` of double, int64 and int32; float is shared, not copied).
    static func floats(_ t: Tensor, _ label: String) throws -> [Float] {
        switch t.storage {
        case .float(let v): return v
        case .double(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        default:
            throw ModelError(.invalidInput, "\(label): input must be float, double, int64 or int32, found \(t.elementType)")
        }
    }

    /// Only float input is accepted (ORT registers some kernels for float alone).
    static func floatsOnly(_ t: Tensor, _ label: String) throws -> [Float] {
        guard case .float(let v) = t.storage else {
            throw ModelError(.invalidInput, "\(label): input must be float, found \(t.elementType)")
        }
        return v
    }

    /// Creates `count` floats filled by `body` without zero-filling first.
    @inline(__always)
    static func makeFloats(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> Void) rethrows -> [Float] {
        try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { try body(buffer.baseAddress!) }
            initialized = count
        }
    }
}
