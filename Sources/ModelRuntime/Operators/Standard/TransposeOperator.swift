/// Transpose: permutes dimensions (default: reverses them).
struct TransposeKernel: Kernel {
    let permutation: [Int]?

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "data")
        let rank = x.rank
        let perm = permutation ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw ModelError(.execution, "perm \(perm) is not a permutation of the \(rank) axes of \(describe(x.shape))")
        }
        if perm == Array(0..<rank) { return [.tensor(x)] }
        let shape = perm.map { x.shape[$0] }
        if rank == 2 {
            // Plain matrix transpose: tiled copy, no index table.
            struct Matrix: StorageTransform {
                let rows: Int, columns: Int
                func apply<T: TensorElement>(_ values: [T]) -> [T] {
                    [T](unsafeUninitializedCapacity: values.count) { out, initialized in
                        values.withUnsafeBufferPointer { source in
                            let tile = 32
                            for r0 in stride(from: 0, to: rows, by: tile) {
                                for c0 in stride(from: 0, to: columns, by: tile) {
                                    for r in r0..<min(r0 + tile, rows) {
                                        for c in c0..<min(c0 + tile, columns) {
                                            (out.baseAddress! + c * rows + r).initialize(to: source[r * columns + c])
                                        }
                                    }
                                }
                            }
                        }
                        initialized = values.count
                    }
                }
            }
            return [.tensor(Tensor(shape: shape, storage: try x.storage.transformed(Matrix(rows: x.shape[0], columns: x.shape[1]))))]
        }
        let sourceStrides = strides(of: x.shape)
        let permuted = perm.map { sourceStrides[$0] }
        let indices = stridedOffsets(shape, permuted)
        return [.tensor(Tensor(shape: shape, storage: x.storage.gathered(indices)))]
    }
}

extension StandardOperators {
    static let transposeRegistrations: [KernelRegistration] =
        register("Transpose", [1, 13, 21]) { node in
            TransposeKernel(permutation: try StandardAttributes(node).ints("perm"))
        }
}
