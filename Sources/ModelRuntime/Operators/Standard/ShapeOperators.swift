/// Identity: passes its input through (a tensor, or a ZipMap value).
struct IdentityKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        guard let value = inputs.first ?? nil else {
            throw ModelError(.execution, "required input 0 ('input') is missing")
        }
        return [value]
    }
}

/// Reshape (opset 5+): shape from an int64 input; 0 copies the input's
/// dimension (unless `allowzero`), one -1 is inferred.
struct ReshapeKernel: Kernel {
    let allowZero: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let data = try args.tensor(0, "data")
        guard let requested = try args.integers(1, "shape") else {
            throw ModelError(.execution, "required input 1 ('shape') is missing")
        }
        var shape = requested
        var inferred = -1
        var known = 1
        for (i, d) in requested.enumerated() {
            if d == 0 && !allowZero {
                guard i < data.rank else {
                    throw ModelError(.execution, "shape \(describe(requested)) copies dimension \(i), but the input has rank \(data.rank)")
                }
                shape[i] = data.shape[i]
            } else if d == -1 {
                guard inferred < 0 else { throw ModelError(.execution, "shape \(describe(requested)) has more than one -1") }
                inferred = i
                continue
            } else if d < 0 {
                throw ModelError(.execution, "shape \(describe(requested)) has a negative dimension")
            }
            let (product, overflow) = known.multipliedReportingOverflow(by: shape[i])
            guard !overflow else { throw ModelError(.execution, "shape \(describe(requested)) is too large") }
            known = product
        }
        if inferred >= 0 {
            guard known > 0, data.count % known == 0 else {
                throw ModelError(.execution, "cannot reshape \(describe(data.shape)) to \(describe(requested))")
            }
            shape[inferred] = data.count / known
        }
        guard try checkedElementCount(shape) == data.count else {
            throw ModelError(.execution, "cannot reshape \(describe(data.shape)) (\(data.count) values) to \(describe(requested))")
        }
        return [.tensor(Tensor(shape: shape, storage: data.storage))]
    }
}

/// Flatten: to 2-D, splitting the dimensions at `axis`.
struct FlattenKernel: Kernel {
    let axis: Int

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "input")
        let resolved = axis < 0 ? axis + x.rank : axis
        guard resolved >= 0, resolved <= x.rank else {
            throw ModelError(.execution, "axis \(axis) is out of range for rank \(x.rank)")
        }
        let outer = elementCount(Array(x.shape[..<resolved]))
        return [.tensor(Tensor(shape: [outer, outer == 0 ? 0 : x.count / outer], storage: x.storage))]
    }
}

/// Squeeze: drops size-1 dimensions (the listed ones, or all). Axes come from
/// an attribute before opset 13 and from an optional input from 13 on.
struct SqueezeKernel: Kernel {
    let axesAttribute: [Int]?
    let axesFromInput: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "data")
        let axes = axesFromInput ? try args.integers(1, "axes") : axesAttribute
        var shape: [Int] = []
        if let axes, !axes.isEmpty {
            let drop = Set(try axes.map { try normalizedAxis($0, rank: x.rank) })
            for (i, d) in x.shape.enumerated() {
                if drop.contains(i) {
                    guard d == 1 else { throw ModelError(.execution, "cannot squeeze axis \(i) of size \(d) in \(describe(x.shape))") }
                } else {
                    shape.append(d)
                }
            }
        } else {
            shape = x.shape.filter { $0 != 1 }
        }
        return [.tensor(Tensor(shape: shape, storage: x.storage))]
    }
}

/// Unsqueeze: inserts size-1 dimensions at the listed output axes.
struct UnsqueezeKernel: Kernel {
    let axesAttribute: [Int]?
    let axesFromInput: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "data")
        guard let axes = axesFromInput ? try args.integers(1, "axes") : axesAttribute else {
            throw ModelError(.execution, "Unsqueeze needs axes")
        }
        let rank = x.rank + axes.count
        let inserted = Set(try axes.map { try normalizedAxis($0, rank: rank) })
        guard inserted.count == axes.count else { throw ModelError(.execution, "axes \(axes) repeat an axis") }
        var shape: [Int] = []
        var source = x.shape.makeIterator()
        for i in 0..<rank { shape.append(inserted.contains(i) ? 1 : source.next()!) }
        return [.tensor(Tensor(shape: shape, storage: x.storage))]
    }
}

/// Shape (with opset 15's start/end) and Size.
struct ShapeKernel: Kernel {
    let start: Int
    let end: Int?

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "data")
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + x.rank : i, 0), x.rank) }
        let from = clamp(start), to = clamp(end ?? x.rank)
        let dims = from < to ? x.shape[from..<to].map { Int64($0) } : []
        return [.tensor(Tensor(shape: [dims.count], int64s: dims))]
    }
}

struct SizeKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "data")
        return [.tensor(Tensor(shape: [], int64s: [Int64(x.count)]))]
    }
}

extension StandardOperators {
    static let shapeRegistrations: [KernelRegistration] =
        register("Identity", [1, 13, 14, 16, 19, 21]) { _ in IdentityKernel() }
        + register("Reshape", [5, 13, 14, 19, 21]) { node in
            ReshapeKernel(allowZero: try StandardAttributes(node).int("allowzero", default: 0) != 0)
        }
        + register("Flatten", [1, 9, 11, 13, 21]) { node in
            FlattenKernel(axis: Int(try StandardAttributes(node).int("axis", default: 1)))
        }
        + register("Squeeze", [1, 11, 13, 21]) { node in
            node.opsetVersion >= 13
                ? SqueezeKernel(axesAttribute: nil, axesFromInput: true)
                : SqueezeKernel(axesAttribute: try StandardAttributes(node).ints("axes"), axesFromInput: false)
        }
        + register("Unsqueeze", [1, 11, 13, 21]) { node in
            if node.opsetVersion >= 13 { return UnsqueezeKernel(axesAttribute: nil, axesFromInput: true) }
            guard let axes = try StandardAttributes(node).ints("axes") else {
                throw ModelError(.invalidModel, "attribute 'axes' is required")
            }
            return UnsqueezeKernel(axesAttribute: axes, axesFromInput: false)
        }
        + register("Shape", [1, 13, 15, 19, 21]) { node in
            let attributes = StandardAttributes(node)
            return ShapeKernel(start: Int(try attributes.int("start", default: 0)),
                               end: try attributes.optionalInt("end").map { Int($0) })
        }
        + register("Size", [1, 13, 19, 21]) { _ in SizeKernel() }
}
