#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a reduction reads: for each output element the input offset of its
/// first element (`bases`), and the offsets of the reduced elements relative
/// to it (`span`), both in increasing input order so sums run in order.
struct ReductionLayout {
    var outputShape: [Int]
    var bases: [Int]
    var span: [Int]

    /// `axes` already normalised; empty means every axis.
    init(shape: [Int], axes: Set<Int>, keepDims: Bool) {
        let rank = shape.count
        let own = strides(of: shape)
        var keptDims: [Int] = [], keptStrides: [Int] = []
        var reducedDims: [Int] = [], reducedStrides: [Int] = []
        var outputShape: [Int] = []
        for d in 0..<rank {
            if axes.isEmpty || axes.contains(d) {
                reducedDims.append(shape[d]); reducedStrides.append(own[d])
                if keepDims { outputShape.append(1) }
            } else {
                keptDims.append(shape[d]); keptStrides.append(own[d])
                outputShape.append(shape[d])
            }
        }
        self.outputShape = outputShape
        self.bases = ReductionLayout.offsets(keptDims, keptStrides)
        self.span = ReductionLayout.offsets(reducedDims, reducedStrides)
    }

    /// Row-major enumeration of the offsets of a (dims, strides) view.
    static func offsets(_ dims: [Int], _ strides: [Int]) -> [Int] {
        let count = elementCount(dims)
        var result = [Int](repeating: 0, count: count)
        guard count > 0, !dims.isEmpty else { return result }
        var index = [Int](repeating: 0, count: dims.count)
        var offset = 0
        for position in 0..<count {
            result[position] = offset
            var d = dims.count - 1
            while d >= 0 {
                index[d] += 1; offset += strides[d]
                if index[d] < dims[d] { break }
                offset -= strides[d] * dims[d]
                index[d] = 0
                d -= 1
            }
        }
        return result
    }

    /// Folds each output element's span: `start(first)`, `step(acc, x)`, `finish(acc, n)`.
    @inline(__always)
    func reduce<T, A, R: TensorElement>(_ x: [T], start: (T) -> A, step: (A, T) -> A,
                                        finish: (A, Int) -> R, empty: R) -> Tensor {
        let n = span.count
        let values = [R](unsafeUninitializedCapacity: bases.count) { out, initialized in
            x.withUnsafeBufferPointer { px in
                span.withUnsafeBufferPointer { ps in
                    for (o, base) in bases.enumerated() {
                        guard n > 0 else { (out.baseAddress! + o).initialize(to: empty); continue }
                        var acc = start(px[base + ps[0]])
                        var r = 1
                        while r < n { acc = step(acc, px[base + ps[r]]); r += 1 }
                        (out.baseAddress! + o).initialize(to: finish(acc, n))
                    }
                }
            }
            initialized = bases.count
        }
        return Tensor(shape: outputShape, storage: R.storage(values))
    }
}

/// ReduceSum/Mean/Max/Min/Prod/SumSquare/L1/L2/LogSum/LogSumExp. Axes come from
/// the `axes` attribute, or from input 1 once the operator takes them as an
/// input (ReduceSum from opset 13, the others from 18).
struct ReduceKernel: Kernel {
    enum Operation: String, Sendable {
        case sum = "ReduceSum", mean = "ReduceMean", max = "ReduceMax", min = "ReduceMin"
        case prod = "ReduceProd", sumSquare = "ReduceSumSquare", l1 = "ReduceL1", l2 = "ReduceL2"
        case logSum = "ReduceLogSum", logSumExp = "ReduceLogSumExp"
    }
    let operation: Operation
    let axesAttribute: [Int]?
    let axesFromInput: Bool
    let keepDims: Bool
    let noopWithEmptyAxes: Bool

    func compute(_ inputs: [Value?]) throws -> [Value] {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "data")
        let axes = (axesFromInput ? try args.integers(1, "axes") : axesAttribute) ?? []
        if axes.isEmpty && noopWithEmptyAxes { return [.tensor(x)] }
        let normalized = Set(try axes.map { try normalizedAxis($0, rank: x.rank) })
        let layout = ReductionLayout(shape: x.shape, axes: normalized, keepDims: keepDims)
        switch x.storage {
        case .float(let v): return [.tensor(try floating(v, layout, exp: { expf($0) }, log: { logf($0) }))]
        case .double(let v): return [.tensor(try floating(v, layout, exp: { exp($0) }, log: { log($0) }))]
        case .int64(let v): return [.tensor(try integer(v, layout))]
        case .int32(let v): return [.tensor(try integer(v, layout))]
        default:
            throw ModelError(.execution, "\(operation.rawValue) does not accept \(x.elementType) input")
        }
    }

    @inline(__always)
    private func floating<T: BinaryFloatingPoint & TensorElement>(_ v: [T], _ layout: ReductionLayout,
                                                                 exp: (T) -> T, log: (T) -> T) throws -> Tensor {
        switch operation {
        case .sum: return layout.reduce(v, start: { $0 }, step: { $0 + $1 }, finish: { a, _ in a }, empty: 0)
        case .mean: return layout.reduce(v, start: { $0 }, step: { $0 + $1 }, finish: { a, n in a / T(n) }, empty: .nan)
        case .max: return layout.reduce(v, start: { $0 }, step: { ($1 > $0 || $1.isNaN) ? $1 : $0 }, finish: { a, _ in a }, empty: -.infinity)
        case .min: return layout.reduce(v, start: { $0 }, step: { ($1 < $0 || $1.isNaN) ? $1 : $0 }, finish: { a, _ in a }, empty: .infinity)
        case .prod: return layout.reduce(v, start: { $0 }, step: { $0 * $1 }, finish: { a, _ in a }, empty: 1)
        case .sumSquare: return layout.reduce(v, start: { $0 * $0 }, step: { $0 + $1 * $1 }, finish: { a, _ in a }, empty: 0)
        case .l1: return layout.reduce(v, start: { Swift.abs($0) }, step: { $0 + Swift.abs($1) }, finish: { a, _ in a }, empty: 0)
        case .l2: return layout.reduce(v, start: { $0 * $0 }, step: { $0 + $1 * $1 }, finish: { a, _ in a.squareRoot() }, empty: 0)
        case .logSum: return layout.reduce(v, start: { $0 }, step: { $0 + $1 }, finish: { a, _ in log(a) }, empty: -.infinity)
        case .logSumExp:
            // log(sum(exp(x - max))) + max, so large inputs do not overflow.
            let maxima = layout.reduce(v, start: { $0 }, step: { $1 > $0 ? $1 : $0 }, finish: { a, _ in a }, empty: -T.infinity)
            guard let peaks = T.values(of: maxima.storage) else { return maxima }
            let n = layout.span.count
            let values = [T](unsafeUninitializedCapacity: layout.bases.count) { out, initialized in
                v.withUnsafeBufferPointer { px in
                    for (o, base) in layout.bases.enumerated() {
                        let peak = peaks[o].isFinite ? peaks[o] : 0
                        var sum: T = 0
                        for r in 0..<n { sum += exp(px[base + layout.span[r]] - peak) }
                        (out.baseAddress! + o).initialize(to: log(sum) + peak)
                    }
                }
                initialized = layout.bases.count
            }
            return Tensor(shape: layout.outputShape, storage: T.storage(values))
        }
    }

    @inline(__always)
    private func integer<T: ArithmeticElement & FixedWidthInteger>(_ v: [T], _ layout: ReductionLayout) throws -> Tensor {
        switch operation {
        case .sum: return layout.reduce(v, start: { $0 }, step: { $0 &+ $1 }, finish: { a, _ in a }, empty: 0)
        case .mean: return layout.reduce(v, start: { $0 }, step: { $0 &+ $1 }, finish: { a, n in a / T(n) }, empty: 0)
        case .max: return layout.reduce(v, start: { $0 }, step: { Swift.max($0, $1) }, finish: { a, _ in a }, empty: T.min)
        case .min: return layout.reduce(v, start: { $0 }, step: { Swift.min($0, $1) }, finish: { a, _ in a }, empty: T.max)
        case .prod: return layout.reduce(v, start: { $0 }, step: { $0 &* $1 }, finish: { a, _ in a }, empty: 1)
        case .sumSquare: return layout.reduce(v, start: { $0 &* $0 }, step: { $0 &+ $1 &* $1 }, finish: { a, _ in a }, empty: 0)
        case .l1: return layout.reduce(v, start: { $0 < 0 ? 0 &- $0 : $0 }, step: { $0 &+ ($1 < 0 ? 0 &- $1 : $1) }, finish: { a, _ in a }, empty: 0)
        default:
            throw ModelError(.execution, "\(operation.rawValue) needs float or double input")
        }
    }
}

extension StandardOperators {
    /// `inputSince`: the opset from which axes are an input instead of an attribute.
    static func reduce(_ operation: ReduceKernel.Operation, _ versions: [Int], inputSince: Int) -> [KernelRegistration] {
        register(operation.rawValue, versions) { node in
            let attributes = StandardAttributes(node)
            let fromInput = node.opsetVersion >= inputSince
            return ReduceKernel(operation: operation,
                                axesAttribute: fromInput ? nil : try attributes.ints("axes"),
                                axesFromInput: fromInput,
                                keepDims: try attributes.int("keepdims", default: 1) != 0,
                                noopWithEmptyAxes: try fromInput && attributes.int("noop_with_empty_axes", default: 0) != 0)
        }
    }

    static let reduceRegistrations: [KernelRegistration] =
        reduce(.sum, [1, 11, 13], inputSince: 13)
        + reduce(.mean, [1, 11, 13, 18], inputSince: 18)
        + reduce(.max, [1, 11, 12, 13, 18, 20], inputSince: 18)
        + reduce(.min, [1, 11, 12, 13, 18, 20], inputSince: 18)
        + reduce(.prod, [1, 11, 13, 18], inputSince: 18)
        + reduce(.sumSquare, [1, 11, 13, 18], inputSince: 18)
        + reduce(.l1, [1, 11, 13, 18], inputSince: 18)
        + reduce(.l2, [1, 11, 13, 18], inputSince: 18)
        + reduce(.logSum, [1, 11, 13, 18], inputSince: 18)
        + reduce(.logSumExp, [1, 11, 13, 18], inputSince: 18)
}
