/// ArgMax and ArgMin along `axis`: int64 indices; ties go to the first
/// occurrence unless `select_last_index`.
struct ArgExtremumKernel: Kernel {
    let isMax: Bool
    let axis: Int
    let keepDims: Bool
    let selectLast: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "data")
        switch x.storage {
        case .float(let v): return [.tensor(try run(v, x.shape))]
        case .double(let v): return [.tensor(try run(v, x.shape))]
        case .int64(let v): return [.tensor(try run(v, x.shape))]
        case .int32(let v): return [.tensor(try run(v, x.shape))]
        default: throw ModelError(.execution, "\(isMax ? "ArgMax" : "ArgMin") does not accept \(x.elementType) input")
        }
    }

    @inline(__always)
    private func run<T: Comparable>(_ v: [T], _ shape: [Int]) throws -> Tensor {
        let axis = try normalizedAxis(self.axis, rank: shape.count)
        guard !shape.isEmpty, shape[axis] > 0 else {
            throw ModelError(.execution, "cannot take an arg-extremum over an empty axis in \(describe(shape))")
        }
        let outer = elementCount(Array(shape[..<axis])), size = shape[axis]
        let inner = elementCount(Array(shape[(axis + 1)...]))
        let isMax = self.isMax, selectLast = self.selectLast
        let result = [Int64](unsafeUninitializedCapacity: outer * inner) { out, initialized in
            v.withUnsafeBufferPointer { p in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * size * inner + i
                        var best = p[base], bestIndex = 0
                        for j in 1..<size {
                            let value = p[base + j * inner]
                            let better = isMax
                                ? (selectLast ? value >= best : value > best)
                                : (selectLast ? value <= best : value < best)
                            if better { best = value; bestIndex = j }
                        }
                        out[o * inner + i] = Int64(bestIndex)
                    }
                }
            }
            initialized = outer * inner
        }
        var outShape = shape
        if keepDims { outShape[axis] = 1 } else { outShape.remove(at: axis) }
        return Tensor(shape: outShape, int64s: result)
    }
}

extension StandardOperators {
    static func argExtremum(_ opType: String, isMax: Bool) -> [KernelRegistration] {
        register(opType, [1, 11, 12, 13]) { node in
            let attributes = StandardAttributes(node)
            return ArgExtremumKernel(isMax: isMax,
                                     axis: Int(try attributes.int("axis", default: 0)),
                                     keepDims: try attributes.int("keepdims", default: 1) != 0,
                                     selectLast: try attributes.int("select_last_index", default: 0) != 0)
        }
    }

    static let argExtremumRegistrations: [KernelRegistration] =
        argExtremum("ArgMax", isMax: true) + argExtremum("ArgMin", isMax: false)
}
