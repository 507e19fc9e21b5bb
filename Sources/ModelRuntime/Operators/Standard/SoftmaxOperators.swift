#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax and LogSoftmax. Before opset 13 the input is read as 2-D,
/// [prod(dims before axis), prod(dims from axis)], with axis defaulting to 1;
/// from 13 on the function runs along the one `axis` (default -1).
struct SoftmaxKernel: Kernel {
    let axis: Int
    let coerceTo2D: Bool
    let logarithm: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "input")
        let rank = x.rank
        let axis: Int
        if coerceTo2D {
            axis = self.axis < 0 ? self.axis + rank : self.axis
            guard axis >= 0, axis <= rank else {
                throw ModelError(.execution, "axis \(self.axis) is out of range for rank \(rank)")
            }
        } else {
            axis = try normalizedAxis(self.axis, rank: rank)
        }
        let outer = elementCount(Array(x.shape[..<min(axis, rank)]))
        let size: Int, inner: Int
        if coerceTo2D || rank == 0 {
            size = outer == 0 ? 0 : x.count / outer
            inner = 1
        } else {
            size = x.shape[axis]
            inner = elementCount(Array(x.shape[(axis + 1)...]))
        }
        switch x.storage {
        case .float(let v):
            let useLog = logarithm
            return [.tensor(Tensor(shape: x.shape, floats: SoftmaxKernel.run(v, outer, size, inner,
                exp: { expf($0) }, finish: { e, sum in useLog ? e - logf(sum) : e / sum }, logarithm: useLog)))]
        case .double(let v):
            let useLog = logarithm
            return [.tensor(Tensor(shape: x.shape, doubles: SoftmaxKernel.run(v, outer, size, inner,
                exp: { exp($0) }, finish: { e, sum in useLog ? e - log(sum) : e / sum }, logarithm: useLog)))]
        default:
            throw ModelError(.execution, "Softmax needs float or double input, got \(x.elementType)")
        }
    }

    /// Per slice: subtract the max, exponentiate, sum in order, then divide
    /// (or, for the log variant, subtract the log of the sum from x - max).
    @inline(__always)
    static func run<T: BinaryFloatingPoint>(_ x: [T], _ outer: Int, _ size: Int, _ inner: Int,
                                           exp: (T) -> T, finish: (T, T) -> T, logarithm: Bool) -> [T] {
        let count = x.count
        return [T](unsafeUninitializedCapacity: count) { out, initialized in
            initialized = count
            guard count > 0, size > 0 else { return }
            let o = out.baseAddress!
            x.withUnsafeBufferPointer { px in
                for slice in 0..<(outer * inner) {
                    let base = (slice / inner) * size * inner + slice % inner
                    var maximum = -T.infinity
                    for j in 0..<size { let v = px[base + j * inner]; if v > maximum { maximum = v } }
                    var sum: T = 0
                    for j in 0..<size {
                        let shifted = px[base + j * inner] - maximum
                        let e = exp(shifted)
                        sum += e
                        (o + base + j * inner).initialize(to: logarithm ? shifted : e)
                    }
                    for j in 0..<size { o[base + j * inner] = finish(o[base + j * inner], sum) }
                }
            }
        }
    }
}

extension StandardOperators {
    static func softmax(_ opType: String, logarithm: Bool) -> [KernelRegistration] {
        register(opType, [1, 11, 13]) { node in
            let coerce = node.opsetVersion < 13
            return SoftmaxKernel(axis: Int(try StandardAttributes(node).int("axis", default: coerce ? 1 : -1)),
                                 coerceTo2D: coerce, logarithm: logarithm)
        }
    }

    static let softmaxRegistrations: [KernelRegistration] =
        softmax("Softmax", logarithm: false) + softmax("LogSoftmax", logarithm: true)
}
