import TextFormats

/// A model's settings from `ROOT/<name>/config.json`; every key is optional.
///
/// ```json
/// {"labels": ["setosa", "versicolor", "virginica"],
///  "version_policy": {"latest": 2},
///  "version_labels": {"stable": 1, "canary": 2},
///  "max_batch_size": 1000}
/// ```
/// Keys this module does not know are kept in `raw` for later features.
public struct ModelConfig: Sendable, Equatable {
    /// Class labels, index = class id (`"labels"`); empty when not configured.
    public var classLabels: [String]
    /// Which versions on disk are served (`"version_policy"`); default `.latest(1)`.
    public var versionPolicy: VersionPolicy
    /// Names for versions (`"version_labels"`), e.g. `["stable": 1, "canary": 2]`.
    public var versionLabels: [String: Int64]
    /// The largest batch (rows) one call may send (`"max_batch_size"`); nil = no limit.
    public var maxBatchSize: Int?
    /// The prediction cache (`"cache"`); nil = off unless the server sets a default.
    public var cache: CacheSettings?
    /// Adaptive batching (`"batching"`); nil = off.
    public var batching: BatchingSettings?
    /// Names of the input columns (`"feature_names"`), one per column in
    /// order; empty when not configured.
    public var featureNames: [String] = []
    /// The model takes NaN in its float inputs as a missing value (an
    /// imputer, trees that route missing values) (`"accepts_missing_values"`);
    /// without it a Predict carrying NaN is refused with INVALID_ARGUMENT.
    public var acceptsMissingValues = false
    /// The whole parsed config.json object, known keys included; an empty object without a file.
    public var raw: JSON

    public init(classLabels: [String] = [], versionPolicy: VersionPolicy = .latest(1),
                versionLabels: [String: Int64] = [:], maxBatchSize: Int? = nil,
                raw: JSON = .object([])) {
        self.classLabels = classLabels
        self.versionPolicy = versionPolicy
        self.versionLabels = versionLabels
        self.maxBatchSize = maxBatchSize
        self.raw = raw
    }

    /// The settings of a model without config.json.
    public static let `default` = ModelConfig()

    /// True when config.json declares a fan-out model (`"fan_out"`), served by
    /// the aggregator from member models rather than from versions on disk.
    public var isFanOut: Bool { raw["fan_out"] != nil }

    /// The version labels that point at `version`, sorted.
    public func labels(of version: Int64) -> [String] {
        versionLabels.filter { $0.value == version }.map(\.key).sorted()
    }
}
