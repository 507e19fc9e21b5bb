/// Concat: joins tensors of one type along `axis`.
struct ConcatKernel: Kernel {
    let axis: Int

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        var tensors: [Tensor] = []
        tensors.reserveCapacity(args.count)
        for index in 0..<args.count {
            // Omitted inputs are not allowed in Concat, but empty names are skipped by some exporters.
            if let t = try args.optionalTensor(index, "inputs[\(index)]") { tensors.append(t) }
        }
        guard let first = tensors.first else { throw ModelError(.execution, "Concat needs at least one input") }
        let rank = first.rank
        let axis = try normalizedAxis(self.axis, rank: rank)
        var shape = first.shape
        shape[axis] = 0
        for t in tensors {
            guard t.rank == rank, t.elementType == first.elementType else {
                throw ModelError(.execution, "Concat inputs disagree: \(first.elementType) \(describe(first.shape)) and \(t.elementType) \(describe(t.shape))")
            }
            for d in 0..<rank where d != axis && t.shape[d] != first.shape[d] {
                throw ModelError(.execution, "Concat inputs \(describe(first.shape)) and \(describe(t.shape)) differ outside axis \(axis)")
            }
            shape[axis] += t.shape[axis]
        }
        if tensors.count == 1 { return [.tensor(first)] }
        let outer = elementCount(Array(first.shape[..<axis]))
        let chunks = tensors.map { outer == 0 ? 0 : $0.count / outer }
        let storage = try joinedStorage(tensors.map(\.storage), outer: outer, chunks: chunks)
        return [.tensor(Tensor(shape: shape, storage: storage))]
    }
}

/// The storages laid end to end (all of one element type).
func concatenatedStorage(_ storages: [TensorStorage]) throws -> TensorStorage {
    try joinedStorage(storages, outer: 1, chunks: storages.map(\.count))
}

/// For each of `outer` rows, chunk `chunks[i]` of each storage `i` in turn.
private func joinedStorage(_ storages: [TensorStorage], outer: Int, chunks: [Int]) throws -> TensorStorage {
    func join<T: TensorElement>(_ type: T.Type) throws -> TensorStorage {
        let arrays = try storages.map { storage -> [T] in
            guard let values = T.values(of: storage) else {
                throw ModelError(.execution, "cannot join \(T.elementType) with \(storage.elementType)")
            }
            return values
        }
        let total = outer * chunks.reduce(0, +)
        let result = [T](unsafeUninitializedCapacity: total) { out, initialized in
            var position = 0
            for row in 0..<outer {
                for (array, chunk) in zip(arrays, chunks) where chunk > 0 {
                    array.withUnsafeBufferPointer { source in
                        (out.baseAddress! + position).initialize(from: source.baseAddress! + row * chunk, count: chunk)
                    }
                    position += chunk
                }
            }
            initialized = position
        }
        return T.storage(result)
    }
    switch storages[0] {
    case .float: return try join(Float.self)
    case .double: return try join(Double.self)
    case .int64: return try join(Int64.self)
    case .int32: return try join(Int32.self)
    case .bool: return try join(Bool.self)
    case .string: return try join(String.self)
    }
}

extension StandardOperators {
    static let concatRegistrations: [KernelRegistration] =
        register("Concat", [1, 4, 11, 13]) { node in
            // Opset 1 defaulted axis to 1; from 4 on it is required.
            ConcatKernel(axis: Int(try StandardAttributes(node).int("axis", default: node.opsetVersion < 4 ? 1 : nil)))
        }
}
