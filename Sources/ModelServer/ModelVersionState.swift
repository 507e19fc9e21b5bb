/// The lifecycle of one model version, numbered as TF Serving's
/// `ModelVersionStatus.State` (and swerve's wire enum).
///
/// A version moves START → LOADING → AVAILABLE → UNLOADING → END; a load or
/// warm-up failure ends in FAILED instead of AVAILABLE. A FAILED version is
/// retried (back to LOADING) when its `model.onnx` changes on disk.
public enum ModelVersionState: Int, Sendable, CustomStringConvertible {
    /// Found on disk and selected by the version policy; not yet loading.
    case start = 10
    /// Being read, prepared and warmed up on the repository's poller thread.
    case loading = 20
    /// Serving calls.
    case available = 30
    /// Out of service; waiting for in-flight calls to finish before unloading.
    case unloading = 40
    /// Unloaded: removed from disk, excluded by the version policy, or stopped.
    case end = 50
    /// Could not load or warm up; `ModelVersionStatus.error` says why.
    case failed = 60

    /// The TF Serving spelling: "START", "LOADING", "AVAILABLE", …
    public var description: String {
        switch self {
        case .start: return "START"
        case .loading: return "LOADING"
        case .available: return "AVAILABLE"
        case .unloading: return "UNLOADING"
        case .end: return "END"
        case .failed: return "FAILED"
        }
    }
}

/// What the repository reports about one version of a model.
public struct ModelVersionStatus: Sendable, Equatable {
    /// The version number (its directory name).
    public var version: Int64
    public var state: ModelVersionState
    /// Why the version is FAILED (the load or warm-up error); nil otherwise.
    public var error: String?
    /// The config's version labels that point at this version, sorted.
    public var labels: [String]

    public init(version: Int64, state: ModelVersionState, error: String? = nil, labels: [String] = []) {
        self.version = version
        self.state = state
        self.error = error
        self.labels = labels
    }
}
