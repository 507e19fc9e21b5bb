import ModelRuntime

/// A tensor with the name of the input or output it belongs to.
public struct NamedTensor: Sendable {
    public var name: String
    public var tensor: Tensor

    public init(_ name: String, _ tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// How a message's tensor values travel: in the typed repeated field for
/// their dtype (`float_val`, `int64_val`, …) or as little-endian `raw` bytes.
///
/// Typed lists are what TF-Serving-style clients read, and for float and
/// double protobuf-c packs them with one memcpy, so they cost the same as raw.
/// Raw saves the per-element varint work for int32/int64/bool and lets a
/// client skip parsing entirely; string tensors always travel typed.
public enum TensorEncoding: Sendable, Equatable {
    case typed
    case raw
}

/// Runs one model on one batch of inputs.
public struct PredictRequest: Sendable {
    public var modelSpec: ModelSpec
    /// Inputs in the order they arrived. On the wire this is a map, so names
    /// should be unique; when one repeats, the last one wins.
    public var inputs: [NamedTensor]
    /// Names of outputs to return; empty means all.
    public var outputFilter: [String]
    /// How the inputs travel when this request is encoded; after decoding,
    /// `.raw` if any input arrived raw. The server answers in the same encoding.
    public var tensorEncoding: TensorEncoding

    public init(modelSpec: ModelSpec, inputs: [NamedTensor], outputFilter: [String] = [],
                tensorEncoding: TensorEncoding = .typed) {
        self.modelSpec = modelSpec
        self.inputs = inputs
        self.outputFilter = outputFilter
        self.tensorEncoding = tensorEncoding
    }

    /// The last input with this name, if any.
    public func input(named name: String) -> Tensor? {
        inputs.last(where: { $0.name == name })?.tensor
    }
}

/// A model's outputs for one `PredictRequest`.
public struct PredictResponse: Sendable {
    /// The model and the version that actually served the call.
    public var modelSpec: ModelSpec
    /// Outputs in the model's output order. A ZipMap output `X` appears as a
    /// float tensor `X` [rows, classes] followed by `X:labels` [classes].
    public var outputs: [NamedTensor]
    /// How the outputs travel when this response is encoded (after decoding:
    /// `.raw` if any output arrived raw).
    public var tensorEncoding: TensorEncoding

    public init(modelSpec: ModelSpec, outputs: [NamedTensor], tensorEncoding: TensorEncoding = .typed) {
        self.modelSpec = modelSpec
        self.outputs = outputs
        self.tensorEncoding = tensorEncoding
    }

    /// The output with this name, if any.
    public func output(named name: String) -> Tensor? {
        outputs.last(where: { $0.name == name })?.tensor
    }
}

extension NamedTensor {
    /// The suffix that names a ZipMap output's label tensor: output `X`
    /// travels as `X` (probabilities) plus `X:labels`.
    public static let labelsSuffix = Value.labelsSuffix
}
