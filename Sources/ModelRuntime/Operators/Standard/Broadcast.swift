/// Numpy-style (multidirectional) broadcasting of shapes.
func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if da == db || db == 1 {
            result[i] = da
        } else if da == 1 {
            result[i] = db
        } else {
            throw ModelError(.execution, "shapes \(describe(a)) and \(describe(b)) cannot be broadcast together")
        }
    }
    return result
}

/// Strides of `shape` seen through a broadcast to `target` (0 on broadcast dims).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = strides(of: shape)
    let offset = target.count - shape.count
    var result = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count where shape[i] != 1 {
        result[i + offset] = own[i]
    }
    return result
}

/// Applies `f` element-wise over `a` and `b` broadcast together.
/// `@inline(__always)` so each call site's closure is inlined into the loops.
@inline(__always)
func broadcastBinary<A, B, R>(_ a: [A], _ aShape: [Int], _ b: [B], _ bShape: [Int],
                              _ f: (A, B) -> R) throws -> Tensor where R: TensorElement {
    let shape = aShape == bShape ? aShape : try broadcastShape(aShape, bShape)
    let count = elementCount(shape)
    let values = [R](unsafeUninitializedCapacity: count) { out, initialized in
        guard count > 0 else { initialized = 0; return }
        let o = out.baseAddress!
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                if a.count == count && b.count == count {
                    for i in 0..<count { (o + i).initialize(to: f(pa[i], pb[i])) }
                } else if b.count == 1 && a.count == count {
                    let y = pb[0]
                    for i in 0..<count { (o + i).initialize(to: f(pa[i], y)) }
                } else if a.count == 1 && b.count == count {
                    let x = pa[0]
                    for i in 0..<count { (o + i).initialize(to: f(x, pb[i])) }
                } else if a.count == count, b.count > 0, isTrailingBlock(bShape, of: shape) {
                    // b repeats whole over the leading dimensions (e.g. a bias row).
                    let inner = b.count
                    var position = 0
                    for _ in 0..<(count / inner) {
                        for j in 0..<inner { (o + position + j).initialize(to: f(pa[position + j], pb[j])) }
                        position += inner
                    }
                } else if b.count == count, a.count > 0, isTrailingBlock(aShape, of: shape) {
                    let inner = a.count
                    var position = 0
                    for _ in 0..<(count / inner) {
                        for j in 0..<inner { (o + position + j).initialize(to: f(pa[j], pb[position + j])) }
                        position += inner
                    }
                } else {
                    let rank = shape.count
                    let sa = broadcastStrides(aShape, to: shape)
                    let sb = broadcastStrides(bShape, to: shape)
                    let inner = shape[rank - 1]
                    let ia = sa[rank - 1], ib = sb[rank - 1]
                    let outer = count / inner
                    // The odometer lives in a stack buffer: array element writes
                    // here would cost a uniqueness check per row.
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: rank) { index in
                        index.initialize(repeating: 0)
                        var offsetA = 0, offsetB = 0, position = 0
                        for _ in 0..<outer {
                            var ja = offsetA, jb = offsetB
                            for _ in 0..<inner {
                                (o + position).initialize(to: f(pa[ja], pb[jb]))
                                ja += ia; jb += ib; position += 1
                            }
                            var d = rank - 2
                            while d >= 0 {
                                index[d] += 1; offsetA += sa[d]; offsetB += sb[d]
                                if index[d] < shape[d] { break }
                                offsetA -= sa[d] * shape[d]; offsetB -= sb[d] * shape[d]
                                index[d] = 0
                                d -= 1
                            }
                        }
                    }
                }
            }
        }
        initialized = count
    }
    return Tensor(shape: shape, storage: R.storage(values))
}

/// Whether `shape`, leading 1s dropped, equals the trailing dimensions of
/// `target`, so its values repeat as one contiguous block.
@inline(__always)
func isTrailingBlock(_ shape: [Int], of target: [Int]) -> Bool {
    let trimmed = shape.drop { $0 == 1 }
    return trimmed.count <= target.count && target.suffix(trimmed.count).elementsEqual(trimmed)
}

/// Applies `f` to every element.
@inline(__always)
func mapElements<T, R: TensorElement>(_ a: [T], _ shape: [Int], _ f: (T) -> R) -> Tensor {
    let values = [R](unsafeUninitializedCapacity: a.count) { out, initialized in
        a.withUnsafeBufferPointer { pa in
            for i in 0..<pa.count { (out.baseAddress! + i).initialize(to: f(pa[i])) }
        }
        initialized = a.count
    }
    return Tensor(shape: shape, storage: R.storage(values))
}

/// For each element of `target`, the index of the element of `shape` that
/// broadcasting maps onto it (for the rarer multi-input broadcasts: Where, Expand).
func broadcastIndices(_ shape: [Int], to target: [Int]) -> [Int] {
    let count = elementCount(target)
    if elementCount(shape) == count { return Array(0..<count) }
    return stridedOffsets(target, broadcastStrides(shape, to: target))
}

/// Offsets of the elements of a strided view with dimensions `dims`, in
/// row-major order, starting at `start`. Layout kernels (Transpose, Slice,
/// broadcasts, reductions) turn their index arithmetic into one such table.
/// Offsets wrap instead of trapping: past the end of a lane the running
/// offset may step outside, but it is wound back before it is stored.
func stridedOffsets(_ dims: [Int], _ strides: [Int], start: Int = 0) -> [Int] {
    let count = elementCount(dims)
    return [Int](unsafeUninitializedCapacity: count) { out, initialized in
        initialized = count
        guard count > 0 else { return }
        let rank = dims.count
        guard rank > 0 else { out[0] = start; return }
        let inner = dims[rank - 1], innerStride = strides[rank - 1]
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank) { index in
            index.initialize(repeating: 0)
            var offset = start, position = 0
            for _ in 0..<(count / inner) {
                var o = offset
                for _ in 0..<inner {
                    out[position] = o
                    o = o &+ innerStride
                    position += 1
                }
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    offset = offset &+ strides[d]
                    if index[d] < dims[d] { break }
                    offset = offset &- strides[d] &* dims[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}
