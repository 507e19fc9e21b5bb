/// One dimension of a declared input or output shape.
public enum Dimension: Sendable, Equatable, CustomStringConvertible {
    /// A fixed size.
    case fixed(Int)
    /// A named free dimension (ONNX `dim_param`, e.g. the batch size `N`),
    /// or an unnamed unknown one (name "").
    case symbolic(String)

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let s): return s.isEmpty ? "?" : s
        }
    }
}

/// The declared type of a graph input or output.
public enum ValueType: Sendable, Equatable {
    /// A tensor; `shape` is nil when the model declares no shape.
    case tensor(ElementType, shape: [Dimension]?)
    /// A ZipMap-style `seq(map(key, value))`.
    case sequenceOfMaps(key: ElementType, value: ElementType)
}

/// A named, typed graph input or output.
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}
