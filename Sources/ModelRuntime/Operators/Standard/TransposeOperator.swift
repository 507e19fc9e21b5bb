/// Transpose: permutes dimensions (default: reverses them).
struct TransposeKernel: Kernel {
    let permutation: [Int]?

    func compute(_ inputs: [Value?]) throws -> [Value] {
        let x = try StandardArguments(inputs).tensor(0, "data")
        let rank = x.rank
        let perm = permutation ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw ModelError(.execution, "perm \(perm) is not a permutation of the \(rank) axes of \(describe(x.shape))")
        }
        if perm == Array(0..<rank) { return [.tensor(x)] }
        let shape = perm.map { x.shape[$0] }
        let sourceStrides = strides(of: x.shape)
        let permuted = perm.map { sourceStrides[$0] }
        let count = x.count
        var indices = [Int](repeating: 0, count: count)
        if count > 0 {
            var index = [Int](repeating: 0, count: rank)
            var offset = 0
            for position in 0..<count {
                indices[position] = offset
                var d = rank - 1
                while d >= 0 {
                    index[d] += 1; offset += permuted[d]
                    if index[d] < shape[d] { break }
                    offset -= permuted[d] * shape[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
        return [.tensor(Tensor(shape: shape, storage: x.storage.gathered(indices)))]
    }
}

extension StandardOperators {
    static let transposeRegistrations: [KernelRegistration] =
        register("Transpose", [1, 13, 21]) { node in
            TransposeKernel(permutation: try StandardAttributes(node).ints("perm"))
        }
}
