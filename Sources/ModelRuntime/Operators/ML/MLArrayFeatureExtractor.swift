/// `ArrayFeatureExtractor` (ai.onnx.ml 1): selects columns of the last axis.
/// Output shape is the input's with the last axis replaced by the number of
/// indices; a 1-D input gives [1, indices] as in ORT.
struct MLArrayFeatureExtractor: Kernel {
    let label: String

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "ArrayFeatureExtractor", sinceVersion: 1) {
            MLArrayFeatureExtractor(label: MLAttributes($0).nodeLabel)
        },
    ]

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        let y = try MLInput.tensor(inputs, 1, label)
        guard x.rank >= 1 else {
            throw ModelError(.invalidInput, "\(label): input X must have at least one dimension")
        }
        let indices: [Int]
        switch y.storage {
        case .int64(let v): indices = v.map { Int(truncatingIfNeeded: $0) }
        case .int32(let v): indices = v.map { Int($0) }
        default:
            throw ModelError(.invalidInput, "\(label): indices input Y must be int64, found \(y.elementType)")
        }
        guard !indices.isEmpty else {
            throw ModelError(.invalidInput, "\(label): indices input Y is empty")
        }
        let stride = x.shape[x.rank - 1]
        for (i, index) in indices.enumerated() where index < 0 || index >= stride {
            throw ModelError(.invalidInput, "\(label): index Y[\(i)] = \(index) is out of range [0, \(stride))")
        }
        var shape = x.shape
        if x.rank == 1 {
            shape = [1, indices.count]
        } else {
            shape[x.rank - 1] = indices.count
        }
        let outer = stride == 0 ? 0 : x.count / stride
        func gather<T>(_ v: [T]) -> [T] {
            var out = [T]()
            out.reserveCapacity(outer * indices.count)
            for r in 0..<outer {
                let base = r * stride
                for index in indices { out.append(v[base + index]) }
            }
            return out
        }
        let storage: TensorStorage
        switch x.storage {
        case .float(let v): storage = .float(gather(v))
        case .double(let v): storage = .double(gather(v))
        case .int64(let v): storage = .int64(gather(v))
        case .int32(let v): storage = .int32(gather(v))
        case .string(let v): storage = .string(gather(v))
        case .bool:
            throw ModelError(.invalidInput, "\(label): input X must be float, double, int64, int32 or string, found bool")
        }
        return [.tensor(Tensor(shape: shape, storage: storage))]
    }
}
