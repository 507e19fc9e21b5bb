/// Typed access to a kernel's inputs, with errors a person can act on.
/// (A struct wrapper, so `compute` reads `args.tensor(0)` without allocating.)
struct StandardArguments {
    let values: KernelInputs

    init(_ values: KernelInputs) { self.values = values }

    var count: Int { values.count }

    /// Input `index`, which the operator requires.
    func tensor(_ index: Int, _ name: String) throws -> Tensor {
        guard index < values.count, let value = values[index] else {
            throw ModelError(.execution, "required input \(index) ('\(name)') is missing")
        }
        guard case .tensor(let tensor) = value else {
            throw ModelError(.execution, "input \(index) ('\(name)') is a sequence of maps, not a tensor")
        }
        return tensor
    }

    /// Input `index`, or nil when the node omits it (optional inputs).
    func optionalTensor(_ index: Int, _ name: String) throws -> Tensor? {
        guard index < values.count, values[index] != nil else { return nil }
        return try tensor(index, name)
    }

    /// An integer input holding a list (e.g. axes, shape) as `[Int]`.
    func integers(_ index: Int, _ name: String) throws -> [Int]? {
        guard let tensor = try optionalTensor(index, name) else { return nil }
        switch tensor.storage {
        case .int64(let v): return v.map { Int(truncatingIfNeeded: $0) }
        case .int32(let v): return v.map { Int($0) }
        default:
            throw ModelError(.execution, "input '\(name)' must be int64, got \(tensor.elementType)")
        }
    }
}

/// Reads a node's attributes at kernel-preparation time; wrong kinds and bad
/// values throw `.invalidModel`, values the kernel lacks throw `.unsupported`.
struct StandardAttributes {
    let node: NodeDescription

    init(_ node: NodeDescription) { self.node = node }

    func int(_ name: String, default value: Int64? = nil) throws -> Int64 {
        switch node.attributes[name] {
        case .int(let v)?: return v
        case nil:
            guard let value else { throw ModelError(.invalidModel, "attribute '\(name)' is required") }
            return value
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be an int")
        }
    }

    func optionalInt(_ name: String) throws -> Int64? {
        node.attributes[name] == nil ? nil : try int(name)
    }

    func float(_ name: String, default value: Float? = nil) throws -> Float {
        switch node.attributes[name] {
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        case nil:
            guard let value else { throw ModelError(.invalidModel, "attribute '\(name)' is required") }
            return value
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be a float")
        }
    }

    func optionalFloat(_ name: String) throws -> Float? {
        node.attributes[name] == nil ? nil : try float(name)
    }

    func string(_ name: String, default value: String? = nil) throws -> String {
        switch node.attributes[name] {
        case .string(let v)?: return v
        case nil:
            guard let value else { throw ModelError(.invalidModel, "attribute '\(name)' is required") }
            return value
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be a string")
        }
    }

    func ints(_ name: String) throws -> [Int]? {
        switch node.attributes[name] {
        case .ints(let v)?: return v.map { Int(truncatingIfNeeded: $0) }
        case .int(let v)?: return [Int(truncatingIfNeeded: v)]
        case nil: return nil
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be a list of ints")
        }
    }

    func floats(_ name: String) throws -> [Float]? {
        switch node.attributes[name] {
        case .floats(let v)?: return v
        case nil: return nil
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be a list of floats")
        }
    }

    func strings(_ name: String) throws -> [String]? {
        switch node.attributes[name] {
        case .strings(let v)?: return v
        case nil: return nil
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be a list of strings")
        }
    }

    func tensor(_ name: String) throws -> Tensor? {
        switch node.attributes[name] {
        case .tensor(let v)?: return v
        case nil: return nil
        default: throw ModelError(.invalidModel, "attribute '\(name)' must be a tensor")
        }
    }

    /// An element-type attribute (Cast's `to`), limited to the types swerve has.
    func elementType(_ name: String) throws -> ElementType {
        let raw = try int(name)
        guard let type = ElementType(rawValue: Int32(truncatingIfNeeded: raw)), Int64(type.rawValue) == raw else {
            throw ModelError(.unsupported, "attribute '\(name)' names element type \(onnxTypeName(Int32(truncatingIfNeeded: raw))), which swerve does not support")
        }
        return type
    }
}

/// Resolves a possibly negative axis against `rank` (ONNX: -rank ... rank-1).
@inline(__always)
func normalizedAxis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else {
        throw ModelError(.execution, "\(what) \(axis) is out of range for rank \(rank)")
    }
    return resolved
}

/// Product of `shape`, as an element count.
@inline(__always)
func elementCount(_ shape: [Int]) -> Int {
    var count = 1
    for d in shape { count &*= d }
    return count
}

/// Element count of a shape that came from tensor data (Reshape, Expand, ...):
/// overflow or an absurd size is an execution error, not a trap or a huge allocation.
func checkedElementCount(_ shape: [Int]) throws -> Int {
    var count = 1
    for d in shape {
        guard d >= 0 else { throw ModelError(.execution, "shape \(describe(shape)) has a negative dimension") }
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow, product <= 1 << 34 else {
            throw ModelError(.execution, "shape \(describe(shape)) is too large")
        }
        count = product
    }
    return count
}

/// Row-major strides of `shape`.
func strides(of shape: [Int]) -> [Int] {
    var result = [Int](repeating: 1, count: shape.count)
    var running = 1
    for d in (0..<shape.count).reversed() {
        result[d] = running
        running *= shape[d]
    }
    return result
}
