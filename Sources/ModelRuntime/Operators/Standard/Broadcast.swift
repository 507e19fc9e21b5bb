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
                } else {
                    let rank = shape.count
                    let sa = broadcastStrides(aShape, to: shape)
                    let sb = broadcastStrides(bShape, to: shape)
                    let inner = shape[rank - 1]
                    let ia = sa[rank - 1], ib = sb[rank - 1]
                    let outer = count / inner
                    var index = [Int](repeating: 0, count: rank)
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
        initialized = count
    }
    return Tensor(shape: shape, storage: R.storage(values))
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
    let rank = target.count
    let s = broadcastStrides(shape, to: target)
    var result = [Int](repeating: 0, count: count)
    guard count > 0 else { return result }
    var index = [Int](repeating: 0, count: rank)
    var offset = 0
    for position in 0..<count {
        result[position] = offset
        var d = rank - 1
        while d >= 0 {
            index[d] += 1; offset += s[d]
            if index[d] < target[d] { break }
            offset -= s[d] * target[d]
            index[d] = 0
            d -= 1
        }
    }
    return result
}
