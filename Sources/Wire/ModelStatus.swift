/// The state of one version of a model, as TF Serving reports it.
public struct ModelVersionStatus: Sendable, Equatable {
    /// TF Serving's version states (same numbers), plus FAILED for a version
    /// that could not load.
    public enum State: Int32, Sendable, CaseIterable {
        /// `UNKNOWN`: not set.
        case unknown = 0
        /// `START`: found on disk, not yet loading.
        case start = 10
        /// `LOADING`
        case loading = 20
        /// `AVAILABLE`: serving calls.
        case available = 30
        /// `UNLOADING`: draining calls before it goes.
        case unloading = 40
        /// `END`: unloaded.
        case end = 50
        /// `FAILED`: could not load; `status` says why.
        case failed = 60
    }

    public var version: Int64
    public var state: State
    /// Why a version is FAILED (load error); `.ok` otherwise.
    public var status: Status
    /// Version labels that point at this version.
    public var labels: [String]

    public init(version: Int64, state: State, status: Status = .ok, labels: [String] = []) {
        self.version = version
        self.state = state
        self.status = status
        self.labels = labels
    }
}

/// Asks for the state of a model's versions (one version when the spec names it).
public struct GetModelStatusRequest: Sendable, Equatable {
    public var modelSpec: ModelSpec

    public init(modelSpec: ModelSpec) { self.modelSpec = modelSpec }
}

/// The states of a model's versions.
public struct GetModelStatusResponse: Sendable, Equatable {
    public var name: String
    public var versions: [ModelVersionStatus]

    public init(name: String, versions: [ModelVersionStatus]) {
        self.name = name
        self.versions = versions
    }
}

/// Names the model a repository-control call (load or unload) acts on.
public struct ModelControlRequest: Sendable, Equatable {
    public var name: String

    public init(name: String) { self.name = name }
}
