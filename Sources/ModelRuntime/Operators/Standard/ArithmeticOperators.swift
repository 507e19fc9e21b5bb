#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element types Add/Sub/Mul/Div accept. Integer arithmetic wraps (as C++
/// does in onnxruntime) instead of trapping; division by zero is caught
/// before the loop.
protocol ArithmeticElement: TensorElement, Numeric, Comparable {
    static func plus(_ a: Self, _ b: Self) -> Self
    static func minus(_ a: Self, _ b: Self) -> Self
    static func times(_ a: Self, _ b: Self) -> Self
    static func over(_ a: Self, _ b: Self) -> Self
    /// `c + a * b` as MatMul/Gemm accumulate it (see Float's version).
    static func multiplyAdd(_ c: Self, _ a: Self, _ b: Self) -> Self
    static var isInteger: Bool { get }
}

extension Float: ArithmeticElement {
    @inline(__always) static func plus(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func minus(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func times(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func over(_ a: Float, _ b: Float) -> Float { a / b }
    // onnxruntime's SGEMM accumulates with fused multiply-add (one rounding
    // per step). The product of two floats is exact in Double, so adding in
    // Double and rounding once gives the fused result (barring a rare double
    // rounding), vectorises, and needs no FMA instruction.
    @inline(__always) static func multiplyAdd(_ c: Float, _ a: Float, _ b: Float) -> Float {
        Float(Double(c) + Double(a) * Double(b))
    }
    static var isInteger: Bool { false }
}

extension Double: ArithmeticElement {
    @inline(__always) static func plus(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func minus(_ a: Double, _ b: Double) -> Double { a - b }
    @inline(__always) static func times(_ a: Double, _ b: Double) -> Double { a * b }
    @inline(__always) static func over(_ a: Double, _ b: Double) -> Double { a / b }
    @inline(__always) static func multiplyAdd(_ c: Double, _ a: Double, _ b: Double) -> Double { c + a * b }
    static var isInteger: Bool { false }
}

extension Int64: ArithmeticElement {
    @inline(__always) static func plus(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) static func minus(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
    @inline(__always) static func times(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
    @inline(__always) static func over(_ a: Int64, _ b: Int64) -> Int64 {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    @inline(__always) static func multiplyAdd(_ c: Int64, _ a: Int64, _ b: Int64) -> Int64 { c &+ a &* b }
    static var isInteger: Bool { true }
}

extension Int32: ArithmeticElement {
    @inline(__always) static func plus(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
    @inline(__always) static func minus(_ a: Int32, _ b: Int32) -> Int32 { a &- b }
    @inline(__always) static func times(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
    @inline(__always) static func over(_ a: Int32, _ b: Int32) -> Int32 {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    @inline(__always) static func multiplyAdd(_ c: Int32, _ a: Int32, _ b: Int32) -> Int32 { c &+ a &* b }
    static var isInteger: Bool { true }
}

/// Add, Sub, Mul, Div with numpy broadcasting.
struct ArithmeticKernel: Kernel {
    enum Operation: Sendable { case add, sub, mul, div }
    let operation: Operation
    let name: String

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let a = try args.tensor(0, "A"), b = try args.tensor(1, "B")
        return [.tensor(try apply(a, b))]
    }

    func apply(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): return try run(x, a.shape, y, b.shape)
        case (.double(let x), .double(let y)): return try run(x, a.shape, y, b.shape)
        case (.int64(let x), .int64(let y)): return try run(x, a.shape, y, b.shape)
        case (.int32(let x), .int32(let y)): return try run(x, a.shape, y, b.shape)
        default:
            throw ModelError(.execution, "\(name) needs two inputs of the same numeric type, got \(a.elementType) and \(b.elementType)")
        }
    }

    @inline(__always)
    private func run<T: ArithmeticElement>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int]) throws -> Tensor {
        switch operation {
        case .add: return try broadcastBinary(x, xs, y, ys, T.plus)
        case .sub: return try broadcastBinary(x, xs, y, ys, T.minus)
        case .mul: return try broadcastBinary(x, xs, y, ys, T.times)
        case .div:
            if T.isInteger, y.contains(0) {
                throw ModelError(.execution, "integer division by zero")
            }
            return try broadcastBinary(x, xs, y, ys, T.over)
        }
    }
}

/// Pow: floating base; the exponent may be any numeric type (opset 12+).
struct PowKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "X"), y = try args.tensor(1, "Y")
        switch x.storage {
        case .float(let base):
            let exponent: [Float]
            switch y.storage {
            case .float(let v): exponent = v
            case .double(let v): exponent = v.map { Float($0) }
            case .int64(let v): exponent = v.map { Float($0) }
            case .int32(let v): exponent = v.map { Float($0) }
            default: throw ModelError(.execution, "Pow exponent must be numeric, got \(y.elementType)")
            }
            return [.tensor(try broadcastBinary(base, x.shape, exponent, y.shape) { a, b in
                b == 2 ? a * a : (b == 1 ? a : powf(a, b))
            })]
        case .double(let base):
            let exponent: [Double]
            switch y.storage {
            case .float(let v): exponent = v.map { Double($0) }
            case .double(let v): exponent = v
            case .int64(let v): exponent = v.map { Double($0) }
            case .int32(let v): exponent = v.map { Double($0) }
            default: throw ModelError(.execution, "Pow exponent must be numeric, got \(y.elementType)")
            }
            return [.tensor(try broadcastBinary(base, x.shape, exponent, y.shape) { a, b in
                b == 2 ? a * a : (b == 1 ? a : pow(a, b))
            })]
        default:
            throw ModelError(.execution, "Pow supports float and double bases, got \(x.elementType)")
        }
    }
}

/// Mod: integer remainder with the divisor's sign (fmod = 0) or C fmod (fmod = 1).
struct ModKernel: Kernel {
    let fmodMode: Bool

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let a = try args.tensor(0, "A"), b = try args.tensor(1, "B")
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)):
            return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { fmodf($0, $1) })]
        case (.double(let x), .double(let y)):
            return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { fmod($0, $1) })]
        case (.int64(let x), .int64(let y)):
            if y.contains(0) { throw ModelError(.execution, "integer modulo by zero") }
            let fmodMode = self.fmodMode
            return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { p, q in
                let r = p.remainderReportingOverflow(dividingBy: q).partialValue
                return (fmodMode || r == 0 || (r < 0) == (q < 0)) ? r : r &+ q
            })]
        case (.int32(let x), .int32(let y)):
            if y.contains(0) { throw ModelError(.execution, "integer modulo by zero") }
            let fmodMode = self.fmodMode
            return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { p, q in
                let r = p.remainderReportingOverflow(dividingBy: q).partialValue
                return (fmodMode || r == 0 || (r < 0) == (q < 0)) ? r : r &+ q
            })]
        default:
            throw ModelError(.execution, "Mod needs two inputs of the same numeric type, got \(a.elementType) and \(b.elementType)")
        }
    }
}

/// Sum, Mean, Min, Max over any number of inputs, broadcast together.
struct VariadicKernel: Kernel {
    enum Operation: Sendable { case sum, mean, min, max }
    let operation: Operation
    let name: String

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        guard args.count > 0 else { throw ModelError(.execution, "\(name) needs at least one input") }
        var result = try args.tensor(0, "data_0")
        for index in 1..<args.count {
            result = try combine(result, try args.tensor(index, "data_\(index)"))
        }
        if operation == .mean && args.count > 1 {
            let n = args.count
            switch result.storage {
            case .float(let v): result = mapElements(v, result.shape) { $0 / Float(n) }
            case .double(let v): result = mapElements(v, result.shape) { $0 / Double(n) }
            default: throw ModelError(.execution, "Mean needs float or double inputs")
            }
        }
        return [.tensor(result)]
    }

    private func combine(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): return try run(x, a.shape, y, b.shape)
        case (.double(let x), .double(let y)): return try run(x, a.shape, y, b.shape)
        case (.int64(let x), .int64(let y)): return try run(x, a.shape, y, b.shape)
        case (.int32(let x), .int32(let y)): return try run(x, a.shape, y, b.shape)
        default:
            throw ModelError(.execution, "\(name) needs inputs of one numeric type, got \(a.elementType) and \(b.elementType)")
        }
    }

    @inline(__always)
    private func run<T: ArithmeticElement>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int]) throws -> Tensor {
        switch operation {
        case .sum, .mean: return try broadcastBinary(x, xs, y, ys, T.plus)
        // NaN propagates, as in onnxruntime's Min/Max (opset 12+).
        case .min: return try broadcastBinary(x, xs, y, ys) { a, b in (a != a || a < b) ? a : b }
        case .max: return try broadcastBinary(x, xs, y, ys) { a, b in (a != a || a > b) ? a : b }
        }
    }
}

extension StandardOperators {
    static let arithmeticRegistrations: [KernelRegistration] =
        register("Add", [1, 6, 7, 13, 14]) { _ in ArithmeticKernel(operation: .add, name: "Add") }
        + register("Sub", [1, 6, 7, 13, 14]) { _ in ArithmeticKernel(operation: .sub, name: "Sub") }
        + register("Mul", [1, 6, 7, 13, 14]) { _ in ArithmeticKernel(operation: .mul, name: "Mul") }
        + register("Div", [1, 6, 7, 13, 14]) { _ in ArithmeticKernel(operation: .div, name: "Div") }
        + register("Pow", [1, 7, 12, 13, 15]) { _ in PowKernel() }
        + register("Mod", [10, 13]) { node in
            ModKernel(fmodMode: try StandardAttributes(node).int("fmod", default: 0) != 0)
        }
        + register("Sum", [1, 6, 8, 13]) { _ in VariadicKernel(operation: .sum, name: "Sum") }
        + register("Mean", [1, 6, 8, 13]) { _ in VariadicKernel(operation: .mean, name: "Mean") }
        + register("Min", [1, 6, 8, 12, 13]) { _ in VariadicKernel(operation: .min, name: "Min") }
        + register("Max", [1, 6, 8, 12, 13]) { _ in VariadicKernel(operation: .max, name: "Max") }
}
