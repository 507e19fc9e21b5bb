/// Element types a tensor can hold, numbered as ONNX's `TensorProto.DataType`.
public enum ElementType: Int32, Sendable, CustomStringConvertible {
    case float = 1
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case double = 11

    public var description: String {
        switch self {
        case .float: return "float"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .double: return "double"
        }
    }
}

/// The values of a tensor, in row-major order, one case per element type.
public enum TensorStorage: Sendable {
    case float([Float])
    case double([Double])
    case int64([Int64])
    case int32([Int32])
    case bool([Bool])
    case string([String])

    public var elementType: ElementType {
        switch self {
        case .float: return .float
        case .double: return .double
        case .int64: return .int64
        case .int32: return .int32
        case .bool: return .bool
        case .string: return .string
        }
    }

    public var count: Int {
        switch self {
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .int64(let v): return v.count
        case .int32(let v): return v.count
        case .bool(let v): return v.count
        case .string(let v): return v.count
        }
    }
}

/// A dense, row-major tensor. A value type: copies share storage until written.
public struct Tensor: Sendable {
    /// Dimensions; `[]` is a scalar holding one element.
    public var shape: [Int]
    public var storage: TensorStorage

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) == storage.count,
                     "shape \(shape) does not hold \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, storage: .float(floats)) }
    public init(shape: [Int], doubles: [Double]) { self.init(shape: shape, storage: .double(doubles)) }
    public init(shape: [Int], int64s: [Int64]) { self.init(shape: shape, storage: .int64(int64s)) }
    public init(shape: [Int], int32s: [Int32]) { self.init(shape: shape, storage: .int32(int32s)) }
    public init(shape: [Int], bools: [Bool]) { self.init(shape: shape, storage: .bool(bools)) }
    public init(shape: [Int], strings: [String]) { self.init(shape: shape, storage: .string(strings)) }

    public var elementType: ElementType { storage.elementType }
    public var count: Int { storage.count }
    public var rank: Int { shape.count }
}

/// A value flowing along a graph edge: a tensor, or the sequence of maps that
/// ONNX-ML's ZipMap produces (`seq(map(label, float))`).
public enum Value: Sendable {
    case tensor(Tensor)
    /// ZipMap output kept columnar: `probabilities` is a float tensor
    /// `[rows, labels.count]`; `labels` is a 1-D int64 or string tensor naming
    /// each column. Row `r` is the map `{labels[c]: probabilities[r, c]}`.
    case zipMap(labels: Tensor, probabilities: Tensor)

    /// Where outputs are flattened to tensors, a ZipMap output `X` travels as
    /// `X` (the probabilities) and `X` + `labelsSuffix` (the labels).
    public static let labelsSuffix = ":labels"

    /// The tensor, or nil for a ZipMap value.
    public var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }
}
