import ModelRuntime

/// KServe V2's (and Triton's) names and shapes for what swerve serves: one
/// mapping for the REST and the gRPC fronts.
public enum KServeV2 {
    /// The datatypes swerve takes, for messages that list them.
    public static let supportedDataTypes = "FP32, FP64, INT64, INT32, BOOL or BYTES"

    /// `FP32`, `INT64`, `BYTES`, … for `type`.
    public static func dataTypeName(_ type: ElementType) -> String {
        switch type {
        case .float: return "FP32"
        case .double: return "FP64"
        case .int64: return "INT64"
        case .int32: return "INT32"
        case .bool: return "BOOL"
        case .string: return "BYTES"
        }
    }

    /// The element type a V2 datatype name stands for; nil for one swerve
    /// does not take (FP16, UINT8, …).
    public static func elementType(named name: String) -> ElementType? {
        switch name {
        case "FP32": return .float
        case "FP64": return .double
        case "INT64": return .int64
        case "INT32": return .int32
        case "BOOL": return .bool
        case "BYTES": return .string
        default: return nil
        }
    }

    /// The tensors infer answers for `infos`, in order: a ZipMap output `X`
    /// is its two tensors, `X` (FP32 [-1, classes]) and `X:labels` (the label
    /// type, [classes]).
    public static func forEachTensor(_ infos: [TensorInfo], _ body: (_ name: String, _ type: DataType, _ shape: [Int64]) -> Void) {
        for info in infos {
            if info.kind == .zipMap {
                body(info.name, info.dtype, info.shape.count == 2 ? info.shape : [-1, -1])
                body(info.name + NamedTensor.labelsSuffix, info.labelDtype, [info.shape.count == 2 ? info.shape[1] : -1])
            } else {
                body(info.name, info.dtype, info.shape)
            }
        }
    }

    /// Triton's name for a version's state in a repository index.
    public static func tritonState(_ state: ModelVersionStatus.State) -> String {
        switch state {
        case .available: return "READY"
        case .start, .loading: return "LOADING"
        case .unloading: return "UNLOADING"
        case .unknown, .end, .failed: return "UNAVAILABLE"
        }
    }
}
