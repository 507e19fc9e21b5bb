import Logging

/// What the repository knows about one version of a model.
struct VersionRecord: Sendable {
    var state: ModelVersionState
    /// Why the version is FAILED.
    var error: String?
    /// The instance serving (AVAILABLE) or draining (UNLOADING). A draining
    /// instance that is no longer referenced here (replaced by a reload)
    /// leaves without changing the version's state.
    var servable: ServableVersion?
    /// The file state that produced `state` (loaded, or failed); a different
    /// stamp on disk means the file changed and is worth loading again.
    var file: VersionFile?
}

/// What the repository knows about one model directory.
struct ModelRecord: Sendable {
    var config: ModelConfig = .default
    /// Stamp of the config.json last read (whether it parsed or not); nil
    /// when there is no config.json.
    var configStamp: FileStamp?
    /// The current config.json problem; nil when it parsed (or is absent).
    var configError: String?
    /// False only while config.json has been broken since the model first
    /// appeared: there is no config to load versions with.
    var hasUsableConfig = true
    var versions: [Int64: VersionRecord] = [:]
    /// False once the directory left the disk; the record stays until every
    /// version reached END, so status can report the unloading.
    var onDisk = true
    /// The newest AVAILABLE version, cached for `acquire`.
    var latest: ServableVersion?
    /// True while repository control keeps the model out of service (not
    /// loaded in explicit mode, or unloaded by request).
    var held = false

    var isFanOut: Bool { config.isFanOut && versions.isEmpty }

    mutating func refreshLatest() {
        latest = versions.filter { $0.value.state == .available }
            .max { $0.key < $1.key }?.value.servable
    }

    func statuses() -> [ModelVersionStatus] {
        versions.keys.sorted().map { status(of: $0)! }
    }

    func status(of version: Int64) -> ModelVersionStatus? {
        guard let record = versions[version] else { return nil }
        return ModelVersionStatus(version: version, state: record.state, error: record.error,
                                  labels: config.labels(of: version))
    }
}

/// The repository's whole state, behind one lock: `acquire` reads it, the
/// reload pass and drained servables write it.
struct RepositoryState: Sendable {
    enum Phase: Sendable { case idle, started, stopped }
    var phase: Phase = .idle
    var models: [String: ModelRecord] = [:]

    /// Names of models on disk that serve versions (fan-out models excluded), sorted.
    var servedModelNames: [String] {
        models.filter { $0.value.onDisk && !$0.value.isFanOut }.map(\.key).sorted()
    }
}

/// Bookkeeping owned by the reload pass (behind the reload lock): what was
/// already reported, so a problem is logged once rather than every poll.
struct ReloadContext: Sendable {
    var reportedIgnored: Set<String> = []
    var reportedProblems: Set<String> = []
    /// Explicit mode: the models loaded (at startup or by a load call).
    var loaded: Set<String> = []
    /// Both mode: the models unloaded by request and not loaded since.
    var unloaded: Set<String> = []
}

/// A log line decided while holding the state lock, written after it is
/// released (log handlers may do I/O).
struct PendingLog: Sendable {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata
}
