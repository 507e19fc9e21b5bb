import ModelRuntime

/// A tensor's element type as the wire numbers it: TensorFlow's `DataType`
/// numbers, so TF-Serving users read them at a glance.
public enum DataType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// `DT_INVALID`: unset.
    case invalid = 0
    /// `DT_FLOAT`
    case float = 1
    /// `DT_DOUBLE`
    case double = 2
    /// `DT_INT32`
    case int32 = 3
    /// `DT_STRING`: UTF-8 text (bytes on the wire).
    case string = 7
    /// `DT_INT64`
    case int64 = 9
    /// `DT_BOOL`
    case bool = 10

    /// The wire type of a runtime element type.
    public init(_ elementType: ElementType) {
        switch elementType {
        case .float: self = .float
        case .double: self = .double
        case .int32: self = .int32
        case .int64: self = .int64
        case .string: self = .string
        case .bool: self = .bool
        }
    }

    /// The runtime element type, or nil for `DT_INVALID`.
    public var elementType: ElementType? {
        switch self {
        case .invalid: return nil
        case .float: return .float
        case .double: return .double
        case .int32: return .int32
        case .int64: return .int64
        case .string: return .string
        case .bool: return .bool
        }
    }

    /// Bytes per element in a tensor's little-endian `raw` field; nil for
    /// strings, which have no fixed width and must use `string_val`.
    public var rawElementSize: Int? {
        switch self {
        case .invalid, .string: return nil
        case .float, .int32: return 4
        case .double, .int64: return 8
        case .bool: return 1
        }
    }

    /// The proto name, e.g. `DT_FLOAT`.
    public var protoName: String {
        switch self {
        case .invalid: return "DT_INVALID"
        case .float: return "DT_FLOAT"
        case .double: return "DT_DOUBLE"
        case .int32: return "DT_INT32"
        case .string: return "DT_STRING"
        case .int64: return "DT_INT64"
        case .bool: return "DT_BOOL"
        }
    }

    public var description: String { protoName }
}
