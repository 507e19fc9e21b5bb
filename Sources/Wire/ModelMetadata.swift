/// The declared name, type and shape of a model input or output.
public struct TensorInfo: Sendable, Equatable {
    /// How an output travels in a PredictResponse.
    public enum Kind: String, Sendable, CaseIterable {
        /// One tensor named like the output.
        case tensor
        /// A ZipMap output `X`: float tensor `X` [rows, classes] plus `X:labels`.
        case zipMap = "zipmap"
    }

    public var name: String
    /// The element type; for a ZipMap, that of the probabilities (float).
    public var dtype: DataType
    /// Dimensions; -1 marks a dimension of any size (usually the batch).
    public var shape: [Int64]
    public var kind: Kind
    /// For a ZipMap: the dtype of `X:labels` (int64 or string); `.invalid` otherwise.
    public var labelDtype: DataType

    public init(name: String, dtype: DataType, shape: [Int64], kind: Kind = .tensor, labelDtype: DataType = .invalid) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.kind = kind
        self.labelDtype = labelDtype
    }
}

/// Asks for a model version's signature and configuration.
public struct GetModelMetadataRequest: Sendable, Equatable {
    public var modelSpec: ModelSpec

    public init(modelSpec: ModelSpec) { self.modelSpec = modelSpec }
}

/// A model version's inputs, outputs and configuration.
public struct GetModelMetadataResponse: Sendable, Equatable {
    /// The model and the version described.
    public var modelSpec: ModelSpec
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    /// Class labels from config.json, index = class id.
    public var classLabels: [String]
    /// Versions that can serve calls now, ascending.
    public var versions: [Int64]
    public var versionLabels: [String: Int64]
    /// The tool that wrote the model, e.g. "skl2onnx 1.20.0".
    public var producer: String
    /// Largest batch (first input dimension) a call may send; 0 = no limit.
    public var maxBatchSize: Int64
    /// Names of the input columns (config.json `feature_names`), in order; empty when not configured.
    public var featureNames: [String]
    /// Which versions of the model are served.
    public var versionPolicy: ServedVersionPolicy

    public init(modelSpec: ModelSpec, inputs: [TensorInfo], outputs: [TensorInfo], classLabels: [String] = [],
                versions: [Int64] = [], versionLabels: [String: Int64] = [:], producer: String = "",
                maxBatchSize: Int64 = 0, featureNames: [String] = [], versionPolicy: ServedVersionPolicy = .latest(1)) {
        self.featureNames = featureNames
        self.versionPolicy = versionPolicy
        self.modelSpec = modelSpec
        self.inputs = inputs
        self.outputs = outputs
        self.classLabels = classLabels
        self.versions = versions
        self.versionLabels = versionLabels
        self.producer = producer
        self.maxBatchSize = maxBatchSize
    }
}

/// Which versions on disk a model serves: the N highest, all, or a list.
public enum ServedVersionPolicy: Sendable, Equatable {
    case latest(Int)
    case all
    case specific([Int64])
}
