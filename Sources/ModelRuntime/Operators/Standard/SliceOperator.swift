/// Slice: starts/ends/axes/steps from inputs (opset 10+) or attributes (before).
struct SliceKernel: Kernel {
    /// Opset < 10: (starts, ends, axes) from attributes.
    let attributes: (starts: [Int], ends: [Int], axes: [Int]?)?

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let data = try args.tensor(0, "data")
        let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if let attributes {
            (starts, ends, axes, steps) = (attributes.starts, attributes.ends, attributes.axes, nil)
        } else {
            guard let s = try args.integers(1, "starts"), let e = try args.integers(2, "ends") else {
                throw ModelError(.execution, "Slice needs starts and ends")
            }
            (starts, ends, axes, steps) = (s, e, try args.integers(3, "axes"), try args.integers(4, "steps"))
        }
        let rank = data.rank
        let axisList = try (axes ?? Array(0..<starts.count)).map { try normalizedAxis($0, rank: rank) }
        guard starts.count == ends.count, axisList.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
            throw ModelError(.execution, "starts, ends, axes and steps have different lengths")
        }
        var begin = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        var shape = data.shape
        for (k, axis) in axisList.enumerated() {
            let size = data.shape[axis]
            let st = steps?[k] ?? 1
            guard st != 0 else { throw ModelError(.execution, "Slice step is 0") }
            var s = starts[k], e = ends[k]
            if s < 0 { s += size }
            if e < 0 { e += size }
            if st > 0 {
                s = min(max(s, 0), size); e = min(max(e, 0), size)
                shape[axis] = e > s ? (e - s - 1) / st + 1 : 0
            } else {
                s = min(max(s, 0), size - 1); e = min(max(e, -1), size - 1)
                let magnitude = st == .min ? Int.max : -st
                shape[axis] = s > e ? (s - e - 1) / magnitude + 1 : 0
            }
            begin[axis] = s
            step[axis] = st
        }
        let sourceStrides = strides(of: data.shape)
        var start = 0
        for d in 0..<rank { start += begin[d] * sourceStrides[d] }
        // Wrapping products: a huge step only matters past a lane's end, where
        // stridedOffsets winds the offset back before storing it.
        let picks = stridedOffsets(shape, (0..<rank).map { step[$0] &* sourceStrides[$0] }, start: start)
        return [.tensor(Tensor(shape: shape, storage: data.storage.gathered(picks)))]
    }
}

extension StandardOperators {
    static let sliceRegistrations: [KernelRegistration] =
        register("Slice", [1, 10, 11, 13]) { node in
            guard node.opsetVersion < 10 else { return SliceKernel(attributes: nil) }
            let attributes = StandardAttributes(node)
            guard let starts = try attributes.ints("starts"), let ends = try attributes.ints("ends") else {
                throw ModelError(.invalidModel, "attributes 'starts' and 'ends' are required")
            }
            return SliceKernel(attributes: (starts, ends, try attributes.ints("axes")))
        }
}
