/// Expand: broadcasts the input to a shape (numpy rules, both ways).
struct ExpandKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "input")
        guard let requested = try args.integers(1, "shape") else {
            throw ModelError(.execution, "required input 1 ('shape') is missing")
        }
        guard requested.allSatisfy({ $0 >= 0 }) else {
            throw ModelError(.execution, "shape \(describe(requested)) has a negative dimension")
        }
        let shape = try broadcastShape(x.shape, requested)
        _ = try checkedElementCount(shape)
        return [.tensor(Tensor(shape: shape, storage: x.storage.gathered(broadcastIndices(x.shape, to: shape))))]
    }
}

/// Tile: repeats the input `repeats[d]` times along each dimension.
struct TileKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "input")
        guard let repeats = try args.integers(1, "repeats"), repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw ModelError(.execution, "repeats must list one non-negative count per dimension of \(describe(x.shape))")
        }
        let shape = try zip(x.shape, repeats).map { d, r -> Int in
            let (product, overflow) = d.multipliedReportingOverflow(by: r)
            guard !overflow else { throw ModelError(.execution, "Tile result is too large") }
            return product
        }
        let count = try checkedElementCount(shape)
        let sourceStrides = strides(of: x.shape)
        var picks = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for position in 0..<count {
            var offset = 0
            for d in 0..<shape.count { offset += (index[d] % x.shape[d]) * sourceStrides[d] }
            picks[position] = offset
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return [.tensor(Tensor(shape: shape, storage: x.storage.gathered(picks)))]
    }
}

extension StandardOperators {
    static let expandRegistrations: [KernelRegistration] =
        register("Expand", [8, 13]) { _ in ExpandKernel() }
        + register("Tile", [6, 13]) { _ in TileKernel() }
}
