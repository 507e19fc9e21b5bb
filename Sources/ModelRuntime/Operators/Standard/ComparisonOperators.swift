/// Equal, Less, Greater, LessOrEqual, GreaterOrEqual: broadcast, bool result.
struct ComparisonKernel: Kernel {
    enum Operation: Sendable { case equal, less, greater, lessOrEqual, greaterOrEqual }
    let operation: Operation
    let name: String

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let a = try args.tensor(0, "A"), b = try args.tensor(1, "B")
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): return [.tensor(try run(x, a.shape, y, b.shape))]
        case (.double(let x), .double(let y)): return [.tensor(try run(x, a.shape, y, b.shape))]
        case (.int64(let x), .int64(let y)): return [.tensor(try run(x, a.shape, y, b.shape))]
        case (.int32(let x), .int32(let y)): return [.tensor(try run(x, a.shape, y, b.shape))]
        case (.string(let x), .string(let y)) where operation == .equal:
            return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { $0 == $1 })]
        case (.bool(let x), .bool(let y)) where operation == .equal:
            return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { $0 == $1 })]
        default:
            throw ModelError(.execution, "\(name) cannot compare \(a.elementType) with \(b.elementType)")
        }
    }

    @inline(__always)
    private func run<T: Comparable>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int]) throws -> Tensor {
        switch operation {
        case .equal: return try broadcastBinary(x, xs, y, ys) { $0 == $1 }
        case .less: return try broadcastBinary(x, xs, y, ys) { $0 < $1 }
        case .greater: return try broadcastBinary(x, xs, y, ys) { $0 > $1 }
        case .lessOrEqual: return try broadcastBinary(x, xs, y, ys) { $0 <= $1 }
        case .greaterOrEqual: return try broadcastBinary(x, xs, y, ys) { $0 >= $1 }
        }
    }
}

/// And, Or, Xor on bool tensors, broadcast.
struct LogicalKernel: Kernel {
    enum Operation: Sendable { case and, or, xor }
    let operation: Operation

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let a = try args.tensor(0, "A"), b = try args.tensor(1, "B")
        guard case .bool(let x) = a.storage, case .bool(let y) = b.storage else {
            throw ModelError(.execution, "logical operators need bool inputs, got \(a.elementType) and \(b.elementType)")
        }
        switch operation {
        case .and: return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { $0 && $1 })]
        case .or: return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { $0 || $1 })]
        case .xor: return [.tensor(try broadcastBinary(x, a.shape, y, b.shape) { $0 != $1 })]
        }
    }
}

/// Where(condition, X, Y): X where true, else Y; all three broadcast together.
struct WhereKernel: Kernel {
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let c = try args.tensor(0, "condition"), x = try args.tensor(1, "X"), y = try args.tensor(2, "Y")
        guard case .bool(let condition) = c.storage else {
            throw ModelError(.execution, "Where needs a bool condition, got \(c.elementType)")
        }
        guard x.elementType == y.elementType else {
            throw ModelError(.execution, "Where needs X and Y of one type, got \(x.elementType) and \(y.elementType)")
        }
        let shape = try broadcastShape(broadcastShape(c.shape, x.shape), y.shape)
        let ci = broadcastIndices(c.shape, to: shape)
        let xi = broadcastIndices(x.shape, to: shape)
        let yi = broadcastIndices(y.shape, to: shape)
        // Pick, per output element, an index into the concatenation X ++ Y.
        let picks = (0..<ci.count).map { condition[ci[$0]] ? xi[$0] : x.count + yi[$0] }
        let joined = try concatenatedStorage([x.storage, y.storage])
        return [.tensor(Tensor(shape: shape, storage: joined.gathered(picks)))]
    }
}

extension StandardOperators {
    static let comparisonRegistrations: [KernelRegistration] =
        register("Equal", [1, 7, 11, 13, 19]) { _ in ComparisonKernel(operation: .equal, name: "Equal") }
        + register("Less", [1, 7, 9, 13]) { _ in ComparisonKernel(operation: .less, name: "Less") }
        + register("Greater", [1, 7, 9, 13]) { _ in ComparisonKernel(operation: .greater, name: "Greater") }
        + register("LessOrEqual", [12, 16]) { _ in ComparisonKernel(operation: .lessOrEqual, name: "LessOrEqual") }
        + register("GreaterOrEqual", [12, 16]) { _ in ComparisonKernel(operation: .greaterOrEqual, name: "GreaterOrEqual") }
        + register("And", [1, 7]) { _ in LogicalKernel(operation: .and) }
        + register("Or", [1, 7]) { _ in LogicalKernel(operation: .or) }
        + register("Xor", [1, 7]) { _ in LogicalKernel(operation: .xor) }
        + register("Where", [9, 16]) { _ in WhereKernel() }
}
