/// TopK: the k largest (or smallest) values along `axis` and their int64
/// indices; equal values keep the lower index first, as in onnxruntime.
struct TopKKernel: Kernel {
    let axis: Int
    let largest: Bool
    /// Opset 1 takes k from an attribute; later versions from input 1.
    let kAttribute: Int?

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "X")
        let k: Int
        if let kAttribute { k = kAttribute } else {
            guard let values = try args.integers(1, "K"), values.count == 1 else {
                throw ModelError(.execution, "K must be a 1-element int64 tensor")
            }
            k = values[0]
        }
        switch x.storage {
        case .float(let v): return try run(v, x.shape, k)
        case .double(let v): return try run(v, x.shape, k)
        case .int64(let v): return try run(v, x.shape, k)
        case .int32(let v): return try run(v, x.shape, k)
        default: throw ModelError(.execution, "TopK does not accept \(x.elementType) input")
        }
    }

    private func run<T: Comparable & TensorElement>(_ v: [T], _ shape: [Int], _ k: Int) throws -> KernelOutputs {
        let axis = try normalizedAxis(self.axis, rank: shape.count)
        let size = shape.isEmpty ? 1 : shape[axis]
        guard k >= 0, k <= size else {
            throw ModelError(.execution, "k = \(k) is out of range for axis \(axis) of size \(size)")
        }
        let outer = elementCount(Array(shape[..<axis])), inner = elementCount(Array(shape[(axis + 1)...]))
        // Results are laid out [outer, k, inner]. Each (outer, inner) lane keeps
        // its best k in a small sorted buffer (insertion, O(size * k)): a new
        // value goes after equal ones, so ties keep the lower index first.
        let total = outer * k * inner
        var values = [T](), indices = [Int64](repeating: 0, count: total)
        if total > 0 { values = [T](repeating: v[0], count: total) }
        var bestValues = [T](), bestIndices = [Int](repeating: 0, count: k)
        if k > 0, let first = v.first { bestValues = [T](repeating: first, count: k) }
        let largest = self.largest
        v.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { outValues in
                indices.withUnsafeMutableBufferPointer { outIndices in
                    bestValues.withUnsafeMutableBufferPointer { bv in
                        bestIndices.withUnsafeMutableBufferPointer { bi in
                            for o in 0..<outer {
                                for i in 0..<inner {
                                    let base = o * size * inner + i
                                    var filled = 0
                                    for j in 0..<size {
                                        let value = source[base + j * inner]
                                        // Position after every kept value at least as good.
                                        var position = filled
                                        while position > 0 {
                                            let kept = bv[position - 1]
                                            let keptIsAsGood = largest ? !(value > kept) : !(value < kept)
                                            if keptIsAsGood { break }
                                            position -= 1
                                        }
                                        if position >= k { continue }
                                        var m = min(filled, k - 1)
                                        while m > position { bv[m] = bv[m - 1]; bi[m] = bi[m - 1]; m -= 1 }
                                        bv[position] = value
                                        bi[position] = j
                                        if filled < k { filled += 1 }
                                    }
                                    for r in 0..<k {
                                        let target = (o * k + r) * inner + i
                                        outValues[target] = bv[r]
                                        outIndices[target] = Int64(bi[r])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var outShape = shape
        if !outShape.isEmpty { outShape[axis] = k }
        return [.tensor(Tensor(shape: outShape, storage: T.storage(values))),
                .tensor(Tensor(shape: outShape, int64s: indices))]
    }
}

/// Clip: limits values to [min, max]; bounds are attributes before opset 11
/// and optional scalar inputs from 11 on.
struct ClipKernel: Kernel {
    let minAttribute: Float?
    let maxAttribute: Float?
    let boundsFromInputs: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "input")
        let low = boundsFromInputs ? try args.optionalTensor(1, "min") : nil
        let high = boundsFromInputs ? try args.optionalTensor(2, "max") : nil
        func bound<T: TensorElement>(_ t: Tensor?, _ attribute: Float?, _ convert: (Float) -> T) throws -> T? {
            if let t {
                guard let values = T.values(of: t.storage), values.count == 1 else {
                    throw ModelError(.execution, "Clip bounds must be scalars of the input's type")
                }
                return values[0]
            }
            return attribute.map(convert)
        }
        switch x.storage {
        case .float(let v):
            let lo = try bound(low, minAttribute) { $0 } ?? -.infinity, hi = try bound(high, maxAttribute) { $0 } ?? .infinity
            return [.tensor(mapElements(v, x.shape) { $0 < lo ? lo : ($0 > hi ? hi : $0) })]
        case .double(let v):
            let lo = try bound(low, minAttribute) { Double($0) } ?? -.infinity, hi = try bound(high, maxAttribute) { Double($0) } ?? .infinity
            return [.tensor(mapElements(v, x.shape) { $0 < lo ? lo : ($0 > hi ? hi : $0) })]
        case .int64(let v):
            let lo = try bound(low, nil) { Int64($0) } ?? .min, hi = try bound(high, nil) { Int64($0) } ?? .max
            return [.tensor(mapElements(v, x.shape) { Swift.min(Swift.max($0, lo), hi) })]
        case .int32(let v):
            let lo = try bound(low, nil) { Int32($0) } ?? .min, hi = try bound(high, nil) { Int32($0) } ?? .max
            return [.tensor(mapElements(v, x.shape) { Swift.min(Swift.max($0, lo), hi) })]
        default:
            throw ModelError(.execution, "Clip does not accept \(x.elementType) input")
        }
    }
}

extension StandardOperators {
    static let selectionRegistrations: [KernelRegistration] =
        register("TopK", [1, 10, 11]) { node in
            let attributes = StandardAttributes(node)
            // sorted = 0 leaves the order unspecified, so sorted output is valid for it too.
            return TopKKernel(axis: Int(try attributes.int("axis", default: -1)),
                              largest: try attributes.int("largest", default: 1) != 0,
                              kAttribute: node.opsetVersion < 10 ? Int(try attributes.int("k")) : nil)
        }
        + register("Clip", [1, 6, 11, 12, 13]) { node in
            let attributes = StandardAttributes(node)
            if node.opsetVersion >= 11 {
                return ClipKernel(minAttribute: nil, maxAttribute: nil, boundsFromInputs: true)
            }
            return ClipKernel(minAttribute: try attributes.optionalFloat("min"),
                              maxAttribute: try attributes.optionalFloat("max"), boundsFromInputs: false)
        }
}
