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
    /// Number of output elements, and of input elements folded into each.
    var outputCount: Int
    var spanCount: Int
    /// True when the reduced axes are the trailing ones: output `o` then folds
    /// the contiguous block `o * spanCount ..< (o + 1) * spanCount`, and
    /// `bases`/`span` stay empty (no offset tables to build per call).
    var contiguous: Bool
    var bases: [Int]
    var span: [Int]

    /// `reduced[d]` tells whether axis `d` is reduced.
    init(shape: [Int], reduced: [Bool], keepDims: Bool) {
        let rank = shape.count
        var outputShape: [Int] = []
        outputShape.reserveCapacity(rank)
        var outputCount = 1, spanCount = 1
        var firstReduced = rank, lastKept = -1
        for d in 0..<rank {
            if reduced[d] {
                spanCount *= shape[d]
                if firstReduced == rank { firstReduced = d }
                if keepDims { outputShape.append(1) }
            } else {
                outputCount *= shape[d]
                lastKept = d
                outputShape.append(shape[d])
            }
        }
        self.outputShape = outputShape
        self.outputCount = outputCount
        self.spanCount = spanCount
        // Trailing reduced axes (the usual "per row" case) need no offset tables.
        contiguous = lastKept < firstReduced
        if contiguous {
            bases = []
            span = []
        } else {
            let own = strides(of: shape)
            let kept = (0..<rank).filter { !reduced[$0] }, folded = (0..<rank).filter { reduced[$0] }
            bases = stridedOffsets(kept.map { shape[$0] }, kept.map { own[$0] })
            span = stridedOffsets(folded.map { shape[$0] }, folded.map { own[$0] })
        }
    }

    /// Input offset of element `r` of output `o`'s span.
    @inline(__always)
    func offset(_ o: Int, _ r: Int) -> Int {
        contiguous ? o &* spanCount &+ r : bases[o] &+ span[r]
    }

    /// Folds each output element's span: `start(first)`, `step(acc, x)`, `finish(acc, n)`.
    @inline(__always)
    func reduce<T, A, R: TensorElement>(_ x: [T], start: (T) -> A, step: (A, T) -> A,
                                        finish: (A, Int) -> R, empty: R) -> Tensor {
        let n = spanCount
        let values = [R](unsafeUninitializedCapacity: outputCount) { out, initialized in
            x.withUnsafeBufferPointer { px in
                for o in 0..<outputCount {
                    guard n > 0 else { (out.baseAddress! + o).initialize(to: empty); continue }
                    var acc: A
                    if contiguous {
                        let block = px.baseAddress! + o * n
                        acc = start(block[0])
                        var r = 1
                        while r < n { acc = step(acc, block[r]); r += 1 }
                    } else {
                        let base = bases[o]
                        acc = start(px[base + span[0]])
                        var r = 1
                        while r < n { acc = step(acc, px[base + span[r]]); r += 1 }
                    }
                    (out.baseAddress! + o).initialize(to: finish(acc, n))
                }
            }
            initialized = outputCount
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

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "data")
        let axes = (axesFromInput ? try args.integers(1, "axes") : axesAttribute) ?? []
        if axes.isEmpty && noopWithEmptyAxes { return [.tensor(x)] }
        var reduced = [Bool](repeating: axes.isEmpty, count: x.rank)
        for axis in axes { reduced[try normalizedAxis(axis, rank: x.rank)] = true }
        let layout = ReductionLayout(shape: x.shape, reduced: reduced, keepDims: keepDims)
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
            let n = layout.spanCount
            let values = [T](unsafeUninitializedCapacity: layout.outputCount) { out, initialized in
                v.withUnsafeBufferPointer { px in
                    for o in 0..<layout.outputCount {
                        let peak = peaks[o].isFinite ? peaks[o] : 0
                        var sum: T = 0
                        for r in 0..<n { sum += exp(px[layout.offset(o, r)] - peak) }
                        (out.baseAddress! + o).initialize(to: log(sum) + peak)
                    }
                }
                initialized = layout.outputCount
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
