/// A node attribute, decoded from ONNX's `AttributeProto` at load time.
public enum Attribute: Sendable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(Tensor)
    case floats([Float])
    case ints([Int64])
    case strings([String])
}

/// Everything a kernel factory may look at when a node is prepared at load time.
public struct NodeDescription: Sendable {
    public var name: String
    public var opType: String
    /// "" for the default ONNX domain, "ai.onnx.ml" for the ML operators.
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]
    /// The opset version the model imports for `domain`.
    public var opsetVersion: Int

    public init(name: String, opType: String, domain: String, inputs: [String], outputs: [String],
                attributes: [String: Attribute], opsetVersion: Int) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.opsetVersion = opsetVersion
    }
}

/// An operator prepared for one node: attributes parsed and validated once at
/// load time, then `compute` runs on every call.
///
/// Thread-safety: a loaded model runs from several threads at once, so a
/// kernel must not mutate itself in `compute`; per-call buffers are locals.
public protocol Kernel: Sendable {
    /// Runs the operator. `inputs[i]` is nil for an omitted optional input
    /// (an empty name in the node). Returns one value per node output.
    func compute(_ inputs: KernelInputs) throws -> KernelOutputs
}

extension Kernel {
    /// Runs the kernel on inputs held in an array: for tests, and for a
    /// kernel that runs another one.
    public func compute(values inputs: [Value?]) throws -> KernelOutputs {
        try inputs.withUnsafeBufferPointer { try compute(KernelInputs($0)) }
    }
}

/// A kernel's inputs, one per node input (nil for an omitted optional one).
///
/// A view of the run's argument buffer, which lives on the stack of the
/// run: valid only during `compute`; copy out the values to keep.
public struct KernelInputs: RandomAccessCollection {
    private let base: UnsafeBufferPointer<Value?>

    /// A view of `base`, which must outlive every use of the view.
    public init(_ base: UnsafeBufferPointer<Value?>) {
        self.base = base
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { base.count }
    public subscript(position: Int) -> Value? { base[position] }
}

/// The values a kernel returns, one per node output, in output order.
///
/// Almost every node has one or two outputs; those are held inline, so a
/// kernel's `return [value]` builds no array on the heap (the literal's
/// buffer does not escape the inlined initialiser, and the optimiser keeps
/// it on the stack). Three or more values are kept in an array.
public struct KernelOutputs: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable {
    private var first: Value?
    private var second: Value?
    private var more: [Value]
    public let count: Int

    @inline(__always)
    public init(arrayLiteral values: Value...) {
        self.init(values)
    }

    /// The given values, in output order.
    @inline(__always)
    public init(_ values: [Value]) {
        count = values.count
        if count <= 2 {
            first = count > 0 ? values[0] : nil
            second = count > 1 ? values[1] : nil
            more = []
        } else {
            first = nil
            second = nil
            // Copied element by element, not adopted: keeping `values`' buffer
            // would let the literal escape and cost every return a heap array.
            more = values.map { $0 }
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Value {
        precondition(position >= 0 && position < count, "output \(position) of \(count)")
        if count > 2 { return more[position] }
        return position == 0 ? first.unsafelyUnwrapped : second.unsafelyUnwrapped
    }

    /// Moves value `position` out, leaving the caller the only owner (no
    /// retain/release pair); reading it again afterwards traps.
    @inline(__always)
    mutating func take(_ position: Int) -> Value {
        if count > 2 { return more[position] }
        if position == 0 { return first.take()! }
        return second.take()!
    }
}

/// How a kernel is found: by (domain, op type), valid from `sinceVersion` of
/// that domain's opset on, until the next registration for the same op.
public struct KernelRegistration: Sendable {
    public var domain: String
    public var opType: String
    public var sinceVersion: Int
    /// Builds the kernel for a node; throws `ModelError.unsupported` for an
    /// attribute value or type the kernel does not handle.
    public var make: @Sendable (NodeDescription) throws -> any Kernel

    public init(domain: String, opType: String, sinceVersion: Int,
                make: @escaping @Sendable (NodeDescription) throws -> any Kernel) {
        self.domain = domain
        self.opType = opType
        self.sinceVersion = sinceVersion
        self.make = make
    }
}

/// Errors from loading or running a model. `message` is written for a person:
/// it names the node, input or file concerned, what was expected and what was found.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The file is not a well-formed ONNX model (truncated, corrupt, inconsistent).
        case invalidModel
        /// Well-formed, but uses operators, attribute values or types the runtime lacks.
        case unsupported
        /// The caller's inputs do not match the model (name, element type, shape).
        case invalidInput
        /// A kernel failed on the given values (e.g. an index out of range).
        case execution
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
