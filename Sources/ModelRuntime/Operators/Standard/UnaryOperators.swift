#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One element-wise math function. Float math stays in Float (expf, tanhf, ...)
/// as onnxruntime computes it, so results match to the last bits where possible.
protocol UnaryOperator: Sendable {
    func float(_ x: Float) -> Float
    func double(_ x: Double) -> Double
    /// Whether int64/int32 inputs are accepted (then `int64`/`int32` are used).
    var acceptsIntegers: Bool { get }
    func int64(_ x: Int64) -> Int64
    func int32(_ x: Int32) -> Int32
}

extension UnaryOperator {
    var acceptsIntegers: Bool { false }
    func int64(_ x: Int64) -> Int64 { x }
    func int32(_ x: Int32) -> Int32 { x }
}

/// The kernel for any `UnaryOperator`.
///
/// Not generic on purpose: a generic struct called through `any Kernel` runs
/// its unspecialised code (with a witness call per element). The closure is
/// built inside the generic `StandardOperators.unary`, which the optimiser
/// specialises per operator, so each operator gets its own tight loops.
struct UnaryKernel: Kernel {
    let body: @Sendable (Tensor) throws -> Tensor

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        [.tensor(try body(try StandardArguments(inputs).tensor(0, "X")))]
    }

    @inline(__always)
    static func apply<Op: UnaryOperator>(_ op: Op, _ x: Tensor, name: String) throws -> Tensor {
        switch x.storage {
        case .float(let v): return mapElements(v, x.shape) { op.float($0) }
        case .double(let v): return mapElements(v, x.shape) { op.double($0) }
        case .int64(let v) where op.acceptsIntegers: return mapElements(v, x.shape) { op.int64($0) }
        case .int32(let v) where op.acceptsIntegers: return mapElements(v, x.shape) { op.int32($0) }
        default:
            throw ModelError(.execution, "\(name) does not accept \(x.elementType) input")
        }
    }
}

struct NegOperator: UnaryOperator {
    func float(_ x: Float) -> Float { -x }
    func double(_ x: Double) -> Double { -x }
    var acceptsIntegers: Bool { true }
    func int64(_ x: Int64) -> Int64 { 0 &- x }
    func int32(_ x: Int32) -> Int32 { 0 &- x }
}

struct AbsOperator: UnaryOperator {
    func float(_ x: Float) -> Float { Swift.abs(x) }
    func double(_ x: Double) -> Double { Swift.abs(x) }
    var acceptsIntegers: Bool { true }
    // Wrapping like C's llabs for the minimum value, never trapping.
    func int64(_ x: Int64) -> Int64 { x < 0 ? 0 &- x : x }
    func int32(_ x: Int32) -> Int32 { x < 0 ? 0 &- x : x }
}

struct SignOperator: UnaryOperator {
    func float(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : (x.isNaN ? x : 0)) }
    func double(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : (x.isNaN ? x : 0)) }
    var acceptsIntegers: Bool { true }
    func int64(_ x: Int64) -> Int64 { x > 0 ? 1 : (x < 0 ? -1 : 0) }
    func int32(_ x: Int32) -> Int32 { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

struct ReluOperator: UnaryOperator {
    // `x < 0 ? 0 : x` keeps NaN, as max(x, 0) does in onnxruntime.
    func float(_ x: Float) -> Float { x < 0 ? 0 : x }
    func double(_ x: Double) -> Double { x < 0 ? 0 : x }
    var acceptsIntegers: Bool { true }
    func int64(_ x: Int64) -> Int64 { x < 0 ? 0 : x }
    func int32(_ x: Int32) -> Int32 { x < 0 ? 0 : x }
}

struct LeakyReluOperator: UnaryOperator {
    let alpha: Float
    func float(_ x: Float) -> Float { x >= 0 ? x : alpha * x }
    func double(_ x: Double) -> Double { x >= 0 ? x : Double(alpha) * x }
}

struct ExpOperator: UnaryOperator {
    func float(_ x: Float) -> Float { expf(x) }
    func double(_ x: Double) -> Double { exp(x) }
}

struct LogOperator: UnaryOperator {
    func float(_ x: Float) -> Float { logf(x) }
    func double(_ x: Double) -> Double { log(x) }
}

struct SqrtOperator: UnaryOperator {
    func float(_ x: Float) -> Float { x.squareRoot() }
    func double(_ x: Double) -> Double { x.squareRoot() }
}

struct ReciprocalOperator: UnaryOperator {
    func float(_ x: Float) -> Float { 1 / x }
    func double(_ x: Double) -> Double { 1 / x }
}

struct SigmoidOperator: UnaryOperator {
    // Split by sign so exp never overflows into inf/inf.
    func float(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
    func double(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }
}

struct TanhOperator: UnaryOperator {
    func float(_ x: Float) -> Float { tanhf(x) }
    func double(_ x: Double) -> Double { tanh(x) }
}

struct ErfOperator: UnaryOperator {
    func float(_ x: Float) -> Float { erff(x) }
    func double(_ x: Double) -> Double { erf(x) }
}

struct FloorOperator: UnaryOperator {
    func float(_ x: Float) -> Float { x.rounded(.down) }
    func double(_ x: Double) -> Double { x.rounded(.down) }
}

struct CeilOperator: UnaryOperator {
    func float(_ x: Float) -> Float { x.rounded(.up) }
    func double(_ x: Double) -> Double { x.rounded(.up) }
}

struct RoundOperator: UnaryOperator {
    // ONNX Round: halves go to the even neighbour.
    func float(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }
    func double(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }
}

/// Not (bool -> bool) and IsNaN (float -> bool) change the element type, so
/// they have their own small kernels.
struct NotKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "X")
        guard case .bool(let v) = x.storage else {
            throw ModelError(.execution, "Not needs bool input, got \(x.elementType)")
        }
        return [.tensor(mapElements(v, x.shape) { !$0 })]
    }
}

struct IsNaNKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try StandardArguments(inputs).tensor(0, "X")
        switch x.storage {
        case .float(let v): return [.tensor(mapElements(v, x.shape) { $0.isNaN })]
        case .double(let v): return [.tensor(mapElements(v, x.shape) { $0.isNaN })]
        default: throw ModelError(.execution, "IsNaN needs float or double input, got \(x.elementType)")
        }
    }
}

extension StandardOperators {
    /// Registers `make` for each ONNX since-version of the operator.
    static func register(_ opType: String, _ versions: [Int],
                         _ make: @escaping @Sendable (NodeDescription) throws -> any Kernel) -> [KernelRegistration] {
        versions.map { KernelRegistration(domain: "", opType: opType, sinceVersion: $0, make: make) }
    }

    static func unary<Op: UnaryOperator>(_ opType: String, _ versions: [Int],
                                         _ op: @escaping @Sendable (StandardAttributes) throws -> Op) -> [KernelRegistration] {
        register(opType, versions) { node in
            let prepared = try op(StandardAttributes(node))
            return UnaryKernel { x in try UnaryKernel.apply(prepared, x, name: opType) }
        }
    }

    static let unaryRegistrations: [KernelRegistration] =
        unary("Neg", [1, 6, 13]) { _ in NegOperator() }
        + unary("Abs", [1, 6, 13]) { _ in AbsOperator() }
        + unary("Sign", [9, 13]) { _ in SignOperator() }
        + unary("Relu", [1, 6, 13, 14]) { _ in ReluOperator() }
        + unary("LeakyRelu", [1, 6, 16]) { LeakyReluOperator(alpha: try $0.float("alpha", default: 0.01)) }
        + unary("Exp", [1, 6, 13]) { _ in ExpOperator() }
        + unary("Log", [1, 6, 13]) { _ in LogOperator() }
        + unary("Sqrt", [1, 6, 13]) { _ in SqrtOperator() }
        + unary("Reciprocal", [1, 6, 13]) { _ in ReciprocalOperator() }
        + unary("Sigmoid", [1, 6, 13]) { _ in SigmoidOperator() }
        + unary("Tanh", [1, 6, 13]) { _ in TanhOperator() }
        + unary("Erf", [9, 13]) { _ in ErfOperator() }
        + unary("Floor", [1, 6, 13]) { _ in FloorOperator() }
        + unary("Ceil", [1, 6, 13]) { _ in CeilOperator() }
        + unary("Round", [11, 22]) { _ in RoundOperator() }
        + register("Not", [1]) { _ in NotKernel() }
        + register("IsNaN", [9, 13, 20]) { _ in IsNaNKernel() }
}
